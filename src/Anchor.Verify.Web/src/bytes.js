// Byte strings as Anchor's formats spell them: lowercase hex, standard base64, UTF-8; and SHA-256 through WebCrypto.

export const utf8 = text => new TextEncoder().encode(text);

export const hex = bytes => Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');

/** Lowercase hex only, so each digest has one spelling (docs/formats.md); throws otherwise. */
export function unhex(text) {
  if (typeof text !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(text)) throw new Error(`'${short(text)}' is not lowercase hex`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

/** Standard base64 with padding, as the formats write it; throws on anything else. */
export function unbase64(text) {
  if (typeof text !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text))
    throw new Error(`'${short(text)}' is not standard base64`);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function base64(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function digest(name, ...parts) {
  if (!globalThis.crypto?.subtle)
    throw new Error('this browser offers no WebCrypto here: open the page over https, from localhost, or from a file');
  return new Uint8Array(await crypto.subtle.digest(name, concat(...parts)));
}

export const sha256 = (...parts) => digest('SHA-256', ...parts);

/** A value cut short for a message, so a huge or hostile string cannot flood the report. */
export function short(value) {
  const text = String(value);
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}
