// Provider signatures for every algorithm Anchor supports (docs/formats.md, "Provider keys and signatures"):
// WebCrypto for Ed25519, ECDSA P-256 and RSA PKCS#1 v1.5; @noble/curves (secp256k1) and @noble/hashes (Keccak-256)
// for eth-personal; sm-crypto for SM2 with SM3 under the GM/T 0009 default user ID.
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import sm2 from 'sm-crypto/src/sm2/index.js';
import { unbase64, utf8, concat, hex, equal } from './bytes.js';
import * as der from './der.js';
import { parseCertificate } from './x509.js';

const OID = {
  ecPublicKey: '1.2.840.10045.2.1', p256: '1.2.840.10045.3.1.7', sm2p256v1: '1.2.156.10197.1.301',
  rsa: '1.2.840.113549.1.1.1', ed25519: '1.3.101.112',
};

export const SM2_USER_ID = '1234567812345678';

/** Ed25519 through WebCrypto; browsers without it (before Chromium 137) fall back to @noble/curves. */
export async function verifyEd25519(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  } catch (e) {
    if (e?.name !== 'NotSupportedError') return false;
    try { return ed25519.verify(signature, message, publicKey, { zip215: false }); } catch { return false; }
  }
}

/** The SubjectPublicKeyInfo's algorithm, curve and key bits. */
export function readSpki(spkiDer) {
  const spki = der.parse(spkiDer);
  const [alg, bits] = der.children(der.expect(spki, 0x30, 'SubjectPublicKeyInfo'));
  const [algOid, params] = der.children(der.expect(alg, 0x30, 'AlgorithmIdentifier'));
  const algorithm = der.oid(algOid);
  return { der: spki.raw, algorithm, curve: params?.tag === 0x06 ? der.oid(params) : null, key: der.bitString(bits) };
}

/**
 * The SPKI of a descriptor's key: the leaf certificate's when certificates are given (a publicKey beside it must be
 * the same bytes), else publicKey. Checks that the key is of the descriptor's algorithm.
 */
export function descriptorSpki(d) {
  let spkiDer;
  if (d.certificates !== undefined) {
    if (!Array.isArray(d.certificates) || d.certificates.length === 0) throw new Error('certificates is empty');
    const leaf = parseCertificate(unbase64(d.certificates[0]));
    spkiDer = leaf.spki;
    if (d.publicKey !== undefined && !equal(unbase64(d.publicKey), spkiDer)) throw new Error('publicKey differs from the leaf certificate\'s key');
  } else if (typeof d.publicKey === 'string') spkiDer = unbase64(d.publicKey);
  else throw new Error('publicKey or certificates is required');
  const spki = readSpki(spkiDer);
  const want = { 'ecdsa-p256-sha256': [OID.ecPublicKey, OID.p256], 'sm2-sm3': [OID.ecPublicKey, OID.sm2p256v1], 'rsa-pkcs1-sha256': [OID.rsa, null] }[d.alg];
  if (!want || spki.algorithm !== want[0] || (want[1] && spki.curve !== want[1]))
    throw new Error(`the key is ${spki.algorithm}${spki.curve ? ' on ' + spki.curve : ''}, not a ${d.alg} key`);
  return spki;
}

/** What is wrong with a key descriptor's members for its alg, or null. */
function membersError(d) {
  if (d.alg === 'eth-personal') return d.publicKey !== undefined || d.certificates !== undefined ? 'eth-personal: a key is an address only' : null;
  if (d.address !== undefined) return `${d.alg}: address belongs to eth-personal keys`;
  if (d.alg === 'ed25519' && d.certificates !== undefined) return 'ed25519: certificates are not accepted';
  return null;
}

/** The EIP-191 personal_sign digest: keccak256("\x19Ethereum Signed Message:\n" || decimal length || message). */
const personalHash = message => keccak_256(concat(utf8('\x19Ethereum Signed Message:\n' + message.length), message));

/** An address as the registry and wallets write it: 0x and 40 hex digits; mixed case must be its EIP-55 checksum. */
export function parseAddress(text) {
  if (typeof text !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(text)) throw new Error(`address '${text}' is not 0x and 40 hex digits`);
  const lower = text.slice(2).toLowerCase();
  if (text.slice(2) !== lower && text.slice(2) !== lower.toUpperCase()) {
    const h = hex(keccak_256(utf8(lower)));
    const checksum = [...lower].map((c, i) => parseInt(h[i], 16) >= 8 ? c.toUpperCase() : c).join('');
    if (checksum !== text.slice(2)) throw new Error(`address ${text} fails its EIP-55 checksum`);
  }
  return lower;
}

/**
 * True only for a valid signature of exactly these bytes under the registered key; throws when the key itself is not
 * usable (so the caller can say the key is wrong rather than the signature).
 */
export async function verifySignature(descriptor, message, signature) {
  const problem = membersError(descriptor);
  if (problem) throw new Error(problem);
  switch (descriptor.alg) {
    case 'ed25519': {
      const key = unbase64(descriptor.publicKey ?? '');
      if (key.length !== 32) throw new Error('ed25519: publicKey is not 32 bytes');
      return verifyEd25519(key, message, signature);
    }
    case 'ecdsa-p256-sha256': {
      const spki = descriptorSpki(descriptor);
      const key = await crypto.subtle.importKey('spki', spki.der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      return signature.length === 64 && crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, message);
    }
    case 'rsa-pkcs1-sha256': {
      const spki = descriptorSpki(descriptor);
      const key = await crypto.subtle.importKey('spki', spki.der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
      const bits = key.algorithm.modulusLength;
      if (bits < 2048 || bits > 16384) throw new Error(`rsa-pkcs1-sha256: ${bits}-bit key, want 2048 to 16384`);
      return crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, signature, message);
    }
    case 'sm2-sm3': {
      const spki = descriptorSpki(descriptor);
      if (spki.key.length !== 65 || spki.key[0] !== 4) throw new Error('sm2-sm3: the key is not an uncompressed sm2p256v1 point');
      if (signature.length > 72) return false;
      return sm2.doVerifySignature(Array.from(message), hex(signature), hex(spki.key), { der: true, hash: true, userId: SM2_USER_ID });
    }
    case 'eth-personal': {
      const address = parseAddress(descriptor.address);
      if (signature.length !== 65) return false;
      const v = signature[64], recovery = v >= 27 ? v - 27 : v;
      if (recovery !== 0 && recovery !== 1) return false;
      try {
        const sig = secp256k1.Signature.fromBytes(concat(new Uint8Array([recovery]), signature.subarray(0, 64)), 'recovered');
        const point = sig.recoverPublicKey(personalHash(message)).toBytes(false);
        return hex(keccak_256(point.subarray(1)).subarray(12)) === address;
      } catch { return false; }
    }
    default: throw new Error(`unknown alg '${descriptor.alg}'`);
  }
}
