// The evidence and imprint hash algorithms (docs/formats.md): SHA-256 through WebCrypto, SM3 (sm-crypto), SHA3-256 and
// Keccak-256 (@noble/hashes).
import { sha3_256, keccak_256 } from '@noble/hashes/sha3.js';
import sm3 from 'sm-crypto/src/sm3/index.js';
import { sha256, unhex } from './bytes.js';

export async function hashWith(alg, bytes) {
  switch (alg) {
    case 'sha256': return sha256(bytes);
    case 'sm3': return unhex(sm3(Array.from(bytes)));
    case 'sha3-256': return sha3_256(bytes);
    case 'keccak256': return keccak_256(bytes);
    default: throw new Error(`unknown hash algorithm '${alg}'`);
  }
}
