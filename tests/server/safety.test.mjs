// Safety: API keys, CORS for allowed origins only, body size limit, a full admission queue
// answering 503 + Retry-After, and graceful shutdown on SIGTERM (in-flight requests finish).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestModels, startServer, postJson, getJson, rawRequest, rawStatus } from './server_process.mjs';

const models = makeTestModels();
const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

async function start(args) {
  const s = await startServer(['--models', models, ...args]);
  servers.push(s);
  return s;
}

const tinyBody = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
const slowBody = (rows = 64) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 512], data: new Array(rows * 512).fill(0.5) }],
});

test('API keys: Bearer required on model routes, health stays open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perch-keys-'));
  const keys = join(dir, 'keys.txt');
  writeFileSync(keys, '# comment\n\nsecret-one\n  secret-two  \n');
  const s = await start(['--api-keys', keys]);
  assert.equal((await getJson(`${s.url}/v2/health/live`)).status, 200);
  assert.equal((await getJson(`${s.url}/v2/health/ready`)).status, 200);
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'secret-one' },
    { authorization: 'Basic c2VjcmV0LW9uZQ==' }, { authorization: 'Bearer secret-on' },
    { authorization: 'Bearer secret-one-and-more' }]) {
    const r = await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody, headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.body.code, 'unauthorized');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await getJson(`${s.url}/v2/models/tiny`, headers)).status, 401);
    assert.equal((await getJson(`${s.url}/metrics`, headers)).status, 401);
  }
  for (const key of ['secret-one', 'secret-two']) {
    const r = await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody, { authorization: `Bearer ${key}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.outputs[0].shape[1], 3);
  }
});

test('a missing or empty keys file is a start-up error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perch-keys-'));
  writeFileSync(join(dir, 'empty.txt'), '# nothing\n');
  for (const file of [join(dir, 'empty.txt'), join(dir, 'absent.txt')]) {
    await assert.rejects(startServer(['--models', models, '--api-keys', file]), /exited \(2\)/);
  }
});

test('bad command lines are refused at start with exit 2 and the usage', async () => {
  const { spawnSync } = await import('node:child_process');
  const { serverBin } = await import('./server_process.mjs');
  for (const args of [[], ['--models', models], ['--models', models, '--port', 'abc'], ['--models', models, '--port', '70000'],
    ['--models', models, '--port', '0', '--threads', '-1'], ['--models', models, '--port', '0', '--bogus', '1'],
    ['--models', models, '--port'], ['--models', '/nonexistent/dir', '--port', '0'],
    ['--models', models, '--port', '0', '--static', '/nonexistent/dir']]) {
    const r = spawnSync(serverBin, args, { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, `${args.join(' ')} -> ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, /^perch-server: /);
  }
});

test('CORS: allowed origins get headers and preflight, others are refused', async () => {
  const s = await start(['--allow-origin', 'https://app.example', '--allow-origin', 'http://localhost:5173,http://b.example']);
  const ok = await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody, { origin: 'https://app.example' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
  assert.match(ok.headers.get('vary'), /Origin/);
  assert.match(ok.headers.get('access-control-expose-headers'), /Retry-After/);
  const pre = await fetch(`${s.url}/v1/language:detect`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
  const bad = await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody, { origin: 'https://evil.example' });
  assert.equal(bad.status, 403);
  assert.equal(bad.body.code, 'origin_not_allowed');
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
  const badPre = await fetch(`${s.url}/v2/models/tiny/infer`, {
    method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(badPre.status, 403);
  // Same-origin requests (the demo page served by this server) need no allow-list entry.
  const same = await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody, { origin: s.url });
  assert.equal(same.status, 200);
  const listed = await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody, { origin: 'http://b.example' });
  assert.equal(listed.headers.get('access-control-allow-origin'), 'http://b.example');
  // Without --allow-origin, cross-origin calls are refused.
  const closed = await start([]);
  assert.equal((await postJson(`${closed.url}/v2/models/tiny/infer`, tinyBody,
    { origin: 'https://app.example' })).status, 403);
});

test('bodies over --max-body-bytes get 413 with a JSON error; the server stays up', async () => {
  const s = await start(['--max-body-bytes', '4096']);
  const big = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
    pad: 'x'.repeat(8000) });
  const r = await postJson(`${s.url}/v2/models/tiny/infer`, big);
  assert.equal(r.status, 413);
  assert.equal(r.body.code, 'payload_too_large');
  // A lying Content-Length far beyond the limit is refused before any body is read.
  const raw = await rawRequest(s.port, 'POST /v2/models/tiny/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    'Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}');
  assert.equal(rawStatus(raw), 413);
  assert.equal((await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody)).status, 200);
});

