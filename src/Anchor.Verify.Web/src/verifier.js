// The checks of `anchor verify` (Core's BundleVerifier), in the same order, with the same names and verdict words, run
// in the browser. Each check is independent and reports the values it compared.
import { utf8, hex, unhex, unbase64, equal, sha256 } from './bytes.js';
import { jcs, jcsBytes } from './jcs.js';
import { leafHash, rootFromInclusion, count } from './merkle.js';
import { parseVerifierKey, verifyCheckpoint, originOf, body } from './checkpoint.js';
import { verifySignature, descriptorSpki } from './signatures.js';
import { hashWith } from './hashes.js';
import { parseCertificate, keyUsage, validateChain, pemToDer, fingerprint } from './x509.js';
import { readToken, checkSignature, checkChain, IMPRINT_OIDS, cst } from './tsa.js';
import { checkAnchor } from './chain.js';

const pass = (name, detail) => ({ name, status: 'pass', detail });
const fail = (name, detail) => ({ name, status: 'fail', detail });
const notChecked = (name, detail) => ({ name, status: 'notchecked', detail });
const info = (name, detail) => ({ name, status: 'info', detail });
const message = e => e?.message ?? String(e);

const descriptor = k => { const d = { alg: k.alg }; for (const m of ['publicKey', 'address', 'certificates']) if (k[m] !== undefined) d[m] = k[m]; return d; };
const singleStatement = e => utf8('anchor-evidence:v1\n' + jcs({ provider: e.provider, keyId: e.keyId, evidence: e.evidence }));
const batchLeaf = e => jcsBytes({ provider: e.provider, keyId: e.keyId, evidence: e.evidence });
const batchStatement = e => utf8('anchor-batch:v1\n' + jcs({ provider: e.provider, keyId: e.keyId, root: e.batch.root, size: e.batch.size }));
const keyStatement = r => utf8('anchor-key:v1\n' + jcs({ provider: r.provider, keyId: r.keyId, key: descriptor(r.key) }));
const hashes = (list, what) => list.map(h => { if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`${what} hash '${h}' is not 32 bytes of lowercase hex`); return unhex(h); });

/**
 * bundle and trust are parsed (bundle.js); options: { file: Uint8Array?, rpc: { chainId: url }, minConfirmations,
 * clockToleranceMs }. Returns { checks, outcome, verdict, summary }, as the CLI's report.
 */
