// X.509 certificates: parsing, signatures (WebCrypto for RSA, ECDSA and Ed25519; sm-crypto for SM2 with SM3 under the
// GM/T 0009 default user ID, as Chinese CAs and TSAs sign) and a chain to roots the verifier chose, checked at one time. No revocation: the trust file
// carries no CRLs. Names are compared as their DER bytes.
import sm2 from 'sm-crypto/src/sm2/index.js';
import * as der from './der.js';
import { hex, sha256 } from './bytes.js';

const NAMES = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '2.5.4.97': 'organizationIdentifier', '1.2.840.113549.1.9.1': 'E' };

/** A Name as text, most specific last as .NET prints it reversed: C=…, O=…, CN=…; control characters escaped. */
export function nameText(node) {
  const parts = [];
  for (const rdn of der.children(node))
    for (const atv of der.children(rdn)) {
      const [type, value] = der.children(atv);
      const label = NAMES[der.oid(type)] ?? der.oid(type);
      const text = new TextDecoder().decode(value.content).replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
      parts.push(`${label}=${text}`);
    }
  return parts.reverse().join(', ');
}

export function parseCertificate(bytes) {
  const cert = der.parse(bytes);
  const [tbs, sigAlg, sig] = der.children(der.expect(cert, 0x30, 'Certificate'));
  const fields = der.children(der.expect(tbs, 0x30, 'TBSCertificate'));
  let i = 0;
  const version = fields[0].tag === 0xa0 ? Number(der.integer(der.children(fields[i++])[0])) + 1 : 1;
  const serial = der.integerHex(fields[i++]);
  i++; // the signature algorithm inside tbs
  const issuer = der.expect(fields[i++], 0x30, 'issuer');
  const [notBefore, notAfter] = der.children(der.expect(fields[i++], 0x30, 'validity')).map(der.time);
  const subject = der.expect(fields[i++], 0x30, 'subject');
  const spki = der.expect(fields[i++], 0x30, 'subjectPublicKeyInfo');
  const extensions = [];
  for (; i < fields.length; i++) {
    if (fields[i].tag !== 0xa3) continue;
    for (const ext of der.children(der.children(fields[i])[0])) {
      const parts = der.children(ext);
      extensions.push({ oid: der.oid(parts[0]), critical: parts.length === 3 && parts[1].content[0] !== 0, value: parts[parts.length - 1].content });
    }
  }
  const sigParts = der.children(sigAlg);
  return {
    raw: cert.raw, tbs: tbs.raw, version, serial, issuer: issuer.raw, subject: subject.raw,
    issuerText: nameText(issuer), subjectText: nameText(subject), notBefore, notAfter, spki: spki.raw, extensions,
    signatureAlgorithm: der.oid(sigParts[0]), signature: der.bitString(sig),
  };
}

export const extension = (cert, oid) => cert.extensions.find(e => e.oid === oid);

/** Key usage bits (digitalSignature = 0, nonRepudiation = 1, keyCertSign = 5), or null without the extension. */
export function keyUsage(cert) {
  const ext = extension(cert, '2.5.29.15');
  if (!ext) return null;
  const bits = der.parse(ext.value).content;
  const set = new Set();
  for (let b = 0; b < (bits.length - 1) * 8; b++) if (bits[1 + (b >> 3)] & (0x80 >> (b & 7))) set.add(b);
  return set;
}

function basicConstraints(cert) {
  const ext = extension(cert, '2.5.29.19');
  if (!ext) return { ca: false, pathLen: null };
  const parts = der.children(der.parse(ext.value));
  const ca = parts[0]?.tag === 0x01 && parts[0].content[0] !== 0;
  const len = parts.find(p => p.tag === 0x02);
  return { ca, pathLen: len ? Number(der.integer(len)) : null };
}

const SM3_WITH_SM2 = '1.2.156.10197.1.501', SM2_SIGN = '1.2.156.10197.1.301.1';

const HASHES = { '1.2.840.10045.4.3.2': 'SHA-256', '1.2.840.10045.4.3.3': 'SHA-384', '1.2.840.10045.4.3.4': 'SHA-512', '1.2.840.113549.1.1.11': 'SHA-256', '1.2.840.113549.1.1.12': 'SHA-384', '1.2.840.113549.1.1.13': 'SHA-512' };
const CURVES = { '1.2.840.10045.3.1.7': ['P-256', 32], '1.3.132.0.34': ['P-384', 48], '1.3.132.0.35': ['P-521', 66] };

/** A DER ECDSA-Sig-Value as the r||s that WebCrypto verifies. */
export function ecdsaP1363(sigDer, size) {
  const [r, s] = der.children(der.parse(sigDer)).map(n => der.integerHex(n).padStart(size * 2, '0'));
  if (r.length !== size * 2 || s.length !== size * 2) throw new Error('ECDSA signature value out of range');
  return Uint8Array.from((r + s).match(/../g), x => parseInt(x, 16));
}

/**
 * Verifies a signature of signedBytes by the key in issuerSpki, with an X.509/CMS signature algorithm OID (and, for
 * CMS rsaEncryption, the digest's name). Throws for an algorithm the page cannot check.
 */
