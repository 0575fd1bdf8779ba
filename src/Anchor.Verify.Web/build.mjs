// Builds the verification page into one self-contained file, src/Anchor.Node/wwwroot/verify.html, which is committed:
// the node serves it with no network or npm at run time. `node build.mjs --check` rebuilds in memory and fails when the
// committed file differs (the test suite runs it). The output depends only on the sources and the pinned packages.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'Anchor.Node', 'wwwroot', 'verify.html');

// The licences of what the page bundles, named in the page itself (all MIT).
const bundled = ['@noble/curves', '@noble/hashes', 'sm-crypto', 'jsbn'].map(name => {
  const meta = JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));
  return `${meta.name} ${meta.version} (${meta.license})`;
});

const result = await build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', minify: true,
  legalComments: 'inline', charset: 'utf8', banner: { js: `/*! Anchor verification page; bundles ${bundled.join(', ')} */` },
  // sm-crypto's CommonJS asks for Node's crypto only when no browser one exists; the page never takes that path.
  external: [], define: { 'process.env.NODE_ENV': '"production"' },
});
const script = result.outputFiles[0].text.trim();
// Inline, a script ends at the first "</script": the bundle must not contain one.
if (/<\/script/i.test(script) || /<!--/.test(script)) throw new Error('the bundled script contains </script or <!--: it cannot be inlined');
const style = readFileSync(join(here, 'src', 'style.css'), 'utf8').trim();
const page = readFileSync(join(here, 'src', 'page.html'), 'utf8')
  .replace('/*STYLE*/', () => style)
  .replace('/*SCRIPT*/', () => script);

if (process.argv.includes('--check')) {
  let committed = '';
  try { committed = readFileSync(out, 'utf8'); } catch { /* reported below */ }
  if (committed !== page) {
    console.error(`${out} is not the build of src/Anchor.Verify.Web: run npm run build there and commit it`);
    process.exit(1);
  }
  console.log('verify.html is the build of its sources');
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, page);
  console.log(`wrote ${out} (${page.length} characters)`);
}