export async function verifyBundle(bundle, trust, options = {}) {
  const checks = [];
  const entry = bundle.entry;

  if (options.file) {
    const d = hex(await hashWith(entry.evidence.hashAlg, options.file));
    checks.push(d === entry.evidence.hash ? pass('file digest', `${entry.evidence.hashAlg}(file) = ${d}`)
      : fail('file digest', `${entry.evidence.hashAlg}(file) = ${d}, evidence.hash = ${entry.evidence.hash}`));
  }

  checks.push(await keyRegistration(bundle));
  checks.push(await providerIdentity(bundle, trust));
  checks.push(await providerSignature(bundle));
  if (entry.batch) checks.push(await batchPath(entry));

  const leaf = await leafHash(jcsBytes(entry));
  checks.push(hex(leaf) === bundle.leafHash ? pass('leaf hash', `SHA-256(0x00 || JCS(entry)) = ${hex(leaf)}`)
    : fail('leaf hash', `SHA-256(0x00 || JCS(entry)) = ${hex(leaf)}, bundle.leafHash = ${bundle.leafHash}`));

  const { check: inclusionCheck, root, size } = await inclusion('inclusion proof', bundle.leafIndex, bundle.treeSize, bundle.inclusion, leaf);
  checks.push(inclusionCheck);
  checks.push(await keyEntryInclusion(bundle, root, size));

  const log = resolveTrust(bundle.checkpoint, trust);
  const { check: signatureCheck, checkpoint, signedBy } = await checkpointSignature(bundle.checkpoint, bundle.logKey, log);
  checks.push(signatureCheck);
  checks.push(signedTreeMatch(signatureCheck, checkpoint, root, size, 'checkpoint matches proof'));

  // The tree the anchors and time-stamps seal: this log's own, or the root log's that includes this checkpoint.
  const seal = bundle.root ? await rootStepChecks(bundle, trust, log, checks)
    : { checkpoint: bundle.checkpoint, log, signedBy, root, size, what: 'checkpoint' };

  for (const anchor of bundle.anchors) {
    const label = `anchor chain ${anchor.chainId}`;
    checks.push(anchorAgreement(anchor, seal.root, seal.size, label));
    const { check: registryCheck, expected } = anchorRegistry(anchor, seal.log, seal.signedBy, label);
    checks.push(registryCheck);
    if (!expected) {
      if (registryCheck.status === 'pass')
        checks.push(notChecked(`${label} on chain`, `no trusted log key verified the checkpoint, so there is no key commitment to look up: transaction ${anchor.txHash} not checked`));
      continue;
    }
    const url = options.rpc?.[anchor.chainId];
    if (url) {
      try { checks.push(...await checkAnchor(url, anchor, { ...expected, keyCommitment: await sha256(utf8(seal.signedBy)) }, options.minConfirmations ?? 1)); }
      catch (e) { checks.push(fail(`${label} lookup`, `${message(e)} (the RPC must allow this page's origin: CORS)`)); }
    } else checks.push(notChecked(`${label} on chain`, `no RPC for chain ${anchor.chainId}: transaction ${anchor.txHash} in block ${anchor.blockNumber} not checked`));
  }

  const stamps = [];
  for (const stamp of bundle.timestamps) stamps.push(await timestampChecks(bundle, stamp, trust, seal, checks, options.clockToleranceMs ?? 1000));

  // Valid only when every log the verdict rests on (the entry's, and the root log that seals it) is trusted.
  const outcome = checks.some(c => c.status === 'fail') ? 'invalid' : !log.log || !seal.log.log ? 'unverified' : 'valid';
  const earliest = earliestTrustedTime(bundle, checks, stamps);
  return { checks, outcome, verdict: verdict(bundle, checks, outcome, log, seal, earliest), summary: summary(bundle, checks, log, seal, stamps, earliest) };
}

/**
 * The root step: the bundle's (member) checkpoint body is a leaf of the root log, included in the tree its signed
 * checkpoint names, under a key the trust file lists for the root log's origin. Returns that root tree.
 */
async function rootStepChecks(bundle, trust, memberLog, checks) {
  const step = bundle.root;
  const rootLog = resolveTrust(step.checkpoint, trust);
  checks.push(rootLogCheck(bundle, step, memberLog));
  let leaf = null;
  try {
    leaf = await leafHash(utf8(body(bundle.checkpoint)));
    checks.push(pass('root leaf', `SHA-256(0x00 || member checkpoint body) = ${hex(leaf)}`));
  } catch (e) { checks.push(fail('root leaf', `the member checkpoint is not a signed note: ${message(e)}`)); }
  const { check: inclusionCheck, root, size } = leaf ? await inclusion('root inclusion', step.leafIndex, step.treeSize, step.inclusion, leaf)
    : { check: fail('root inclusion', 'no leaf to fold'), root: null, size: 0n };
  checks.push(inclusionCheck);
  const { check: signatureCheck, checkpoint, signedBy } = await checkpointSignature(step.checkpoint, step.logKey, rootLog, 'root checkpoint signature');
  checks.push(signatureCheck);
  checks.push(signedTreeMatch(signatureCheck, checkpoint, root, size, 'root checkpoint matches proof'));
  return { checkpoint: step.checkpoint, log: rootLog, signedBy, root, size, what: 'root checkpoint' };
}

/** The root log is another log than the member and, when the trust file names the member's sealedBy, that one. */
function rootLogCheck(bundle, step, memberLog) {
  const name = 'root log';
  const member = originOf(bundle.checkpoint), rootOrigin = originOf(step.checkpoint);
  if (rootOrigin === member) return fail(name, `the root step names the member log '${member}' itself`);
  if (!memberLog.log) return notChecked(name, `no trusted member log '${member}' to name its root log`);
  const sealedBy = memberLog.log.sealedBy;
  if (sealedBy === undefined) return info(name, `'${member}' sealed by root log '${rootOrigin}'; the trust file names no sealedBy for '${member}', so any root log it lists may seal it`);
  return sealedBy === rootOrigin ? pass(name, `'${member}' sealed by root log '${rootOrigin}', as the trust file's sealedBy names`)
    : fail(name, `the trust file says '${member}' is sealed by '${sealedBy}', the bundle's root step is of '${rootOrigin}'`);
}

