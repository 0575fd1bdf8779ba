// A minimal DER reader for the structures the page checks (X.509, CMS SignedData, RFC 3161 TSTInfo, SPKI).
// Definite lengths only: DER has no others.

/** One TLV: its tag byte, its content, and the whole encoding (raw), as views into the input. */
export function read(bytes, at = 0) {
  if (at + 2 > bytes.length) throw new Error('DER: truncated');
  const tag = bytes[at];
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not used here');
  let len = bytes[at + 1], head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: indefinite or oversized length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[at + 2 + i];
    head += n;
  }
  const end = at + head + len;
  if (end > bytes.length) throw new Error('DER: length beyond the data');
  return { tag, content: bytes.subarray(at + head, end), raw: bytes.subarray(at, end), end };
}

/** The single TLV that is all of bytes. */
export function parse(bytes) {
  const node = read(bytes, 0);
  if (node.end !== bytes.length) throw new Error('DER: data after the value');
  return node;
}

/** The TLVs inside a constructed value. */
export function children(node) {
  const out = [];
  for (let at = 0; at < node.content.length;) {
    const child = read(node.content, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function expect(node, tag, what) {
  if (!node || node.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found ${node ? '0x' + node.tag.toString(16) : 'nothing'}`);
  return node;
}

export function oid(node) {
  expect(node, 0x06, 'OID');
  const b = node.content, parts = [];
  let v = 0n;
  for (const x of b) {
    v = (v << 7n) | BigInt(x & 0x7f);
    if (!(x & 0x80)) { parts.push(v); v = 0n; }
  }
  const first = parts.shift();
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...parts].join('.');
}

/** An INTEGER's magnitude as lowercase hex without the sign byte. */
export function integerHex(node) {
  expect(node, 0x02, 'INTEGER');
  let b = node.content;
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
}

export const integer = node => BigInt('0x' + (integerHex(node) || '0'));

/** UTCTime or GeneralizedTime, with optional fractional seconds, as a Date (Z only, as DER asks). */
export function time(node) {
  const text = new TextDecoder().decode(node.content);
  let m;
  if (node.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)))
    return new Date(Date.UTC((+m[1] < 50 ? 2000 : 1900) + +m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  if (node.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text))) {
    const fraction = m[7] ? Number('0.' + m[7]) : 0;
    const date = new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    date.fraction = fraction; // below the millisecond a Date cannot hold; kept for genTime comparisons
    return new Date(date.getTime() + Math.floor(fraction * 1000));
  }
  throw new Error(`not a DER time: ${text}`);
}

/** A BIT STRING's bytes (no unused bits allowed for keys and signatures). */
export function bitString(node) {
  expect(node, 0x03, 'BIT STRING');
  if (node.content[0] !== 0) throw new Error('BIT STRING with unused bits');
  return node.content.subarray(1);
}