export async function verifyWithSpki(issuerSpki, algorithm, signature, signedBytes, digestName) {
  const spki = der.children(der.parse(issuerSpki));
  const [keyOid, params] = der.children(spki[0]);
  const keyAlg = der.oid(keyOid);
  if (algorithm === '1.3.101.112') {
    const key = await crypto.subtle.importKey('spki', issuerSpki, { name: 'Ed25519' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, signedBytes);
  }
  if (algorithm === SM3_WITH_SM2 || algorithm === SM2_SIGN) {
    const point = der.bitString(spki[1]);
    if (keyAlg !== '1.2.840.10045.2.1' || params?.tag !== 0x06 || der.oid(params) !== '1.2.156.10197.1.301' || point.length !== 65)
      throw new Error('an SM2 signature by a key that is not an sm2p256v1 point');
    return sm2.doVerifySignature(Array.from(signedBytes), hex(signature), hex(point), { der: true, hash: true, userId: '1234567812345678' });
  }
  const hash = HASHES[algorithm] ?? (algorithm === '1.2.840.113549.1.1.1' ? digestName : undefined);
  if (!hash) throw unsupported(`signature algorithm ${algorithm}`);
  if (keyAlg === '1.2.840.113549.1.1.1') {
    const key = await crypto.subtle.importKey('spki', issuerSpki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
    return crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, signature, signedBytes);
  }
  if (keyAlg === '1.2.840.10045.2.1' && params?.tag === 0x06 && CURVES[der.oid(params)]) {
    const [curve, size] = CURVES[der.oid(params)];
    const key = await crypto.subtle.importKey('spki', issuerSpki, { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
    return crypto.subtle.verify({ name: 'ECDSA', hash }, key, ecdsaP1363(signature, size), signedBytes);
  }
  throw unsupported(`key algorithm ${keyAlg}`);
}

/** What the page cannot check: reported as not checked ("use anchor verify"), never as passed or failed. */
export const unsupported = what => Object.assign(new Error(`${what}: not checked here: use anchor verify`), { unsupported: true });

const KNOWN_CRITICAL = new Set(['2.5.29.15', '2.5.29.19', '2.5.29.37', '2.5.29.17', '2.5.29.32']);
const iso = d => d.toISOString();
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A path from the leaf (chain[0]) through the chain's own certificates to one of roots, at time `at`: each signature,
 * each certificate's validity (the root's too), name chaining, cA and keyCertSign for issuers, path length, no unknown
 * critical extension. Name constraints are not evaluated: a certificate carrying them critical is not checked here. Returns
 * the root; throws with the certificate and values compared (marked unsupported for what the page cannot check).
 */
export async function validateChain(chain, roots, at) {
  if (roots.length === 0) throw new Error('no trusted root is given');
  const describe = (c, i) => `certificates[${i}] (${c.subjectText})`;
  const validAt = (c, what) => {
    if (at < c.notBefore || at > c.notAfter)
      throw Object.assign(new Error(`${what} is valid from ${iso(c.notBefore)} to ${iso(c.notAfter)}, not at ${iso(at)}`), { expired: true });
    const unknown = c.extensions.find(e => e.critical && !KNOWN_CRITICAL.has(e.oid));
    if (unknown) throw unsupported(`${what} has the critical extension ${unknown.oid}, which this page does not evaluate`);
  };
  const mayIssue = (c, what, below) => {
    const bc = basicConstraints(c), ku = keyUsage(c);
    if (!bc.ca) throw new Error(`${what} is not a CA (basicConstraints cA)`);
    if (ku && !ku.has(5)) throw new Error(`${what} may not sign certificates (keyCertSign)`);
    if (bc.pathLen !== null && below > bc.pathLen) throw new Error(`${what} allows ${bc.pathLen} intermediates below it, the path has ${below}`);
  };
  let current = chain[0];
  validAt(current, describe(current, 0));
  for (let depth = 0; depth <= chain.length; depth++) {
    for (const root of roots) {
      if (!sameBytes(root.subject, current.issuer)) continue;
      const signed = await verifyWithSpki(root.spki, current.signatureAlgorithm, current.signature, current.tbs)
        .catch(e => { if (e.unsupported) throw e; return false; });
      if (!signed) continue;
      validAt(root, `the trusted root ${root.subjectText}`);
      mayIssue(root, `the trusted root ${root.subjectText}`, depth);
      return root;
    }
    const next = chain.findIndex((c, i) => i > 0 && sameBytes(c.subject, current.issuer));
    if (next < 0) throw new Error(`${current.subjectText} is issued by ${current.issuerText}, which is neither in the chain nor a trusted root`);
    const issuer = chain[next];
    if (!await verifyWithSpki(issuer.spki, current.signatureAlgorithm, current.signature, current.tbs))
      throw new Error(`the signature on ${current.subjectText} by ${describe(issuer, next)} does not verify`);
    validAt(issuer, describe(issuer, next));
    mayIssue(issuer, describe(issuer, next), depth);
    current = issuer;
  }
  throw new Error('the chain loops');
}

export const fingerprint = async cert => hex(await sha256(cert.raw));

/** PEM CERTIFICATE text as DER. */
export function pemToDer(pem) {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('not a PEM CERTIFICATE');
  return Uint8Array.from(atob(m[1].replace(/\s+/g, '')), c => c.charCodeAt(0));
}