/** The trusted log of a checkpoint's origin, or why there is none. The page never explores with the bundle's own key. */
function resolveTrust(note, trust) {
  const origin = originOf(note);
  if (!trust) return { log: null, missing: 'no trusted log key (give a trust file)' };
  const log = trust.logs.find(l => l.origin === origin);
  return log ? { log, fingerprint: trust.fingerprint } : { log: null, fingerprint: trust.fingerprint, missing: `the trust file lists no log '${origin}'` };
}

async function keyRegistration(bundle) {
  const name = 'key registration';
  const { entry, keyEntry: key } = bundle;
  const r = key.entry;
  if (entry.keyEntry !== key.leafIndex) return fail(name, `the entry names key entry ${entry.keyEntry}, the bundle carries entry ${key.leafIndex}`);
  if (r.provider !== entry.provider || r.keyId !== entry.keyId) return fail(name, `entry ${key.leafIndex} registers ${r.provider}/${r.keyId}, the record is signed by ${entry.provider}/${entry.keyId}`);
  let keyIndex, index;
  try { keyIndex = count(key.leafIndex, 'keyEntry.leafIndex'); index = count(bundle.leafIndex, 'leafIndex'); } catch { keyIndex = 1n; index = 0n; }
  if (keyIndex >= index) return fail(name, `key entry ${key.leafIndex} is not before the record's entry ${bundle.leafIndex}`);
  if (r.registeredAt > entry.receivedAt) return fail(name, `the key was registered at ${r.registeredAt}, after the record was received at ${entry.receivedAt}`);
  let proves;
  try { proves = await verifySignature(r.key, keyStatement(r), unbase64(r.pop)); }
  catch (e) { return fail(name, `the registered key is not usable: ${message(e)}`); }
  if (!proves) return fail(name, `pop is not a ${r.key.alg} signature of key '${r.keyId}' over its registration statement`);
  if (jcs(descriptor(bundle.providerKey)) !== jcs(descriptor(r.key))) return fail(name, `the bundle's providerKey is not the key registered in entry ${key.leafIndex}`);
  return pass(name, `${r.key.alg} key ${entry.provider}/${entry.keyId} registered at ${r.registeredAt} in entry ${key.leafIndex}, before entry ${bundle.leafIndex}; its proof of possession verifies`);
}

/** The key's certificate chain to a providerRoots CA at registration and at the record's time (RSA, ECDSA and SM2 chains). */
async function providerIdentity(bundle, trust) {
  const name = 'provider identity';
  const r = bundle.keyEntry.entry;
  if (!r.key.certificates?.length) return info(name, `key not certified (registered by the operator at ${r.registeredAt})`);
  if (!trust) return notChecked(name, 'the key carries a certificate chain, but no trust file names the CAs to check it against');
  let chain;
  try { chain = r.key.certificates.map((c, i) => { try { return parseCertificate(unbase64(c)); } catch (e) { throw new Error(`certificates[${i}] is not a DER X.509 certificate: ${message(e)}`); } }); }
  catch (e) { return fail(name, `certificate_untrusted: ${message(e)}`); }
  try {
    if (!equal(chain[0].spki, descriptorSpki(r.key).der)) return fail(name, 'certificate_key_mismatch: the leaf certificate\'s key is not the registered key');
    const ku = keyUsage(chain[0]);
    if (!ku || !(ku.has(0) || ku.has(1))) return fail(name, `certificate_untrusted: certificates[0] (${chain[0].subjectText}) is not a signing certificate (digitalSignature or nonRepudiation); register the signing certificate`);
    const roots = trust.providerRoots.map(p => parseCertificate(pemToDer(p)));
    let root;
    for (const [when, at] of [[`registration (${r.registeredAt})`, r.registeredAt], [`the record (${bundle.entry.receivedAt})`, bundle.entry.receivedAt]]) {
      try { root = await validateChain(chain, roots, new Date(at)); }
      catch (e) {
        if (e.unsupported) return notChecked(name, message(e));
        return fail(name, `${e.expired ? 'certificate_expired' : 'certificate_untrusted'} at ${when}: ${message(e)}`);
      }
    }
    const leaf = chain[0];
    return pass(name, `${leaf.subjectText}, issuer ${leaf.issuerText}, serial ${leaf.serial}; chain to trusted root ${root.subjectText} (SHA-256 ${await fingerprint(root)}) valid at registration and at the record's time; no CRL in the trust file: revocation not checked`);
  } catch (e) { return e.unsupported ? notChecked(name, message(e)) : fail(name, `certificate_untrusted: ${message(e)}`); }
}

