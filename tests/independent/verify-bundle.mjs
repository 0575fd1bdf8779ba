#!/usr/bin/env node
// An independent verifier of anchor-proof/v1 bundles, written from the published formats
// (RFC 8785, RFC 9162 section 2.1.3.2, c2sp.org/signed-note) and sharing no code with Anchor.
// It checks the leaf hash, the inclusion proof, the checkpoint signature and, for ed25519
// providers, the provider signature. Usage: node verify-bundle.mjs BUNDLE.json [VKEY]
// Prints one line per check and exits 0 only when all pass. Other scripts import checkBundle (tests/faults/check.mjs).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const sha256 = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

// RFC 8785 for objects of strings: JSON.stringify escapes strings exactly as JCS asks, and the
// default sort compares UTF-16 code units, which is the order JCS asks for member names.
function jcs(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
  if (value && typeof value === 'object')
    return '{' + Object.keys(value).sort().map(k => JSON.stringify(k) + ':' + jcs(value[k])).join(',') + '}';
  throw new Error('not a string-only JSON value: ' + JSON.stringify(value));
}

// RFC 9162 2.1.3.2, step by step.
function rootFromInclusion(index, size, leafHash, path) {
  if (index >= size) throw new Error(`leaf index ${index} >= tree size ${size}`);
  let fn = index, sn = size - 1n, r = leafHash;
  for (const p of path) {
    if (sn === 0n) throw new Error('proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('proof too short');
  return r;
}

const ed25519Key = raw => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });

function checkpointSignature(note, vkey) {
  const [name, keyIdHex, keyB64] = [vkey.split('+')[0], vkey.split('+')[1], vkey.split('+').slice(2).join('+')];
  const keyBlob = Buffer.from(keyB64, 'base64');
  if (keyBlob[0] !== 1 || keyBlob.length !== 33) throw new Error('not an Ed25519 verifier key');
  const keyId = sha256(Buffer.from(name), Buffer.from([0x0a, 0x01]), keyBlob.subarray(1)).subarray(0, 4);
  if (keyId.toString('hex') !== keyIdHex) throw new Error('verifier key ID does not match');
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split('\n').filter(l => l)) {
    const [dash, signer, b64] = line.split(' ');
    const sig = Buffer.from(b64, 'base64');
    if (dash === '—' && signer === name && sig.subarray(0, 4).equals(keyId))
      return { ok: verify(null, Buffer.from(text), ed25519Key(keyBlob.subarray(1)), sig.subarray(4)), text };
  }
  throw new Error('no signature by ' + name);
}

// Every check of the bundle, as [{ ok, what }], against the verifier key vkey (the bundle's own when not given).
export function checkBundle(bundle, vkey = bundle.logKey) {
  const checks = [];
  const report = (ok, what) => checks.push({ ok, what });

  const leafHash = sha256(Buffer.from([0]), Buffer.from(jcs(bundle.entry), 'utf8'));
  report(leafHash.toString('hex') === bundle.leafHash, `leaf hash ${leafHash.toString('hex')}`);

  let root = null;
  try {
    root = rootFromInclusion(BigInt(bundle.leafIndex), BigInt(bundle.treeSize), leafHash, bundle.inclusion.map(h => Buffer.from(h, 'hex')));
    report(true, `inclusion: leaf ${bundle.leafIndex} of ${bundle.treeSize} -> root ${root.toString('hex')}`);
  } catch (e) { report(false, 'inclusion: ' + e.message); }

  try {
    const { ok, text } = checkpointSignature(bundle.checkpoint, vkey);
    report(ok, 'checkpoint signature by ' + vkey);
    const [, size, rootB64] = text.split('\n');
    report(size === bundle.treeSize && root !== null && Buffer.from(rootB64, 'base64').equals(root), `checkpoint names size ${size}, root ${Buffer.from(rootB64, 'base64').toString('hex')}`);
  } catch (e) { report(false, 'checkpoint: ' + e.message); }

  if (bundle.providerKey.alg === 'ed25519' && !bundle.entry.batch) {
    const statement = 'anchor-evidence:v1\n' + jcs({ provider: bundle.entry.provider, keyId: bundle.entry.keyId, evidence: bundle.entry.evidence });
    const ok = verify(null, Buffer.from(statement, 'utf8'), ed25519Key(Buffer.from(bundle.providerKey.publicKey, 'base64')), Buffer.from(bundle.entry.sig, 'base64'));
    report(ok, 'ed25519 provider signature');
  }

  for (const a of bundle.anchors) report(a.treeSize === bundle.treeSize && root !== null && a.root.replace(/^0x/, '') === root.toString('hex'), `anchor on chain ${a.chainId} names the same tree`);
  return checks;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bundle = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const checks = checkBundle(bundle, process.argv[3] ?? bundle.logKey);
  for (const { ok, what } of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  const failed = checks.filter(c => !c.ok).length;
  console.log(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  process.exit(failed === 0 ? 0 : 1);
}
