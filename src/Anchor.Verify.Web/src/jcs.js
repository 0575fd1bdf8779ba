// RFC 8785 for Anchor's JSON, which holds only strings, objects and arrays (docs/formats.md): JSON.stringify escapes
// strings exactly as JCS asks, and the default sort compares UTF-16 code units, the order JCS asks for member names.
import { utf8 } from './bytes.js';

export function jcs(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
  if (value && typeof value === 'object')
    return '{' + Object.keys(value).sort().map(k => JSON.stringify(k) + ':' + jcs(value[k])).join(',') + '}';
  throw new Error('not a string-only JSON value');
}

export const jcsBytes = value => utf8(jcs(value));

/**
 * JSON.parse, then the strictness of Anchor's parser: no numbers, booleans or nulls anywhere, and no duplicate
 * member names (JSON.parse would keep the last one silently; a signature must cover exactly what is read).
 */
export function parseStrict(text, what) {
  let value;
  try { value = JSON.parse(text); } catch (e) { throw new Error(`${what} is not JSON: ${e.message}`); }
  const walk = (v, path) => {
    if (typeof v === 'string') return;
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, `${path}[${i}]`)); return; }
    if (v && typeof v === 'object') { for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`); return; }
    throw new Error(`${path} is ${JSON.stringify(v)}: every value is a string`);
  };
  walk(value, what);
  if (memberNames(text) !== countMembers(value)) throw new Error(`${what} has a duplicate member name`);
  return value;
}

/** How many member names the JSON text has: a string followed by ':'. Parsing drops duplicates, so the counts then differ. */
function memberNames(text) {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') continue;
    for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    let j = i + 1;
    while (/\s/.test(text[j] ?? '')) j++;
    if (text[j] === ':') count++;
  }
  return count;
}

function countMembers(v) {
  if (Array.isArray(v)) return v.reduce((n, x) => n + countMembers(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n, x) => n + 1 + countMembers(x), 0);
  return 0;
}
