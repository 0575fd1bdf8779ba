// RFC 3161 time-stamp tokens (CMS SignedData over a TSTInfo; RSA, ECDSA or SM2 signers), checked as Core's TsaToken does: the imprint, the signer's
// signature over the signed attributes, its messageDigest, its ESSCertIDv2 (or SHA-1 ESSCertID), the one critical
// timeStamping EKU, validity at genTime, and a chain to the trust file's tsaRoots at genTime.
import * as der from './der.js';
import { digest as webDigest, equal, hex, concat } from './bytes.js';
import { hashWith } from './hashes.js';
import { parseCertificate, verifyWithSpki, extension, validateChain, fingerprint, unsupported } from './x509.js';

const OID = {
  signedData: '1.2.840.113549.1.7.2', tstInfo: '1.2.840.113549.1.9.16.1.4', contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4', signingCertificate: '1.2.840.113549.1.9.16.2.12', signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStamping: '1.3.6.1.5.5.7.3.8', sha256: '2.16.840.1.101.3.4.2.1', sm3: '1.2.156.10197.1.401',
};
const DIGESTS = { '1.2.156.10197.1.401': 'SM3', '1.3.14.3.2.26': 'SHA-1', '2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384', '2.16.840.1.101.3.4.2.3': 'SHA-512' };
const digest = (name, bytes) => name === 'SM3' ? hashWith('sm3', bytes) : webDigest(name, bytes);
export const IMPRINT_OIDS = { sha256: OID.sha256, sm3: OID.sm3 };

const utc = d => d.toISOString();
/** China Standard Time (UTC+8), as the CLI prints it beside UTC. */
export const cst = d => new Date(d.getTime() + 8 * 3600e3).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '') + ' CST (UTC+8)';

export function readToken(bytes) {
  const ci = der.children(der.expect(der.parse(bytes), 0x30, 'ContentInfo'));
  if (der.oid(ci[0]) !== OID.signedData) throw new Error('not a CMS SignedData');
  const sd = der.children(der.expect(der.children(der.expect(ci[1], 0xa0, 'content'))[0], 0x30, 'SignedData'));
  let i = 2;
  const encap = der.children(der.expect(sd[i++], 0x30, 'encapContentInfo'));
  if (der.oid(encap[0]) !== OID.tstInfo) throw new Error(`the signed content is ${der.oid(encap[0])}, not a TSTInfo`);
  const eContent = der.expect(der.children(der.expect(encap[1], 0xa0, 'eContent'))[0], 0x04, 'eContent').content;
  const certs = sd[i]?.tag === 0xa0 ? der.children(sd[i++]).map(c => parseCertificate(c.raw)) : [];
  if (sd[i]?.tag === 0xa1) i++;
  const signers = der.children(der.expect(sd[i], 0x31, 'signerInfos'));
  if (signers.length !== 1) throw new Error(`the token has ${signers.length} signers, want the TSA's only`);
  const si = der.children(signers[0]);
  let j = 1;
  const sid = si[j++];
  const digestAlg = der.oid(der.children(si[j++])[0]);
  const signedAttrs = si[j]?.tag === 0xa0 ? si[j++] : null;
  if (!signedAttrs) throw new Error('the signer info has no signed attributes');
  const signatureAlgorithm = der.oid(der.children(si[j++])[0]);
  const signature = der.expect(si[j++], 0x04, 'signature').content;
  const attrs = {};
  for (const a of der.children(signedAttrs)) {
    const [type, values] = der.children(a);
    attrs[der.oid(type)] = der.children(values)[0];
  }
  let signer;
  if (sid.tag === 0x30) {
    const [issuer, serial] = der.children(sid);
    signer = certs.find(c => equal(c.issuer, issuer.raw) && c.serial === der.integerHex(serial));
  } else signer = certs.find(c => { const ski = extension(c, '2.5.29.14'); return ski && equal(der.parse(ski.value).content, der.children(sid)[0]?.content ?? sid.content); });
  if (!signer) throw new Error('the token does not carry the TSA\'s certificate (the query must set certReq)');

  const info = der.children(der.expect(der.parse(eContent), 0x30, 'TSTInfo'));
  const policy = der.oid(info[1]);
  const [imprintAlg, imprint] = der.children(info[2]);
  const serial = '0x' + der.integerHex(info[3]);
  const genTime = der.time(der.expect(info[4], 0x18, 'genTime'));
  let accuracyMs = 0;
  if (info[5]?.tag === 0x30) for (const part of der.children(info[5])) {
    const n = Number(part.tag === 0x02 ? der.integer(part) : BigInt('0x' + (hex(part.content) || '0')));
    accuracyMs += part.tag === 0x02 ? n * 1000 : part.tag === 0x80 ? n : part.tag === 0x81 ? n / 1000 : 0;
  }
  return {
    eContent, certs, signer, digestAlg, signedAttrs, signatureAlgorithm, signature, attrs, policy, serial, genTime, accuracyMs,
    imprintOid: der.oid(der.children(imprintAlg)[0]), imprint: der.expect(imprint, 0x04, 'hashedMessage').content,
    get latest() { return new Date(this.genTime.getTime() + this.accuracyMs); },
    get accuracyText() { return this.accuracyMs === 0 ? 'not stated' : `±${this.accuracyMs / 1000} s`; },
    get sm2() { return this.signatureAlgorithm === '1.2.156.10197.1.501' || this.signatureAlgorithm === '1.2.156.10197.1.301.1'; },
    describe() { return `genTime ${utc(this.genTime)} (${cst(this.genTime)}), accuracy ${this.accuracyText}, serial ${this.serial}, policy ${this.policy}, signer ${this.signer.subjectText}`; },
  };
}