async function providerSignature(bundle) {
  const name = 'provider signature';
  const e = bundle.entry;
  const key = bundle.keyEntry.entry.key; // the key as the log registered it, never one the bundle states on its own
  let sig;
  try { sig = unbase64(e.sig); } catch { return fail(name, 'entry.sig is not base64'); }
  const what = e.batch ? `the batch statement (root ${e.batch.root}, size ${e.batch.size})` : 'the evidence statement';
  let ok;
  try { ok = await verifySignature(key, e.batch ? batchStatement(e) : singleStatement(e), sig); }
  catch (err) { return fail(name, `the registered key is not usable: ${message(err)}`); }
  return ok ? pass(name, `${key.alg} signature of ${e.provider}/${e.keyId} over ${what}`)
    : fail(name, `${key.alg} signature of ${e.provider}/${e.keyId} does not verify over ${what}`);
}

async function batchPath(e) {
  const name = 'batch path';
  const b = e.batch;
  try {
    const root = await rootFromInclusion(count(b.index, 'batch.index'), count(b.size, 'batch.size'), await leafHash(batchLeaf(e)), hashes(b.path, 'batch path'));
    if (hex(root) !== b.root) throw new Error(`the path folds to ${hex(root)}, the signed batch root is ${b.root}`);
    return pass(name, `record ${b.index} of ${b.size} is in batch root ${b.root}`);
  } catch (err) { return fail(name, `record ${b.index} of ${b.size}: ${message(err)}`); }
}

async function inclusion(name, leafIndex, treeSize, proof, leaf) {
  let index, size;
  try { index = count(leafIndex, 'leafIndex'); size = count(treeSize, 'treeSize'); }
  catch { return { check: fail(name, `leafIndex '${leafIndex}' or treeSize '${treeSize}' is not a decimal count`), root: null, size: 0n }; }
  try {
    const path = hashes(proof, 'inclusion');
    const root = await rootFromInclusion(index, size, leaf, path);
    return { check: pass(name, `leaf ${index} of ${size} folds to root ${hex(root)} (${path.length} hashes)`), root, size };
  } catch (e) { return { check: fail(name, `leaf ${index} of ${size}: ${message(e)}`), root: null, size }; }
}

async function keyEntryInclusion(bundle, root, size) {
  const name = 'key registration inclusion';
  if (!root) return fail(name, 'no root from the record\'s inclusion proof to compare with');
  try {
    const index = count(bundle.keyEntry.leafIndex, 'keyEntry.leafIndex');
    const keyRoot = await rootFromInclusion(index, size, await leafHash(jcsBytes(bundle.keyEntry.entry)), hashes(bundle.keyEntry.inclusion, 'inclusion'));
    return equal(keyRoot, root) ? pass(name, `key entry ${index} of ${size} folds to the same root ${hex(root)}`)
      : fail(name, `key entry ${index} folds to ${hex(keyRoot)}, the record to ${hex(root)}`);
  } catch (e) { return fail(name, `key entry ${bundle.keyEntry.leafIndex} of ${size}: ${message(e)}`); }
}

