// Reading anchor-proof/v1 bundles and anchor-trust/v1 files with the strictness of Anchor's own parsers: only known
// members, every value a string, each in its format. What does not read is refused before any check runs.
import { parseStrict, jcsBytes } from './jcs.js';
import { sha256, hex } from './bytes.js';
import { parseAddress } from './signatures.js';
import { parseVerifierKey } from './checkpoint.js';
import { pemToDer } from './x509.js';

function fields(value, what, required, optional = []) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be an object`);
  for (const k of Object.keys(value)) if (!required.includes(k) && !optional.includes(k)) throw new Error(`${what}.${k} is not a known member`);
  for (const k of required) if (value[k] === undefined) throw new Error(`${what}.${k} is required`);
  for (const k of [...required, ...optional]) if (value[k] !== undefined && typeof value[k] !== 'string' && !isStructured(k)) throw new Error(`${what}.${k} must be a string`);
  return value;
}
const isStructured = k => ['entry', 'evidence', 'batch', 'path', 'providerKey', 'inclusion', 'keyEntry', 'key', 'certificates', 'anchors', 'timestamps', 'logs', 'keys', 'chains', 'providerRoots', 'tsaRoots'].includes(k);
const strings = (value, what) => { if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) throw new Error(`${what} must be an array of strings`); return value; };
const KINDS = ['contract.document', 'contract.signature', 'identity.verification', 'sms.record', 'ip.record', 'video.record', 'audit.log', 'other'];
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function evidence(e, what) {
  fields(e, what, ['hashAlg', 'hash', 'contractId', 'kind', 'clientTime', 'nonce'], ['metadataHash']);
  if (!['sha256', 'sm3', 'sha3-256', 'keccak256'].includes(e.hashAlg)) throw new Error(`${what}.hashAlg '${e.hashAlg}' is not sha256, sm3, sha3-256 or keccak256`);
  for (const k of ['hash', 'metadataHash']) if (e[k] !== undefined && !/^[0-9a-f]{64}$/.test(e[k])) throw new Error(`${what}.${k} is not 32 bytes of lowercase hex`);
  if (!KINDS.includes(e.kind)) throw new Error(`${what}.kind '${e.kind}' is not a known kind`);
  if (!TIME.test(e.clientTime)) throw new Error(`${what}.clientTime is not yyyy-MM-ddTHH:mm:ss.fffZ`);
  if (!/^[0-9a-f]{32}$/.test(e.nonce)) throw new Error(`${what}.nonce is not 32 lowercase hex characters`);
}

export function keyDescriptor(k, what) {
  fields(k, what, ['alg'], ['publicKey', 'address', 'certificates']);
  if (!['ed25519', 'ecdsa-p256-sha256', 'rsa-pkcs1-sha256', 'sm2-sm3', 'eth-personal'].includes(k.alg)) throw new Error(`${what}.alg '${k.alg}' is not a known algorithm`);
  if (k.certificates !== undefined) strings(k.certificates, `${what}.certificates`);
  return k;
}

export function parseBundle(text) {
  const b = parseStrict(text, 'bundle');
  // `root` (the step to a cluster's root log) is read apart: its name is also a string member of anchors and batches.
  fields({ ...b, root: undefined }, 'bundle', ['format', 'entry', 'providerKey', 'leafIndex', 'leafHash', 'treeSize', 'inclusion', 'checkpoint', 'logKey', 'keyEntry', 'anchors'], ['timestamps', 'root']);
  if (b.root !== undefined) {
    fields(b.root, 'bundle.root', ['leafIndex', 'treeSize', 'inclusion', 'checkpoint', 'logKey']);
    strings(b.root.inclusion, 'bundle.root.inclusion');
  }
  if (b.format !== 'anchor-proof/v1') throw new Error(`bundle.format is '${b.format}', want 'anchor-proof/v1'`);
  const e = fields(b.entry, 'bundle.entry', ['v', 'provider', 'keyId', 'evidence', 'sig', 'keyEntry', 'receivedAt'], ['batch']);
  if (e.v !== '1') throw new Error(`bundle.entry.v is '${e.v}', want '1'`);
  evidence(e.evidence, 'bundle.entry.evidence');
  if (!TIME.test(e.receivedAt)) throw new Error('bundle.entry.receivedAt is not yyyy-MM-ddTHH:mm:ss.fffZ');
  if (e.batch !== undefined) { fields(e.batch, 'bundle.entry.batch', ['root', 'size', 'index', 'path']); strings(e.batch.path, 'bundle.entry.batch.path'); }
  keyDescriptor(b.providerKey, 'bundle.providerKey');
  strings(b.inclusion, 'bundle.inclusion');
  const k = fields(b.keyEntry, 'bundle.keyEntry', ['leafIndex', 'entry', 'inclusion']);
  strings(k.inclusion, 'bundle.keyEntry.inclusion');
  const r = fields(k.entry, 'bundle.keyEntry.entry', ['v', 'type', 'provider', 'keyId', 'key', 'pop', 'registeredAt']);
  if (r.v !== '1' || r.type !== 'key.register') throw new Error('bundle.keyEntry.entry is not a version 1 key.register entry');
  keyDescriptor(r.key, 'bundle.keyEntry.entry.key');
  if (!TIME.test(r.registeredAt)) throw new Error('bundle.keyEntry.entry.registeredAt is not yyyy-MM-ddTHH:mm:ss.fffZ');
  if (!Array.isArray(b.anchors)) throw new Error('bundle.anchors must be an array');
  b.anchors.forEach((a, i) => fields(a, `bundle.anchors[${i}]`, ['chainId', 'registry', 'logId', 'treeSize', 'root', 'txHash', 'blockNumber', 'blockHash', 'blockTime']));
  b.timestamps ??= [];
  if (!Array.isArray(b.timestamps)) throw new Error('bundle.timestamps must be an array');
  b.timestamps.forEach((t, i) => fields(t, `bundle.timestamps[${i}]`, ['tsa', 'hashAlg', 'token']));
  return b;
}

/** The trust file, its members normalised as Core's TrustFile reads them, and its fingerprint (SHA-256 of its JCS). */
export async function parseTrust(text) {
  const t = parseStrict(text, 'trust');
  fields(t, 'trust', ['format', 'logs'], ['providerRoots', 'tsaRoots']);
  if (t.format !== 'anchor-trust/v1') throw new Error(`trust.format is '${t.format}', want 'anchor-trust/v1'`);
  if (!Array.isArray(t.logs)) throw new Error('trust.logs must be an array');
  const logs = [];
  for (const [i, l] of t.logs.entries()) {
    const what = `trust.logs[${i}]`;
    fields(l, what, ['origin', 'keys'], ['chains', 'sealedBy']);
    if (l.sealedBy !== undefined && (l.sealedBy === '' || l.sealedBy === l.origin)) throw new Error(`${what}.sealedBy must name another log's origin`);
    strings(l.keys, `${what}.keys`);
    if (l.keys.length === 0) throw new Error(`${what}.keys must name at least one verifier key`);
    for (const key of l.keys) if ((await parseVerifierKey(key)).name !== l.origin) throw new Error(`${what}.keys: a key is not named '${l.origin}'`);
    const chains = (l.chains ?? []).map((c, j) => {
      fields(c, `${what}.chains[${j}]`, ['chainId', 'registry', 'operator', 'logId']);
      if (!/^(0|[1-9]\d*)$/.test(c.chainId)) throw new Error(`${what}.chains[${j}].chainId is not a decimal count`);
      parseAddress(c.registry); parseAddress(c.operator);
      if (!/^0x[0-9a-fA-F]{64}$/.test(c.logId)) throw new Error(`${what}.chains[${j}].logId must be 0x and 64 hex characters`);
      return { chainId: c.chainId, registry: c.registry.toLowerCase(), operator: c.operator.toLowerCase(), logId: c.logId.toLowerCase() };
    });
    // sealedBy only when given, as Core writes it: the fingerprint is over the same JCS.
    logs.push({ origin: l.origin, keys: l.keys, chains, ...(l.sealedBy !== undefined ? { sealedBy: l.sealedBy } : {}) });
  }
  const providerRoots = strings(t.providerRoots ?? [], 'trust.providerRoots');
  const tsaRoots = strings(t.tsaRoots ?? [], 'trust.tsaRoots');
  for (const pem of [...providerRoots, ...tsaRoots]) pemToDer(pem);
  const normal = { format: t.format, logs, providerRoots, tsaRoots };
  return { ...normal, fingerprint: hex(await sha256(jcsBytes(normal))) };
}