/** The signature, messageDigest, ESSCertID(v2), EKU and validity at genTime; a description on success, throws otherwise. */
export async function checkSignature(t) {
  const eku = extension(t.signer, '2.5.29.37');
  const purposes = eku ? der.children(der.parse(eku.value)).map(der.oid) : [];
  if (!eku?.critical || purposes.length !== 1 || purposes[0] !== OID.timeStamping)
    throw new Error(`the signer ${t.signer.subjectText} lacks the one critical timeStamping extended key usage a TSA certificate must have`);
  const hash = DIGESTS[t.digestAlg];
  if (!hash || hash === 'SHA-1') throw unsupported(`digest algorithm ${t.digestAlg}`);
  if (der.oid(t.attrs[OID.contentType] ?? { tag: 0 }) !== OID.tstInfo) throw new Error('the signed contentType is not TSTInfo');
  const md = t.attrs[OID.messageDigest];
  if (!md || !equal(md.content, await digest(hash, t.eContent))) throw new Error('the signed messageDigest is not the digest of the TSTInfo');
  let kind;
  if (t.attrs[OID.signingCertificateV2]) {
    const id = der.children(der.children(der.children(t.attrs[OID.signingCertificateV2])[0])[0]);
    const alg = id[0].tag === 0x30 ? DIGESTS[der.oid(der.children(id[0])[0])] : 'SHA-256';
    const certHash = id[0].tag === 0x30 ? id[1] : id[0];
    if (!alg || !equal(certHash.content, await digest(alg, t.signer.raw))) throw new Error(`ESSCertIDv2 does not name ${t.signer.subjectText}`);
    kind = 'ESSCertIDv2';
  } else if (t.attrs[OID.signingCertificate]) {
    const id = der.children(der.children(der.children(t.attrs[OID.signingCertificate])[0])[0]);
    if (!equal(id[0].content, await digest('SHA-1', t.signer.raw))) throw new Error(`ESSCertID does not name ${t.signer.subjectText}`);
    kind = 'ESSCertID';
  } else throw new Error('the token names no signing certificate (ESSCertIDv2 or ESSCertID)');
  if (t.genTime < t.signer.notBefore || t.genTime > t.signer.notAfter)
    throw new Error(`the signer ${t.signer.subjectText} is valid from ${utc(t.signer.notBefore)} to ${utc(t.signer.notAfter)}, not at genTime ${utc(t.genTime)}`);
  // The signature is over the DER of the signed attributes with the SET OF tag, not the [0] it travels under.
  const signed = concat(new Uint8Array([0x31]), t.signedAttrs.raw.subarray(1));
  if (!await verifyWithSpki(t.signer.spki, t.signatureAlgorithm, t.signature, signed, hash))
    throw new Error(`the signature by ${t.signer.subjectText} does not verify`);
  const keyKind = t.sm2 ? 'SM2' : t.signatureAlgorithm.startsWith('1.2.840.10045') ? 'ECDSA' : 'RSA';
  return `${keyKind} signature by ${t.signer.subjectText}, ${kind} and the critical timeStamping EKU verify`;
}

/** The signer's chain (the token's other certificates as intermediates) to one of roots at genTime; the root's description. */
export async function checkChain(t, roots) {
  if (roots.length === 0) throw new Error(`no TSA root is trusted, so ${t.signer.subjectText} is not`);
  const chain = [t.signer, ...t.certs.filter(c => c !== t.signer)];
  const root = await validateChain(chain, roots, t.genTime);
  return `${root.subjectText} (SHA-256 ${await fingerprint(root)})`;
}