async function checkpointSignature(note, ownKey, log, name = 'checkpoint signature') {
  if (!log.log) return { check: notChecked(name, log.missing) };
  const errors = [];
  for (const keyText of log.log.keys) {
    try {
      const key = await parseVerifierKey(keyText);
      const checkpoint = await verifyCheckpoint(note, key);
      const other = keyText !== ownKey ? ` (the bundle names another key: ${ownKey})` : '';
      return { check: pass(name, `signed by trusted key ${key.text}${other}`), checkpoint, signedBy: key.text };
    } catch (e) { errors.push(`${message(e)} (key ${keyText})`); }
  }
  return { check: fail(name, `not signed by any trusted key of '${log.log.origin}': ${errors.join('; ')}`) };
}

/** The signed checkpoint names the tree the proof folded to; not checked when no trusted key could verify it. */
const signedTreeMatch = (signature, checkpoint, root, size, name) => signature.status === 'notchecked'
  ? notChecked(name, 'no checkpoint verified under a trusted key to compare with') : checkpointMatch(checkpoint, root, size, name);

function checkpointMatch(checkpoint, root, size, name) {
  if (!checkpoint || !root) return fail(name, 'no verified checkpoint or no root from the proof to compare');
  const cpRoot = hex(checkpoint.root), proofRoot = hex(root);
  return checkpoint.size === size && cpRoot === proofRoot ? pass(name, `size ${size}, root ${proofRoot}`)
    : fail(name, `checkpoint size ${checkpoint.size} root ${cpRoot}; proof size ${size} root ${proofRoot}`);
}

function anchorAgreement(anchor, root, size, label) {
  const name = `${label} names this tree`;
  const rootHex = root ? hex(root) : '(none)';
  let anchorSize = -1n;
  try { anchorSize = count(anchor.treeSize, 'treeSize'); } catch { /* reported below */ }
  if (anchorSize !== size) return fail(name, `anchor treeSize ${anchor.treeSize}, proof treeSize ${size}`);
  return anchor.root.replace(/^0x/, '') === rootHex ? pass(name, `size ${size}, root ${rootHex}`) : fail(name, `anchor root ${anchor.root}, proof root ${rootHex}`);
}

function anchorRegistry(anchor, log, signedBy, label) {
  const name = `${label} registry`;
  if (!log.log) return { check: notChecked(name, `registry ${anchor.registry} not checked: no trusted log key verified the checkpoint`) };
  const listed = log.log.chains.filter(c => c.chainId === anchor.chainId);
  if (listed.length === 0) return { check: fail(name, `the trust file lists no registry on chain ${anchor.chainId} for '${log.log.origin}': the anchor's registry ${anchor.registry} is not trusted`) };
  const chain = listed.find(c => c.registry === anchor.registry.toLowerCase());
  if (!chain) return { check: fail(name, `registry ${anchor.registry} is not a trusted registry of chain ${anchor.chainId} (trusted: ${listed.map(c => c.registry).join(', ')})`) };
  if (chain.logId !== anchor.logId.toLowerCase()) return { check: fail(name, `logId ${anchor.logId} is not the trusted log ID ${chain.logId} in registry ${chain.registry}`) };
  const check = pass(name, `registry ${chain.registry}, logId ${chain.logId}, operator ${chain.operator}, as the trust file lists`);
  return { check, expected: signedBy ? chain : null };
}

