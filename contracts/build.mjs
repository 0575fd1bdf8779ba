// Compiles AnchorRegistry.sol with the pinned npm solc into artifacts/AnchorRegistry.json.
//   node build.mjs            write the artifact
//   node build.mjs --stdout   print it instead (the reproducibility test compares this output)
//   node build.mjs --check    exit 1 when the committed artifact differs from a fresh build
// Every input of the bytecode is fixed here: compiler version (package.json), optimizer, EVM
// version, and no metadata hash (so comments and file paths cannot change the bytecode).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const solc = require('solc');

const pinned = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).devDependencies.solc;
const version = solc.version();
if (!version.startsWith(pinned + '+')) {
  console.error(`solc ${version} is not the pinned ${pinned}: run npm ci in contracts/`);
  process.exit(2);
}

const sourceName = 'AnchorRegistry.sol';
const contractName = 'AnchorRegistry';
const settings = {
  // cancun: supported by every mainstream EVM chain today; the contract needs nothing newer,
  // and the bytecode runs unchanged on later hardforks (anvil 1.x defaults to the latest).
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'none' },
  outputSelection: { [sourceName]: { [contractName]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};
const input = {
  language: 'Solidity',
  sources: { [sourceName]: { content: readFileSync(join(here, sourceName), 'utf8') } },
  settings,
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0 || (output.errors ?? []).length > 0) process.exit(1); // warnings fail too

const compiled = output.contracts[sourceName][contractName];
const artifact = {
  contractName,
  sourceName,
  compiler: { npmPackage: 'solc', version: version, settings: { evmVersion: settings.evmVersion, optimizer: settings.optimizer, metadata: settings.metadata } },
  abi: compiled.abi,
  bytecode: '0x' + compiled.evm.bytecode.object,
  deployedBytecode: '0x' + compiled.evm.deployedBytecode.object,
};
const text = JSON.stringify(artifact, null, 2) + '\n';

const target = join(here, 'artifacts', contractName + '.json');
if (process.argv.includes('--stdout')) {
  process.stdout.write(text);
} else if (process.argv.includes('--check')) {
  let committed = '';
  try { committed = readFileSync(target, 'utf8'); } catch { /* missing counts as different */ }
  if (committed !== text) {
    console.error(`artifacts/${contractName}.json differs from a fresh build: run npm run build in contracts/`);
    process.exit(1);
  }
  console.log(`artifacts/${contractName}.json matches the source`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote artifacts/${contractName}.json (solc ${version})`);
}
