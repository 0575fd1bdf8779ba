// The page: takes a bundle and a trust file (dropped, chosen or pasted) and optionally the document, which is hashed
// here and never sent anywhere; runs the checks; prints one line per check. A report (`anchor report`) embeds this page
// with the bundle and trust file preloaded in <script type="application/json"> blocks, and it verifies itself on load.
import { parseBundle, parseTrust } from './bundle.js';
import { verifyBundle } from './verifier.js';

const $ = id => document.getElementById(id);
const MARK = { pass: '✓', fail: '✗', notchecked: '–', info: '–' };
let documentBytes = null;

async function readFileText(input, target) {
  const file = input.files?.[0];
  if (file) target.value = await file.text();
}

function dropInto(zone, onFile) {
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
}

/** "CHAINID=URL" lines, as the CLI's --rpc. */
function rpcMap(text) {
  const map = {};
  for (const line of text.split(/\s+/).filter(Boolean)) {
    const m = /^(\d+)=(https?:\/\/\S+)$/.exec(line);
    if (!m) throw new Error(`RPC '${line}' is not CHAINID=URL`);
    map[m[1]] = m[2];
  }
  return map;
}

function line(list, status, name, detail) {
  const li = document.createElement('li');
  li.className = `check ${status}`;
  li.dataset.status = status;
  li.dataset.name = name;
  const mark = document.createElement('span');
  mark.className = 'mark';
  mark.textContent = MARK[status];
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = name;
  const text = document.createElement('span');
  text.className = 'detail';
  text.textContent = detail;
  li.append(mark, ' ', label, ': ', text);
  list.append(li);
}

function show(report) {
  const list = $('checks'), facts = $('summary'), v = $('verdict');
  list.replaceChildren();
  facts.replaceChildren();
  for (const c of report.checks) line(list, c.status, c.name, c.detail);
  for (const s of report.summary) {
    const dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = s.label;
    dd.textContent = s.text;
    facts.append(dt, dd);
  }
  v.textContent = 'verdict: ' + report.verdict;
  v.dataset.outcome = report.outcome;
  v.className = 'verdict ' + report.outcome;
  $('results').dataset.done = String(Number($('results').dataset.done ?? 0) + 1);
}

async function run() {
  $('results').dataset.state = 'running';
  let report;
  try {
    if (!globalThis.crypto?.subtle)
      throw new Error('this browser gives WebCrypto only to a secure context: open the page over https, from localhost, or from a file');
    let bundle;
    try { bundle = parseBundle($('bundle-text').value); }
    catch (e) { throw Object.assign(new Error(`the bundle does not parse: ${e.message}`), { line: 'bundle' }); }
    let trust = null;
    if ($('trust-text').value.trim()) {
      try { trust = await parseTrust($('trust-text').value); }
      catch (e) { throw Object.assign(new Error(`the trust file does not parse: ${e.message}`), { line: 'trust file' }); }
    }
    report = await verifyBundle(bundle, trust, {
      file: documentBytes, rpc: rpcMap($('rpc').value), minConfirmations: Number($('confirmations').value || '1'),
    });
  } catch (e) {
    report = { checks: [{ name: e.line ?? 'page', status: 'fail', detail: e.message }], outcome: 'invalid', verdict: `INVALID: ${e.message}`, summary: [] };
  }
  show(report);
  $('results').dataset.state = 'done';
}

function preloaded(id) {
  const node = document.getElementById(id);
  return node && node.textContent.trim() ? node.textContent : null;
}

function start() {
  $('bundle-file').addEventListener('change', () => readFileText($('bundle-file'), $('bundle-text')));
  $('trust-file').addEventListener('change', () => readFileText($('trust-file'), $('trust-text')));
  $('document-file').addEventListener('change', async () => {
    const file = $('document-file').files?.[0];
    documentBytes = file ? new Uint8Array(await file.arrayBuffer()) : null;
    $('document-name').textContent = file ? `${file.name}, ${file.size} bytes (hashed here, never uploaded)` : 'none';
  });
  dropInto($('bundle-zone'), async f => { $('bundle-text').value = await f.text(); });
  dropInto($('trust-zone'), async f => { $('trust-text').value = await f.text(); });
  dropInto($('document-zone'), async f => {
    documentBytes = new Uint8Array(await f.arrayBuffer());
    $('document-name').textContent = `${f.name}, ${f.size} bytes (hashed here, never uploaded)`;
  });
  $('verify').addEventListener('click', run);
  // JSON.parse reads the \u003c escapes the report writes for '<', so the blocks hold the files exactly.
  const bundle = preloaded('anchor-preload-bundle'), trust = preloaded('anchor-preload-trust');
  if (bundle) {
    $('bundle-text').value = bundle.trim();
    if (trust) $('trust-text').value = trust.trim();
    run();
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