async function timestampChecks(bundle, stamp, trust, seal, checks, toleranceMs) {
  const label = `tsa ${stamp.tsa}`;
  let token;
  try {
    token = readToken(unbase64(stamp.token));
    checks.push(pass(`${label} token`, `RFC 3161 token: ${token.describe()}`));
  } catch (e) {
    checks.push(fail(`${label} token`, message(e)));
    return { stamp, token: null, root: null, trusted: false };
  }
  const first = checks.length;
  try {
    if (!IMPRINT_OIDS[stamp.hashAlg]) throw new Error(`hashAlg '${stamp.hashAlg}' is not sha256 or sm3`);
    const d = await hashWith(stamp.hashAlg, utf8(body(seal.checkpoint)));
    if (token.imprintOid !== IMPRINT_OIDS[stamp.hashAlg]) throw new Error(`the token's imprint is ${token.imprintOid}, not ${stamp.hashAlg}`);
    if (!equal(token.imprint, d)) throw new Error(`the token time-stamps ${stamp.hashAlg} ${hex(token.imprint)}, not ${hex(d)}`);
    checks.push(pass(`${label} imprint`, `the token time-stamps ${stamp.hashAlg}(${seal.what} body) = ${hex(d)}`));
  } catch (e) { checks.push(fail(`${label} imprint`, message(e))); }
  let root = null;
  try { checks.push(pass(`${label} signature`, await checkSignature(token))); }
  catch (e) { checks.push((e.unsupported ? notChecked : fail)(`${label} signature`, message(e))); }
  if (!seal.log.log || !trust) checks.push(notChecked(`${label} trusted root`, `${token.signer.subjectText} not checked against a TSA root: no trust file`));
  else {
    try {
      root = await checkChain(token, trust.tsaRoots.map(p => parseCertificate(pemToDer(p))));
      checks.push(pass(`${label} trusted root`, `${token.signer.subjectText} chains at genTime to the trust file's TSA root ${root}`));
    } catch (e) {
      if (e.unsupported) checks.push(notChecked(`${label} trusted root`, message(e)));
      else checks.push(fail(`${label} trusted root`, `${token.signer.subjectText} does not chain to a trusted TSA root at genTime ${token.genTime.toISOString()}: ${message(e)}`));
    }
  }
  const received = new Date(bundle.entry.receivedAt);
  const compared = `receivedAt ${bundle.entry.receivedAt}, genTime ${token.genTime.toISOString()} + accuracy ${token.accuracyText} + tolerance ${toleranceMs / 1000} s`;
  checks.push(received.getTime() <= token.latest.getTime() + toleranceMs ? pass(`${label} node clock`, compared)
    : fail(`${label} node clock`, `${compared}: the node's clock ran ${(received - token.genTime) / 1000} s ahead of the TSA, so the node's own times cannot be relied on`));
  return { stamp, token, root, trusted: root !== null && checks.slice(first).every(c => c.status === 'pass') };
}

function earliestTrustedTime(bundle, checks, stamps) {
  const times = stamps.filter(s => s.trusted).map(s => ({ time: s.token.latest, source: `TSA ${s.stamp.tsa}, genTime ${s.token.genTime.toISOString()} + accuracy ${s.token.accuracyText}` }));
  for (const a of bundle.anchors)
    if (checks.some(c => c.status === 'pass' && c.name === `anchor chain ${a.chainId} block time`)) times.push({ time: new Date(a.blockTime), source: `chain ${a.chainId}, block ${a.blockNumber}` });
  return times.sort((x, y) => x.time - y.time)[0] ?? null;
}

function verdict(bundle, checks, outcome, log, seal, earliest) {
  const failed = checks.filter(c => c.status === 'fail');
  if (outcome === 'invalid') return `INVALID: ${failed.length} check(s) failed: ${failed.map(c => c.name).join('; ')}`;
  if (outcome === 'unverified') return `UNVERIFIED: ${(log.log ? seal.log : log).missing}`;
  const signed = `entry ${bundle.leafIndex} (${bundle.entry.evidence.hashAlg} ${bundle.entry.evidence.hash}) was signed by ${bundle.entry.provider}`;
  const step = bundle.root;
  const proven = step
    ? `${signed} and is in the tree of size ${bundle.treeSize} of log '${originOf(bundle.checkpoint)}', included in root log '${originOf(step.checkpoint)}' at leaf ${step.leafIndex} of ${step.treeSize} (anchored and time-stamped there)`
    : `${signed} and is in the log's tree of size ${bundle.treeSize}`;
  const keys = step ? 'the trusted keys of both logs' : 'the trusted log key';
  const open = checks.filter(c => c.status === 'notchecked');
  const identity = checks.some(c => c.name === 'provider identity' && c.status === 'info') ? ' The provider\'s identity rests on the operator\'s word: its key is not certified by a CA.' : '';
  const existed = earliest ? ` Existed no later than ${earliest.time.toISOString()} (source: ${earliest.source}).` : '';
  if (bundle.anchors.length === 0 && open.length === 0) return `VALID, NOT ANCHORED: ${proven} under ${keys}. No anchor yet: no chain fixes its time.${existed}${identity}`;
  if (open.length > 0)
    return `${open.every(c => c.name.startsWith('anchor chain')) ? 'VALID OFFLINE, ANCHORS NOT CHECKED' : 'VALID OFFLINE, NOT EVERYTHING CHECKED'}: ${proven} under ${keys}. ${open.length} check(s) were not run (${open.map(c => c.name).join('; ')}), `
      + (earliest ? `(for anchors give an RPC URL).${existed}` : 'so the existence time is NOT proven; for anchors give an RPC URL.') + identity;
  return `VALID: ${proven} under ${keys}, anchored on chain; existed no later than ${earliest.time.toISOString()} (source: ${earliest.source}).${identity}`;
}