test('a full admission queue answers 503 with Retry-After instead of piling up', async () => {
  const s = await start(['--threads', '1', '--queue', '1']);
  const n = 24;
  const results = await Promise.all(Array.from({ length: n },
    () => postJson(`${s.url}/v2/models/slow/infer`, slowBody())));
  const codes = results.map((r) => r.status);
  const ok = codes.filter((c) => c === 200).length;
  const busy = results.filter((r) => r.status === 503);
  assert.equal(ok + busy.length, n, `only 200 or 503 expected: ${codes}`);
  assert.ok(ok >= 1, `some requests must succeed: ${codes}`);
  assert.ok(busy.length >= 1, `a 1-slot, 1-wait server must refuse some of ${n}: ${codes}`);
  for (const r of busy) {
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal(r.body.code, 'queue_full');
  }
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  const rejected = /^perch_rejected_total\{reason="queue_full"\} (\d+)$/m.exec(metrics);
  assert.equal(Number(rejected?.[1]), busy.length);
  assert.equal((await postJson(`${s.url}/v2/models/tiny/infer`, tinyBody)).status, 200);
});

test('connections beyond the handlers and their waiting room get 503 at once', async () => {
  const { connect } = await import('node:net');
  const s = await start(['--http-threads', '2', '--max-pending-connections', '1', '--read-timeout-s', '5']);
  // Three connections that never finish their request hold both handlers and the waiting place.
  const idle = await Promise.all([0, 1, 2].map(() => new Promise((ok) => {
    const sock = connect(s.port, '127.0.0.1', () => { sock.write('GET /v2/health/live HTTP/1.1\r\n'); ok(sock); });
    sock.on('error', () => {});
  })));
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  const refused = await getJson(`${s.url}/v2/health/live`);
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.body.code, 'connections_full');
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.ok(Date.now() - t0 < 2000, `refused after ${Date.now() - t0} ms`);
  for (const sock of idle) sock.destroy();
  let ok;
  for (let i = 0; i < 100; i++) {
    ok = await getJson(`${s.url}/v2/health/live`);
    if (ok.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(ok.status, 200, 'handlers are free again once the idle connections close');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^perch_rejected_total\{reason="connections_full"\} [1-9]/m);
});

test('SIGTERM: in-flight requests finish, then the server exits 0', async () => {
  const s = await startServer(['--models', models, '--threads', '1', '--queue', '16']);
  const inflight = Array.from({ length: 6 }, () => postJson(`${s.url}/v2/models/slow/infer`, slowBody()));
  // Wait until the server holds all six (running, queued or done), and at least one is not done.
  const sample = (text, name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  for (;;) {
    const m = await (await fetch(`${s.url}/metrics`)).text();
    const done = Number(/^perch_requests_total\{route="v2_infer",code="200"\} (\d+)/m.exec(m)?.[1] ?? 0);
    const held = sample(m, 'perch_inflight_inferences') + sample(m, 'perch_queue_depth');
    assert.ok(done < 6, 'the requests finished before SIGTERM could be sent; make the slow model slower');
    if (done + held === 6) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const stopped = s.stop('SIGTERM');
  const results = await Promise.all(inflight);
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
  for (const r of results) assert.deepEqual(r.body.outputs[0].shape, [64, 512]);
  const { code } = await stopped;
  assert.equal(code, 0, s.stderr());
  assert.match(s.stderr(), /finishing in-flight requests/);
  await assert.rejects(fetch(`${s.url}/v2/health/live`));
});
