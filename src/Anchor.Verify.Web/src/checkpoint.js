// Checkpoints as c2sp.org/tlog-checkpoint signed notes, and their Ed25519 verifier keys (c2sp.org/signed-note).
import { sha256, unbase64, utf8, hex, equal, short } from './bytes.js';
import { verifyEd25519 } from './signatures.js';

/** name+<8 hex key ID>+base64(0x01 || 32-byte key); the key ID must match name and key. */
export async function parseVerifierKey(text) {
  // The base64 key may itself hold '+': the name and the key ID are the first two fields.
  const m = /^([^+]+)\+([^+]*)\+(.*)$/s.exec(String(text));
  if (!m) throw new Error(`'${short(text)}' is not a verifier key (name+keyid+key)`);
  const [, name, id, b64] = m;
  if (!name || !/^[0-9a-fA-F]{8}$/.test(id)) throw new Error(`'${short(text)}' is not a verifier key`);
  const blob = unbase64(b64);
  if (blob.length !== 33 || blob[0] !== 1) throw new Error(`key '${short(text)}' is not an Ed25519 verifier key`);
  const keyId = (await sha256(utf8(name), new Uint8Array([0x0a]), blob)).subarray(0, 4);
  if (hex(keyId) !== id.toLowerCase()) throw new Error(`key '${short(text)}': the key ID does not match the name and key`);
  // The canonical text has the key ID in lowercase: what the registry's key commitment is over.
  return { name, keyId, publicKey: blob.subarray(1), text: `${name}+${hex(keyId)}+${b64}` };
}

/** The note's text before the blank line, its final newline included: what is signed and what TSAs stamp. */
export function body(note) {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('the checkpoint has no blank line before its signatures');
  return note.slice(0, split + 1);
}

/**
 * Verifies the note under one key, with the signed-note rules: signatures by other keys are ignored, a failing
 * signature by this key rejects the note, at most 100 signature lines are read; the origin must be the key's name.
 * Returns the checkpoint's origin, size and root.
 */
export async function verifyCheckpoint(note, key) {
  if (!note.endsWith('\n')) throw new Error('the checkpoint does not end with a newline');
  const text = body(note);
  const lines = note.slice(text.length + 1, -1).split('\n');
  if (lines.length > 100) throw new Error('more than 100 signature lines');
  let verified = false;
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new Error(`malformed signature line '${short(line)}'`);
    const sig = unbase64(m[2]);
    if (sig.length < 5) throw new Error('signature too short');
    if (m[1] !== key.name || !equal(sig.subarray(0, 4), key.keyId)) continue;
    if (sig.length !== 68 || !await verifyEd25519(key.publicKey, utf8(text), sig.subarray(4)))
      throw new Error(`the signature by ${key.name} does not verify`);
    verified = true;
  }
  if (!verified) throw new Error(`no signature by ${key.name}+${hex(key.keyId)}`);
  const [origin, size, root] = text.slice(0, -1).split('\n');
  if (origin !== key.name) throw new Error(`the checkpoint's origin '${short(origin)}' is not the key's name '${key.name}'`);
  if (!/^(0|[1-9][0-9]*)$/.test(size ?? '')) throw new Error(`tree size '${short(size)}' is not a decimal count`);
  const rootBytes = unbase64(root ?? '');
  if (rootBytes.length !== 32) throw new Error('the root is not 32 bytes');
  return { origin, size: BigInt(size), root: rootBytes };
}

/** The checkpoint's first line, read without trusting anything else in it. */
export const originOf = note => { const i = note.indexOf('\n'); return i > 0 ? note.slice(0, i) : note; };
