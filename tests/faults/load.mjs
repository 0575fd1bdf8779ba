#!/usr/bin/env node
// Write load with a ledger of every acknowledgement, for tests/faults.sh. Registers a provider with a fresh Ed25519 key,
// then submits signed records (singles, and a provider batch now and then) with CONCURRENCY requests in flight until
// SIGTERM. Each record is retried with the same nonce until it is acknowledged or the run ends, as a client should.
// Every acknowledgement is one line of LEDGER: {"i": leafIndex, "h": leafHash, "s": when the acknowledged attempt was sent,
// "t": when its answer came (ms since epoch), "n": nonce}.
// Usage: node load.mjs NODE_URL ADMIN_TOKEN_FILE LEDGER PROVIDER_FILE [CONCURRENCY]
// PROVIDER_FILE receives {"id", "readToken"} once registered (check.mjs reads the proofs with it).
import { createHash, generateKeyPairSync, sign, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const [url, tokenFile, ledger, providerFile, concurrencyText] = process.argv.slice(2);
const concurrency = Number(concurrencyText ?? 8);
const adminToken = readFileSync(tokenFile, 'utf8').trim();

// RFC 8785 for objects of strings (what every signed Anchor object is): sorted keys, JSON.stringify's string escaping.
const jcs = v => typeof v === 'string' ? JSON.stringify(v)
  : '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + jcs(v[k])).join(',') + '}';
const sha256 = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const rawPublic = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
const provider = 'faults-' + randomBytes(4).toString('hex');
const keyId = 'k1';

async function call(method, path, body, bearer) {
  const headers = { 'content-type': 'application/json' };
  if (bearer) headers.authorization = 'Bearer ' + bearer;
  const response = await fetch(url + path, { method, headers, body: body && JSON.stringify(body), signal: AbortSignal.timeout(30000) });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { }
  return { status: response.status, json, text };
}

function evidence() {
  return { hashAlg: 'sha256', hash: randomBytes(32).toString('hex'), contractId: 'fault-contract', kind: 'contract.document',
           clientTime: new Date().toISOString(), nonce: randomBytes(16).toString('hex') };
}

function single() {
  const e = evidence();
  const statement = 'anchor-evidence:v1\n' + jcs({ provider, keyId, evidence: e });
  return { path: '/v1/evidence', nonces: [e.nonce],
           body: { provider, keyId, evidence: e, sig: sign(null, Buffer.from(statement), privateKey).toString('base64') } };
}

// RFC 9162 root over the batch's d_i = JCS({provider, keyId, evidence}) as leaf data.
function root(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1; while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), root(leaves.slice(0, k)), root(leaves.slice(k)));
}

function batch(n) {
  const records = Array.from({ length: n }, evidence);
  const leaves = records.map(e => sha256(Buffer.from([0]), Buffer.from(jcs({ provider, keyId, evidence: e }))));
  const rootHex = root(leaves).toString('hex');
  const statement = 'anchor-batch:v1\n' + jcs({ provider, keyId, root: rootHex, size: String(n) });
  return { path: '/v1/evidence/batch', nonces: records.map(e => e.nonce),
           body: { provider, keyId, records, root: rootHex, sig: sign(null, Buffer.from(statement), privateKey).toString('base64') } };
}

let stopping = false;
process.on('SIGTERM', () => { stopping = true; });
process.on('SIGINT', () => { stopping = true; });

const registration = await (async () => {
  for (;;) {
    try {
      // The key proves possession: its signature over anchor-key:v1\n || JCS({provider, keyId, key}).
      const key = { alg: 'ed25519', publicKey: rawPublic.toString('base64') };
      const pop = sign(null, Buffer.from('anchor-key:v1\n' + jcs({ provider, keyId, key })), privateKey).toString('base64');
      const r = await call('POST', '/v1/admin/providers', { id: provider, name: 'Fault suite', keys: [{ keyId, ...key, pop }] }, adminToken);
      if (r.status === 201) return r.json;
      throw new Error(`${r.status} ${r.text}`);
    } catch (e) {
      if (stopping) process.exit(1);
      await new Promise(r => setTimeout(r, 500));
    }
  }
})();
writeFileSync(providerFile, JSON.stringify({ id: provider, readToken: registration.readToken }) + '\n', { mode: 0o600 });

let sent = 0, acked = 0, failures = 0;
async function worker(w) {
  for (let n = 0; !stopping; n++) {
    const request = (n % 20 === 19) ? batch(25) : single();
    // The same record until it is acknowledged: a retry of a committed record returns its original entry and index.
    while (!stopping) {
      sent++;
      const s = Date.now();
      let r;
      try { r = await call('POST', request.path, request.body); } catch { r = { status: 0 }; }
      if (r.status === 200) {
        const t = Date.now();
        // A batch answer proves runs of leaves ({ firstIndex, leafHashes }), in record order; a single one names its leaf.
        const leaves = request.path.endsWith('batch')
          ? r.json.receipts.flatMap(x => x.leafHashes.map((h, k) => ({ i: (BigInt(x.firstIndex) + BigInt(k)).toString(), h })))
          : [{ i: r.json.leafIndex, h: r.json.leafHash }];
        appendFileSync(ledger, leaves.map((x, k) => JSON.stringify({ i: x.i, h: x.h, s, t, n: request.nonces[k] })).join('\n') + '\n');
        acked += leaves.length;
        break;
      }
      failures++;
      if (r.status >= 400 && r.status < 500 && r.status !== 429 && r.status !== 408) {
        console.error(`refused ${r.status}: ${r.text}`);
        break; // Not retryable: this record is given up (the suite counts refusals).
      }
      await new Promise(res => setTimeout(res, r.status === 429 ? 200 : 100));
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
console.log(JSON.stringify({ provider, sent, acked, failures }));
