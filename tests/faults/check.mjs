#!/usr/bin/env node
// Checks a fault scenario's ledger against the log, for tests/faults.sh: every acknowledged (leafIndex, leafHash) must
// still be in the log, no index may have been acknowledged for two different records, and every bundle of an
// acknowledged record must verify (tests/independent/verify-bundle.mjs: leaf hash, inclusion, checkpoint signature,
// provider signature, anchors naming the same tree). Prints one JSON object:
// { acknowledged, records, lost, duplicated, verified, failed, firstLost, problems: [...] }.
// Usage: node check.mjs NODE_URL LEDGER PROVIDER_FILE VKEY
import { readFileSync } from 'node:fs';
import { checkBundle } from '../independent/verify-bundle.mjs';

const [url, ledgerFile, providerFile, vkey] = process.argv.slice(2);
const { readToken } = JSON.parse(readFileSync(providerFile, 'utf8'));
const lines = readFileSync(ledgerFile, 'utf8').split('\n').filter(l => l);
const acks = lines.map(l => JSON.parse(l));

// index → the leaf hashes it was acknowledged with (a retry acknowledges the same pair again).
const byIndex = new Map();
for (const a of acks) {
  if (!byIndex.has(a.i)) byIndex.set(a.i, new Set());
  byIndex.get(a.i).add(a.h);
}
const duplicated = [...byIndex.values()].filter(s => s.size > 1).length;
const problems = [];
for (const [i, hashes] of byIndex) if (hashes.size > 1) problems.push(`index ${i} was acknowledged for ${hashes.size} different records`);

let lost = 0, verified = 0, failed = 0, firstLost = null;
const indices = [...byIndex.keys()].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
async function fetchBundle(i) {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await fetch(`${url}/v1/proofs/${i}`, { headers: { authorization: 'Bearer ' + readToken }, signal: AbortSignal.timeout(30000) });
      if (r.status === 503 && attempt < 20) { await new Promise(res => setTimeout(res, 250)); continue; }
      return { status: r.status, body: await r.text() };
    } catch (e) {
      if (attempt >= 20) return { status: 0, body: String(e) };
      await new Promise(res => setTimeout(res, 250));
    }
  }
}
const queue = [...indices];
async function worker() {
  while (queue.length > 0) {
    const i = queue.shift();
    const hashes = byIndex.get(String(i));
    const { status, body } = await fetchBundle(i);
    if (status === 404) {
      lost++;
      if (firstLost === null || i < firstLost) firstLost = i;
      continue;
    }
    if (status !== 200) { failed++; problems.push(`GET /v1/proofs/${i}: ${status} ${body.slice(0, 200)}`); continue; }
    const bundle = JSON.parse(body);
    if (!hashes.has(bundle.leafHash)) {
      // The index holds another record than the one acknowledged there: that record is lost, and the index was given twice.
      lost++;
      problems.push(`index ${i} holds leaf ${bundle.leafHash}, acknowledged was ${[...hashes].join(', ')}`);
      if (firstLost === null || i < firstLost) firstLost = i;
      continue;
    }
    const bad = checkBundle(bundle, vkey).filter(c => !c.ok);
    if (bad.length === 0) verified++;
    else { failed++; problems.push(`bundle ${i}: ${bad.map(c => c.what).join('; ')}`); }
  }
}
await Promise.all(Array.from({ length: 32 }, worker));
console.log(JSON.stringify({
  acknowledged: byIndex.size, records: acks.length, lost, duplicated, verified, failed,
  firstLost: firstLost === null ? null : String(firstLost), problems: problems.slice(0, 20),
}));
