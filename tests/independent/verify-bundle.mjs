#!/usr/bin/env node
// An independent verifier of anchor-proof/v1 bundles, written from the published formats
// (RFC 8785, RFC 9162 section 2.1.3.2, c2sp.org/signed-note, RFC 3161) and sharing no code with Anchor.
// It checks the leaf hash, the inclusion proof, the checkpoint signature, the key's registration
// entry (in the same tree, before the record) and, for ed25519 providers, the key's proof of
// possession and the provider signature, and each TSA time-stamp with OpenSSL: its imprint is the
// hash of the checkpoint body, `openssl ts -verify` accepts it against the given TSA roots, and
// receivedAt is not after its genTime + accuracy + 1 s.
// A bundle sealed through a cluster's root log (member `root`) is checked one step further: the checkpoint body is a
// leaf of the root log (SHA-256(0x00 || body)), its inclusion proof folds to the root the root checkpoint names, that
// checkpoint is signed by the root log key (--root-key, else the bundle's own root.logKey), and the anchors and
// time-stamps are then the root tree's.
// It also checks receipts (an answer to a submission, or one receipt): the inclusion or range proof and the checkpoint.
// Usage: node verify-bundle.mjs BUNDLE.json|RECEIPT.json [VKEY] [--tsa-root ROOT.pem]... [--root-key ROOT_VKEY]
// Prints one line per check and exits 0 only when all pass. Other scripts import checkBundle and checkReceipt.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// A batch receipt's range proof, from the definition: left holds the perfect subtrees of [0, first), largest first;
// appending the leaves, then right (the largest aligned subtrees that tile [first + count, size)), rebuilds the perfect
// subtrees of [0, size), and folding them right to left is MTH (RFC 9162 2.1.1).
function rootFromRange(first, leafHashes, size, left, right) {
  const end = first + BigInt(leafHashes.length);
  if (leafHashes.length === 0 || end > size) throw new Error(`leaves [${first}, ${end}) are not in a tree of ${size}`);
  const stack = [];
  let pos = 0n, used = 0;
  for (let level = 63n; level >= 0n; level--)
    if ((first >> level) & 1n) {
      if (used >= left.length) throw new Error('too few left hashes');
      stack.push({ level, hash: left[used++] });
      pos += 1n << level;
    }
  if (used !== left.length) throw new Error('too many left hashes');
  const append = (level, hash) => {
    if (pos % (1n << level) !== 0n) throw new Error(`a subtree of level ${level} cannot start at ${pos}`);
    let node = { level, hash }, index = pos >> level;
    pos += 1n << level;
    while ((index & 1n) === 1n) {
      const sibling = stack.pop();
      if (!sibling || sibling.level !== node.level) throw new Error('subtrees do not pair');
      node = { level: node.level + 1n, hash: sha256(Buffer.from([1]), sibling.hash, node.hash) };
      index >>= 1n;
    }
    stack.push(node);
  };
  for (const h of leafHashes) append(0n, h);
  let r = 0;
  while (pos < size) {
    let level = 0n;
    while (pos % (1n << (level + 1n)) === 0n && pos + (1n << (level + 1n)) <= size) level++;
    if (r >= right.length) throw new Error('too few right hashes');
    append(level, right[r++]);
  }
  if (r !== right.length) throw new Error('too many right hashes');
  let root = stack[stack.length - 1].hash;
  for (let j = stack.length - 2; j >= 0; j--) root = sha256(Buffer.from([1]), stack[j].hash, root);
  return root;
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

// Every check of the bundle, as [{ ok, what }] (skips as { skip }), against the verifier key vkey (the bundle's own when
// not given), the TSA root files tsaRoots and the root log's verifier key rootKey (the bundle's root.logKey when not
// given). Other scripts import it (tests/faults/check.mjs).
export function checkBundle(bundle, vkey = bundle.logKey, tsaRoots = [], rootKey = bundle.root?.logKey) {
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

// The key that signed, as the log registered it: its entry is in the same tree, before the record, for the same
// provider and key ID, and (for ed25519) carries the key's own signature over anchor-key:v1\n || JCS({provider, keyId, key}).
const keyEntry = bundle.keyEntry;
const key = keyEntry.entry.key;
try {
  const keyLeaf = sha256(Buffer.from([0]), Buffer.from(jcs(keyEntry.entry), 'utf8'));
  const keyRoot = rootFromInclusion(BigInt(keyEntry.leafIndex), BigInt(bundle.treeSize), keyLeaf, keyEntry.inclusion.map(h => Buffer.from(h, 'hex')));
  let ok = root !== null && keyRoot.equals(root) && keyEntry.entry.type === 'key.register'
    && keyEntry.entry.provider === bundle.entry.provider && keyEntry.entry.keyId === bundle.entry.keyId
    && bundle.entry.keyEntry === keyEntry.leafIndex && BigInt(keyEntry.leafIndex) < BigInt(bundle.leafIndex);
  if (key.alg === 'ed25519') {
    const pop = 'anchor-key:v1\n' + jcs({ provider: keyEntry.entry.provider, keyId: keyEntry.entry.keyId, key });
    ok = ok && verify(null, Buffer.from(pop, 'utf8'), ed25519Key(Buffer.from(key.publicKey, 'base64')), Buffer.from(keyEntry.entry.pop, 'base64'));
  }
  report(ok, `key registration entry ${keyEntry.leafIndex}: in the same tree, before the record, for ${keyEntry.entry.provider}/${keyEntry.entry.keyId}`);
} catch (e) { report(false, 'key registration entry: ' + e.message); }

if (key.alg === 'ed25519' && !bundle.entry.batch) {
  const statement = 'anchor-evidence:v1\n' + jcs({ provider: bundle.entry.provider, keyId: bundle.entry.keyId, evidence: bundle.entry.evidence });
  const ok = verify(null, Buffer.from(statement, 'utf8'), ed25519Key(Buffer.from(key.publicKey, 'base64')), Buffer.from(bundle.entry.sig, 'base64'));
  report(ok, 'ed25519 provider signature under the registered key');
}

// The tree the anchors and time-stamps seal: this log's, or the root log's that holds this checkpoint body as a leaf.
const bodyOf = note => note.slice(0, note.lastIndexOf('\n\n') + 1);
let sealed = { checkpoint: bundle.checkpoint, treeSize: bundle.treeSize, root, what: 'checkpoint' };
if (bundle.root) {
  const step = bundle.root;
  let rootRoot = null;
  report(step.checkpoint.split('\n')[0] !== bundle.checkpoint.split('\n')[0], `root log ${step.checkpoint.split('\n')[0]} is another log than ${bundle.checkpoint.split('\n')[0]}`);
  try {
    const leaf = sha256(Buffer.from([0]), Buffer.from(bodyOf(bundle.checkpoint), 'utf8'));
    rootRoot = rootFromInclusion(BigInt(step.leafIndex), BigInt(step.treeSize), leaf, step.inclusion.map(h => Buffer.from(h, 'hex')));
    report(true, `root inclusion: checkpoint body leaf ${leaf.toString('hex')} at ${step.leafIndex} of ${step.treeSize} -> root ${rootRoot.toString('hex')}`);
  } catch (e) { report(false, 'root inclusion: ' + e.message); }
  try {
    const { ok, text } = checkpointSignature(step.checkpoint, rootKey);
    report(ok, 'root checkpoint signature by ' + rootKey);
    const [, size, rootB64] = text.split('\n');
    report(size === step.treeSize && rootRoot !== null && Buffer.from(rootB64, 'base64').equals(rootRoot), `root checkpoint names size ${size}, root ${Buffer.from(rootB64, 'base64').toString('hex')}`);
  } catch (e) { report(false, 'root checkpoint: ' + e.message); }
  sealed = { checkpoint: step.checkpoint, treeSize: step.treeSize, root: rootRoot, what: 'root checkpoint' };
}

for (const a of bundle.anchors) report(a.treeSize === sealed.treeSize && sealed.root !== null && a.root.replace(/^0x/, '') === sealed.root.toString('hex'), `anchor on chain ${a.chainId} names the sealed tree (${sealed.what}, size ${sealed.treeSize})`);

// RFC 3161 tokens, with OpenSSL: `openssl ts -reply -token_in -text` to read them, `openssl ts -verify` to check them.
const openssl = (...argv) => spawnSync('openssl', argv, { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'verify-bundle-'));
try {
  const rootsFile = join(work, 'roots.pem');
  writeFileSync(rootsFile, tsaRoots.map(f => readFileSync(f, 'utf8')).join('\n'));
  const body = bodyOf(sealed.checkpoint);
  (bundle.timestamps ?? []).forEach((t, i) => {
    const what = `tsa ${t.tsa}`;
    const token = join(work, `token-${i}.der`);
    writeFileSync(token, Buffer.from(t.token, 'base64'));
    const text = openssl('ts', '-reply', '-in', token, '-token_in', '-text').stdout ?? '';
    const imprint = [...text.slice(text.indexOf('Message data:'), text.indexOf('Serial number:')).matchAll(/^\s+[0-9a-f]{4} - ([0-9a-f -]+?)  /gm)]
      .map(m => m[1].replace(/[ -]/g, '')).join('');
    const digest = ['sha256', 'sm3'].includes(t.hashAlg) ? createHash(t.hashAlg).update(body, 'utf8').digest('hex') : '(unknown hashAlg)';
    report(text.includes(`Hash Algorithm: ${t.hashAlg}`) && imprint === digest, `${what} imprint ${imprint} = ${t.hashAlg}(${sealed.what} body)`);
    const sm2 = (openssl('asn1parse', '-inform', 'DER', '-in', token).stdout ?? '').includes('SM2-with-SM3');
    if (sm2) checks.push({ ok: true, skip: `${what} signature: OpenSSL 3.0 cannot verify SM2 signatures` });
    else if (tsaRoots.length === 0) checks.push({ ok: true, skip: `${what} signature: no --tsa-root given` });
    else {
      const verified = openssl('ts', '-verify', '-in', token, '-token_in', '-digest', digest, '-CAfile', rootsFile);
      report(verified.status === 0 && /Verification: OK/.test(verified.stdout), `${what} openssl ts -verify -digest ${digest} against ${tsaRoots.join(', ')}`);
    }
    const time = /Time stamp: (\w+) +(\d+) ([\d:.]+) (\d{4}) GMT/.exec(text);
    const accuracy = /Accuracy: (?:0x([0-9A-F]+)|unspecified) seconds, (?:0x([0-9A-F]+)|unspecified) millis, (?:0x([0-9A-F]+)|unspecified) micros/.exec(text);
    if (!time) { report(false, `${what} genTime not found`); return; }
    const genTime = Date.parse(`${time[1]} ${time[2]} ${time[4]} ${time[3]} GMT`);
    const slack = accuracy ? (parseInt(accuracy[1] ?? '0', 16) * 1000 + parseInt(accuracy[2] ?? '0', 16) + parseInt(accuracy[3] ?? '0', 16) / 1000) : 0;
    report(Date.parse(bundle.entry.receivedAt) <= genTime + slack + 1000,
      `${what} receivedAt ${bundle.entry.receivedAt} <= genTime ${new Date(genTime).toISOString()} + accuracy ${slack} ms + 1 s`);
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
  return checks;
}

// Every check of a receipt (docs/formats.md#receipts): one record's ({ inclusion }) or a batch's ({ range }), and with
// `entry` (a single answer's) that the entry hashes to the receipt's leaf. Against the verifier key vkey only.
export function checkReceipt(receipt, vkey, entry = null) {
  const checks = [];
  const report = (ok, what) => checks.push({ ok, what });
  const hex = h => Buffer.from(h, 'hex');
  let root = null;
  try {
    if (receipt.range) {
      if (BigInt(receipt.count) !== BigInt(receipt.leafHashes.length)) throw new Error('count is not the number of leaf hashes');
      root = rootFromRange(BigInt(receipt.firstIndex), receipt.leafHashes.map(hex), BigInt(receipt.treeSize), receipt.range.left.map(hex), receipt.range.right.map(hex));
      report(true, `range: leaves ${receipt.firstIndex}+${receipt.count} of ${receipt.treeSize} -> root ${root.toString('hex')}`);
    } else {
      if (entry) {
        const leaf = sha256(Buffer.from([0]), Buffer.from(jcs(entry), 'utf8')).toString('hex');
        report(leaf === receipt.leafHash, `entry's leaf hash ${leaf}`);
      }
      root = rootFromInclusion(BigInt(receipt.leafIndex), BigInt(receipt.treeSize), hex(receipt.leafHash), receipt.inclusion.map(hex));
      report(true, `inclusion: leaf ${receipt.leafIndex} of ${receipt.treeSize} -> root ${root.toString('hex')}`);
    }
  } catch (e) { report(false, 'proof: ' + e.message); }
  try {
    const { ok, text } = checkpointSignature(receipt.checkpoint, vkey);
    report(ok, 'checkpoint signature by ' + vkey);
    const [origin, size, rootB64] = text.split('\n');
    report(origin === receipt.origin && size === receipt.treeSize && root !== null && Buffer.from(rootB64, 'base64').equals(root),
      `checkpoint names ${origin}, size ${size}, root ${Buffer.from(rootB64, 'base64').toString('hex')}`);
  } catch (e) { report(false, 'checkpoint: ' + e.message); }
  return checks;
}

// The checks of a file that is a bundle, a receipt, or an answer that carries receipts.
function checkFile(json, vkey, tsaRoots, rootKey) {
  if (json.receipts) return json.receipts.flatMap(r => checkReceipt(r, vkey));
  if (json.receipt) return checkReceipt(json.receipt, vkey, json.entry);
  if (json.range || (json.inclusion && !json.entry)) return checkReceipt(json, vkey);
  return checkBundle(json, vkey ?? json.logKey, tsaRoots, rootKey ?? json.root?.logKey);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const tsaRoots = [];
  for (let i = args.indexOf('--tsa-root'); i >= 0; i = args.indexOf('--tsa-root')) tsaRoots.push(...args.splice(i, 2).slice(1));
  const rootKeyAt = args.indexOf('--root-key');
  const rootKey = rootKeyAt >= 0 ? args.splice(rootKeyAt, 2)[1] : undefined;
  const checks = checkFile(JSON.parse(readFileSync(args[0], 'utf8')), args[1], tsaRoots, rootKey);
  for (const c of checks) console.log(c.skip ? `skip ${c.skip}` : `${c.ok ? 'ok  ' : 'FAIL'} ${c.what}`);
  const failed = checks.filter(c => !c.skip && !c.ok).length;
  console.log(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
  process.exitCode = failed === 0 ? 0 : 1; // Not process.exit(): it would cut stdout short when it is a pipe.
}
