#!/usr/bin/env node
// A DEVELOPMENT time-stamping authority: OpenSSL's own `openssl ts -reply` behind a small HTTP front that speaks
// RFC 3161 over HTTP (POST application/timestamp-query, answer application/timestamp-reply).
//
//   node deploy/dev-tsa.mjs --state DIR [--port P] [--host 127.0.0.1]
//
// At first run it generates, into DIR (mode 0700, keys 0600), a TSA CA (tsa-root.pem, ca.key) and a TSA certificate
// (tsa.pem, tsa.key) with the timeStamping extended key usage marked critical (RFC 3161 2.3), and an OpenSSL
// configuration that writes ESSCertIDv2 with SHA-256 (RFC 5816). Its time is this machine's clock: NO COURT ACCEPTS
// ITS TIME-STAMPS. It exists so that the quickstart and the tests run against a real, independent RFC 3161
// implementation; production nodes name a commercial TSA (docs/configuration.md).
//
// Port 0 (the default) picks a free port. The first line on stdout is `dev-tsa listening on URL`.
import { spawnSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, writeFileSync, readFileSync, chmodSync, rmSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';

const Label = 'development TSA: no court accepts its time-stamps';
// OpenSSL's example policy arc: a development TSA follows no published policy.
const Policy = '1.2.3.4.1';
const MaxQuery = 64 * 1024;

function args(argv) {
  const options = { host: '127.0.0.1', port: 0, state: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage(`${name} needs a value`);
    if (name === '--state') options.state = resolve(value);
    else if (name === '--port' && /^\d+$/.test(value) && Number(value) <= 65535) options.port = Number(value);
    else if (name === '--host') options.host = value;
    else usage(`unknown argument ${name} ${value}`);
  }
  if (!options.state) usage('--state DIR is required');
  return options;
}

function usage(problem) {
  process.stderr.write(`dev-tsa: ${problem}\nusage: node deploy/dev-tsa.mjs --state DIR [--port P] [--host 127.0.0.1]\n`);
  process.exit(2);
}

function openssl(...argv) {
  const run = spawnSync('openssl', argv, { encoding: 'utf8' });
  if (run.error) throw new Error(`cannot run openssl (${run.error.message}): install it (apt-get install openssl)`);
  if (run.status !== 0) throw new Error(`openssl ${argv[0]} failed: ${run.stderr.trim()}`);
  return run.stdout;
}

/** The CA, the TSA certificate and the OpenSSL configuration, made once per state folder. */
function prepare(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = name => join(dir, name);
  // Keys are written under umask 077 and checked to be 0600 afterwards: they sign what the tests and the demo trust.
  const previous = process.umask(0o077);
  try {
    if (!existsSync(file('tsa-root.pem'))) {
      openssl('req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', file('ca.key'), '-out', file('tsa-root.pem'), '-days', '3650', '-sha256',
        '-subj', '/O=Anchor development only/CN=Anchor development TSA root (no court accepts it)',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-addext', 'subjectKeyIdentifier=hash');
      rmSync(file('tsa.pem'), { force: true });
    }
    if (!existsSync(file('tsa.pem'))) {
      writeFileSync(file('tsa-ext.cnf'), [
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, nonRepudiation',
        // RFC 3161 2.3: exactly one extended key usage, id-kp-timeStamping, and it MUST be critical.
        'extendedKeyUsage = critical, timeStamping',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        '',
      ].join('\n'));
      openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('tsa.key'),
        '-out', file('tsa.csr'), '-subj', '/O=Anchor development only/CN=Anchor development TSA (no court accepts it)');
      openssl('x509', '-req', '-in', file('tsa.csr'), '-CA', file('tsa-root.pem'), '-CAkey', file('ca.key'), '-sha256',
        '-set_serial', '0x' + Date.now().toString(16), '-days', '1825', '-extfile', file('tsa-ext.cnf'), '-out', file('tsa.pem'));
      rmSync(file('tsa.csr'), { force: true });
    }
    if (!existsSync(file('serial'))) writeFileSync(file('serial'), '01\n');
    writeFileSync(file('openssl.cnf'), [
      '# Written by deploy/dev-tsa.mjs: a ' + Label + '.',
      '[ tsa ]',
      'default_tsa = dev_tsa',
      '[ dev_tsa ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      `default_policy = ${Policy}`,
      'digests = sha256, sm3, sha384, sha512',
      'accuracy = secs:1',
      'clock_precision_digits = 3',
      'ordering = no',
      'tsa_name = yes',
      // RFC 5816: identify the signer by ESSCertIDv2 over SHA-256, not by SHA-1.
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'));
  } finally {
    process.umask(previous);
  }
  for (const key of ['ca.key', 'tsa.key']) chmodSync(file(key), 0o600);
  for (const cert of ['tsa-root.pem', 'tsa.pem']) chmodSync(file(cert), 0o644);
}

/** One `openssl ts -reply` at a time: it increments the serial file. */
let queue = Promise.resolve();
function reply(dir, query) {
  const run = queue.then(() => new Promise((resolveReply, reject) => {
    const work = mkdtempSync(join(dir, 'q-'));
    writeFileSync(join(work, 'query.tsq'), query);
    const child = spawn('openssl', ['ts', '-reply', '-config', join(dir, 'openssl.cnf'), '-queryfile', join(work, 'query.tsq'),
      '-out', join(work, 'reply.tsr')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let error = '';
    child.stderr.on('data', d => { error += d; });
    child.on('error', e => { rmSync(work, { recursive: true, force: true }); reject(e); });
    child.on('close', code => {
      try {
        if (code !== 0) reject(new Error(error.trim() || `openssl ts -reply exited with ${code}`));
        else resolveReply(readFileSync(join(work, 'reply.tsr')));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }));
  queue = run.catch(() => {});
  return run;
}

const options = args(process.argv.slice(2));
prepare(options.state);
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/root.pem') {
    response.writeHead(200, { 'content-type': 'application/x-pem-file' });
    response.end(readFileSync(join(options.state, 'tsa-root.pem')));
    return;
  }
  if (request.method !== 'POST') {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`Anchor ${Label}.\nPOST an RFC 3161 application/timestamp-query here; GET /root.pem is its root.\n`);
    return;
  }
  if ((request.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/timestamp-query') {
    response.writeHead(415, { 'content-type': 'text/plain' });
    response.end('want content-type application/timestamp-query\n');
    return;
  }
  const chunks = [];
  let size = 0;
  request.on('data', chunk => {
    size += chunk.length;
    if (size > MaxQuery) { response.writeHead(413).end(); request.destroy(); return; }
    chunks.push(chunk);
  });
  request.on('end', async () => {
    if (size > MaxQuery) return;
    try {
      const answer = await reply(options.state, Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': answer.length });
      response.end(answer);
    } catch (e) {
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.end(`not a time-stamp query OpenSSL accepts: ${e.message}\n`);
    }
  });
});
server.listen(options.port, options.host, () => {
  const { port } = server.address();
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  process.stdout.write(`dev-tsa listening on http://${host}:${port}/ (${Label}; root ${join(options.state, 'tsa-root.pem')})\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
