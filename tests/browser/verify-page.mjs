#!/usr/bin/env node
// Drives the verification page in Debian's chromium through playwright-core (no downloaded browser): for each case it
// pastes the bundle and trust file, gives the document and RPC URLs, presses Verify and reads every result line.
// Usage: node verify-page.mjs CASES.json RESULTS.json SCREENSHOT.png
//   CASES.json: { "url": "http://127.0.0.1:PORT/verify", "allowedOrigins": ["http://127.0.0.1:8545"], "cases": [
//     { "name", "bundle": "<text>", "trust": "<text>" | "", "file": "<base64>"?, "rpc": "31337=URL"?, "screenshot": true? } ],
//     "preload": { "file": "/path/report.html" }? }
//   RESULTS.json: { "results": [{ "name", "outcome", "verdict", "checks": [{ "name", "status", "detail" }], "summary": [{ "label", "text" }] }],
//                   "requests": [every URL the page requested], "foreign": [those of another origin than the page's and the allowed] }
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [casesFile, resultsFile, screenshotFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(casesFile, 'utf8'));
const profile = mkdtempSync(join(tmpdir(), 'anchor-chromium-'));
// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const output = { results: [], requests: [], foreign: [], console: [] };
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  const allowed = new Set([new URL(spec.url).origin, ...(spec.allowedOrigins ?? []).map(o => new URL(o).origin)]);
  page.on('request', r => {
    if (r.url().startsWith('file:')) return; // the report opened from disk, in the preload case
    output.requests.push(r.url());
    const origin = r.url().startsWith('data:') ? 'data:' : new URL(r.url()).origin;
    if (!allowed.has(origin)) output.foreign.push(r.url());
  });
  page.on('console', m => { if (m.type() === 'error') output.console.push(m.text()); });
  page.on('pageerror', e => output.console.push('page error: ' + e.message));
  await page.goto(spec.url);
  for (const c of spec.cases) {
    await page.fill('#bundle-text', c.bundle);
    await page.fill('#trust-text', c.trust ?? '');
    await page.fill('#rpc', c.rpc ?? '');
    await page.setInputFiles('#document-file', c.file ? { name: 'document.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(c.file, 'base64') } : []);
    const before = await page.evaluate(() => Number(document.getElementById('results').dataset.done ?? 0));
    await page.click('#verify');
    await page.waitForFunction(n => Number(document.getElementById('results').dataset.done ?? 0) > n, before, { timeout: 60000 });
    const result = await page.evaluate(() => ({
      outcome: document.getElementById('verdict').dataset.outcome,
      verdict: document.getElementById('verdict').textContent,
      checks: [...document.querySelectorAll('#checks li')].map(li => ({ name: li.dataset.name, status: li.dataset.status, detail: li.querySelector('.detail').textContent })),
      summary: [...document.querySelectorAll('#summary dt')].map(dt => ({ label: dt.textContent, text: dt.nextElementSibling.textContent })),
    }));
    output.results.push({ name: c.name, ...result });
    if (c.screenshot) await page.screenshot({ path: screenshotFile, fullPage: true });
  }
  // A report (anchor report -o X.html) embeds the page with the bundle and trust file preloaded: opened from disk, it
  // verifies itself on load (spec.preload.file).
  if (spec.preload) {
    await page.goto('file://' + spec.preload.file);
    await page.waitForFunction(() => Number(document.getElementById('results').dataset.done ?? 0) > 0, null, { timeout: 60000 });
    output.results.push({ name: 'preloaded', ...await page.evaluate(() => ({
      outcome: document.getElementById('verdict').dataset.outcome,
      verdict: document.getElementById('verdict').textContent,
      checks: [...document.querySelectorAll('#checks li')].map(li => ({ name: li.dataset.name, status: li.dataset.status, detail: li.querySelector('.detail').textContent })),
    })) });
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
writeFileSync(resultsFile, JSON.stringify(output, null, 1));
