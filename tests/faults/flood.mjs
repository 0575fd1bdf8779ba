#!/usr/bin/env node
// The rate-limit flood of tests/faults.sh: unsigned submissions (random signatures) that name the victim provider, and
// now and then a provider name never registered, sent as fast as the node answers from several loopback addresses
// (127.0.0.2 and up: each is a client of its own to the per-address limiter, as many hosts of a botnet would be) for
// SECONDS. None may be acknowledged and none may be a 5xx. Prints {"sent", "byStatus": {status: count}, "byCode": {...}}.
// Usage: node flood.mjs NODE_URL VICTIM_PROVIDER SECONDS [CONNECTIONS] [ADDRESSES]
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const [url, victim, secondsText, connectionsText, addressesText] = process.argv.slice(2);
const target = new URL(url);
const until = Date.now() + Number(secondsText) * 1000;
const connections = Number(connectionsText ?? 32);
const addresses = Array.from({ length: Number(addressesText ?? 8) }, (_, i) => `127.0.0.${i + 2}`);
const agents = addresses.map(localAddress => new http.Agent({ keepAlive: true, maxSockets: connections, localAddress }));
const byStatus = {}, byCode = {};
let sent = 0;

function body(n) {
  const provider = n % 10 === 9 ? 'nobody-' + randomBytes(6).toString('hex') : victim;
  return JSON.stringify({
    provider, keyId: 'k1',
    evidence: { hashAlg: 'sha256', hash: randomBytes(32).toString('hex'), contractId: 'flood', kind: 'contract.document',
                clientTime: new Date().toISOString(), nonce: randomBytes(16).toString('hex') },
    sig: randomBytes(64).toString('base64'),
  });
}

function post(agent, payload) {
  return new Promise(resolve => {
    const request = http.request({ host: target.hostname, port: target.port, path: '/v1/evidence', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, response => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', chunk => { text += chunk; });
      response.on('end', () => {
        let code = '';
        try { code = JSON.parse(text).code ?? ''; } catch { }
        resolve({ status: response.statusCode, code });
      });
    });
    request.on('error', e => resolve({ status: 0, code: e.code ?? 'error' }));
    request.setTimeout(30000, () => request.destroy(new Error('timeout')));
    request.end(payload);
  });
}

async function worker(w) {
  const agent = agents[w % agents.length];
  for (let n = w; Date.now() < until; n += connections) {
    const { status, code } = await post(agent, body(n));
    sent++;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    byCode[code] = (byCode[code] ?? 0) + 1;
  }
}
await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
for (const agent of agents) agent.destroy();
console.log(JSON.stringify({ sent, byStatus, byCode }));