function summary(bundle, checks, log, seal, stamps, earliest) {
  const e = bundle.entry, r = bundle.keyEntry.entry;
  const lines = [
    ['who', `provider ${e.provider}, key ${e.keyId} (${r.key.alg}), registered at ${r.registeredAt} in entry ${bundle.keyEntry.leafIndex}; ` + (r.key.certificates?.length
      ? (checks.some(c => c.name === 'provider identity' && c.status === 'pass') ? 'certified (see provider identity)' : 'certificate NOT validated here')
      : 'not certified: the identity rests on the operator\'s word')],
    ['what', `${e.evidence.hashAlg} ${e.evidence.hash}, contract ${e.evidence.contractId}, kind ${e.evidence.kind}`],
    ['when', `client time ${e.evidence.clientTime} (provider clock); received ${e.receivedAt} (node clock)`],
  ];
  if (bundle.root) {
    const sealed = checks.some(c => c.name === 'root checkpoint matches proof' && c.status === 'pass');
    lines.push(['root log', `log '${originOf(bundle.checkpoint)}' at size ${bundle.treeSize} is included in root log '${originOf(bundle.root.checkpoint)}' at leaf ${bundle.root.leafIndex} of ${bundle.root.treeSize}, ${sealed ? 'checked' : 'NOT established'}; the anchors and time-stamps are the root log's`]);
  }
  for (const a of bundle.anchors) {
    const onChain = checks.some(c => c.status === 'pass' && c.name === `anchor chain ${a.chainId} block time`);
    lines.push(['when', `block time ${a.blockTime} (chain ${a.chainId}, ${onChain ? 'checked on chain' : 'not checked on chain'})`]);
    lines.push(['where', `chain ${a.chainId}, registry ${a.registry}, transaction ${a.txHash}, block ${a.blockNumber} ${a.blockHash}`]);
  }
  for (const s of stamps) {
    if (!s.token) { lines.push(['when', `TSA ${s.stamp.tsa}: the token does not parse`]); continue; }
    const t = s.token;
    lines.push(['when', `TSA ${s.stamp.tsa} genTime ${t.genTime.toISOString()} UTC = ${cst(t.genTime)}, accuracy ${t.accuracyText} (${s.trusted ? 'trusted TSA' : s.root === null ? 'NOT a trusted TSA' : 'a check failed'})`]);
    lines.push(['tsa', `${s.stamp.tsa}: ${t.signer.subjectText}, serial ${t.serial}, policy ${t.policy}${s.root ? `, root ${s.root}` : ''}`]);
  }
  if (earliest) lines.push(['no later than', `${earliest.time.toISOString()} UTC = ${cst(earliest.time)} (source: ${earliest.source})`]);
  lines.push(['trusted roots', !log.log ? (log.fingerprint ? `trust file ${log.fingerprint}: ${log.missing}` : 'none given')
    : `trust file ${log.fingerprint}: log '${log.log.origin}'${seal.log === log ? '' : seal.log.log ? `, root log '${seal.log.log.origin}'` : `, ${seal.log.missing}`}${bundle.timestamps.length ? `, ${stamps.filter(s => s.root).length} of ${bundle.timestamps.length} time-stamp(s) from a trusted TSA root` : ''}`]);
  return lines.map(([label, text]) => ({ label, text }));
}
