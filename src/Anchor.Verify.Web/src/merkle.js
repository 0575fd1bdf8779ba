// RFC 9162 section 2.1.3.2: the root an inclusion proof folds to, step by step.
import { sha256 } from './bytes.js';

const one = new Uint8Array([1]);

export const leafHash = data => sha256(new Uint8Array([0]), data);

/** A decimal count as the formats write it: digits, no leading zero. */
export function count(text, what) {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]*)$/.test(text)) throw new Error(`${what} '${text}' is not a decimal count`);
  return BigInt(text);
}

export async function rootFromInclusion(index, size, leaf, path) {
  if (index >= size) throw new Error(`leaf index ${index} is not below the tree size ${size}`);
  let fn = index, sn = size - 1n, r = leaf;
  for (const p of path) {
    if (sn === 0n) throw new Error(`proof has ${path.length} hashes, too many for leaf ${index} of ${size}`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(one, p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await sha256(one, r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error(`proof has ${path.length} hashes, too few for leaf ${index} of ${size}`);
  return r;
}
