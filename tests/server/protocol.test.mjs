// Protocol tests for every endpoint that does not need a task model: v2 health, server and
// model metadata, infer on a graph model (values checked against a float64 computation),
// /metrics, static files with COOP/COEP, and the skipping of broken model files at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  makeTestModels, startServer, postJson, getJson, tinyExpected, rawRequest, rawStatus,
} from './server_process.mjs';

let server;
let weights;
let staticDir;

before(async () => {
  const models = makeTestModels();
  weights = JSON.parse(readFileSync(join(models, 'tiny.json'), 'utf8'));
  staticDir = mkdtempSync(join(tmpdir(), 'perch-server-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>demo</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'perch.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(staticDir, 'assets', 'app.mjs'), 'export const x = 1;\n');
  server = await startServer(['--models', models, '--static', staticDir, '--threads', '2']);
});

after(async () => { await server?.stop(); });

test('broken model files are reported and skipped, the others load', async () => {
  for (const name of ['truncated', 'garbage', 'badgraph']) {
    assert.match(server.stderr(), new RegExp(`skipped .*${name}\\.perch`));
    assert.equal((await getJson(`${server.url}/v2/models/${name}`)).status, 404);
  }
  assert.match(server.stderr(), /loaded model 'tiny'/);
  assert.match(server.stderr(), /loaded model 'slow'/);
});

test('health: live and ready', async () => {
  const live = await getJson(`${server.url}/v2/health/live`);
  assert.equal(live.status, 200);
  assert.deepEqual(live.body, { live: true });
  const ready = await getJson(`${server.url}/v2/health/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { ready: true });
});

test('server metadata', async () => {
  const r = await getJson(`${server.url}/v2`);
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'perch-server');
  assert.ok(Array.isArray(r.body.extensions));
});

test('model metadata lists inputs, outputs, datatypes and shapes', async () => {
  const r = await getJson(`${server.url}/v2/models/tiny`);
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'tiny');
  assert.deepEqual(r.body.versions, ['1']);
  assert.deepEqual(r.body.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
  assert.deepEqual(r.body.outputs, [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }]);
  const v = await getJson(`${server.url}/v2/models/tiny/versions/1`);
  assert.deepEqual(v.body, r.body);
  assert.equal((await getJson(`${server.url}/v2/models/tiny/versions/7`)).status, 404);
  const ready = await getJson(`${server.url}/v2/models/tiny/ready`);
  assert.deepEqual(ready.body, { name: 'tiny', ready: true });
  const missing = await getJson(`${server.url}/v2/models/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'model_not_found');
});

test('infer computes relu(x W^T + b) for flat and nested data', async () => {
  const rows = [[1, 2, 3, 4], [-1, 0.5, 0.25, -2], [0, 0, 0, 0]];
  const want = tinyExpected(weights, rows);
  for (const data of [rows.flat(), rows]) {
    const r = await postJson(`${server.url}/v2/models/tiny/infer`, {
      id: 'req-1', inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 4], data }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.model_name, 'tiny');
    assert.equal(r.body.id, 'req-1');
    assert.equal(r.body.outputs.length, 1);
    const [y] = r.body.outputs;
    assert.equal(y.name, 'y');
    assert.equal(y.datatype, 'FP32');
    assert.deepEqual(y.shape, [3, 3]);
    y.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `y[${i}] = ${v}, want ${want[i]}`));
  }
  const named = await postJson(`${server.url}/v2/models/tiny/versions/1/infer`, {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] }],
    outputs: [{ name: 'y' }],
  });
  assert.equal(named.status, 200);
  assert.deepEqual(named.body.outputs[0].shape, [1, 3]);
});

test('infer refuses wrong shapes, dtypes, names and counts with a JSON 400', async () => {
  const bad = [
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }] },
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [9, 4], data: new Array(36).fill(0) }] },
    { inputs: [{ name: 'x', datatype: 'INT32', shape: [1, 4], data: [1, 2, 3, 4.5] }] }, // not an INT32 (INT32 that fits FP32 is converted)
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3] }] },
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 'a'] }] },
    { inputs: [{ name: 'z', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, -4], data: [1, 2, 3, 4] }] },
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }], outputs: [{ name: 'q' }] },
    { inputs: [] },
    { inputs: 'x' },
    {},
  ];
  for (const body of bad) {
    const r = await postJson(`${server.url}/v2/models/tiny/infer`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.status} ${r.text}`);
    assert.equal(typeof r.body.error, 'string');
    assert.equal(typeof r.body.code, 'string');
  }
});

test('unknown routes and methods answer JSON errors', async () => {
  const r = await getJson(`${server.url}/v3/nothing`);
  assert.equal(r.status, 404);
  assert.equal(typeof r.body.error, 'string');
  const m = await postJson(`${server.url}/v2/health/live`, {});
  assert.ok(m.status === 404 || m.status === 405, String(m.status));
  assert.equal(typeof m.body.error, 'string');
});

test('/metrics: Prometheus text with requests, latency histogram per model, errors, queue depth', async () => {
  await postJson(`${server.url}/v2/models/tiny/infer`,
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  assert.match(text, /^# TYPE perch_requests_total counter$/m);
  const infers = /^perch_requests_total\{route="v2_infer",code="200"\} (\d+)$/m.exec(text);
  assert.ok(infers && Number(infers[1]) >= 3, text);
  assert.match(text, /^perch_request_duration_seconds_bucket\{model="tiny",le="\+Inf"\} \d+$/m);
  assert.match(text, /^perch_request_duration_seconds_count\{model="tiny"\} \d+$/m);
  assert.match(text, /^perch_errors_total\{code="400"\} \d+$/m);
  assert.match(text, /^perch_errors_total\{code="404"\} \d+$/m);
  assert.match(text, /^perch_queue_depth 0$/m);
  assert.match(text, /^perch_inference_slots 2$/m);
  // Every sample line is "name{labels} value" or "name value".
  for (const line of text.split('\n')) {
    if (line && !line.startsWith('#')) assert.match(line, /^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/, line);
  }
});

test('static files carry COOP/COEP and the right MIME types; no path escapes the folder', async () => {
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(index.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.match(await index.text(), /<title>demo<\/title>/);
  const wasm = await fetch(`${server.url}/assets/perch.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer())], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const mjs = await fetch(`${server.url}/assets/app.mjs`);
  assert.match(mjs.headers.get('content-type'), /javascript/);
  // Raw requests: fetch() would normalise the dot segments away before sending.
  for (const path of ['/../../../../etc/passwd', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2f..%2fetc%2fpasswd', '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/nothing-here.html',
    '/..\\..\\etc\\passwd']) {
    const text = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const status = rawStatus(text);
    assert.ok(status === 404 || status === 400, `${path} -> ${status}`);
    assert.doesNotMatch(text, /root:/);
  }
});

test('static files are cached and revalidated: no-cache, an ETag, 304 on If-None-Match, a new ETag when the file changes', async () => {
  // identity: the validator of the file itself
  const plain = { 'Accept-Encoding': 'identity' };
  const first = await fetch(`${server.url}/assets/app.mjs`, { headers: plain });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const etag = first.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(await first.text(), 'export const x = 1;\n');
  const again = await fetch(`${server.url}/assets/app.mjs`, { headers: { ...plain, 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal(await again.text(), '');
  const listed = await fetch(`${server.url}/assets/app.mjs`, { headers: { ...plain, 'If-None-Match': `"other", W/${etag}` } });
  assert.equal(listed.status, 304);
  const stale = await fetch(`${server.url}/assets/app.mjs`, { headers: { ...plain, 'If-None-Match': '"0-0"' } });
  assert.equal(stale.status, 200);
  assert.equal(await stale.text(), 'export const x = 1;\n');
  // The index of a folder is validated like the file it serves.
  assert.match((await fetch(`${server.url}/`, { headers: plain })).headers.get('etag'), /^"[0-9a-f]+-[0-9a-f]+"$/);
  writeFileSync(join(staticDir, 'assets', 'app.mjs'), 'export const x = 2;\n');
  const changed = await fetch(`${server.url}/assets/app.mjs`, { headers: { ...plain, 'If-None-Match': etag } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(await changed.text(), 'export const x = 2;\n');
  writeFileSync(join(staticDir, 'assets', 'app.mjs'), 'export const x = 1;\n');
});

test('static text is sent compressed (br, else gzip) with its own ETag, the same bytes once decoded; binaries as they are', async () => {
  const { brotliDecompressSync, gunzipSync } = await import('node:zlib');
  const js = `${'export const greeting = "hello, world";\n'.repeat(400)}`;
  writeFileSync(join(staticDir, 'assets', 'big.js'), js);
  const get = async (path, headers) =>
    Buffer.from(await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`), 'latin1');
  const split = (raw) => {
    const at = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, at).toString('latin1');
    const header = (name) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim();
    return { status: rawStatus(head), header, body: raw.subarray(at + 4) };
  };
  const br = split(await get('/assets/big.js', 'Accept-Encoding: gzip, deflate, br, zstd\r\n'));
  assert.equal(br.status, 200);
  assert.equal(br.header('content-encoding'), 'br');
  assert.equal(br.header('vary'), 'Accept-Encoding');
  assert.match(br.header('etag'), /^"[0-9a-f]+-[0-9a-f]+-br"$/);
  assert.ok(br.body.length < js.length / 10, `${br.body.length} bytes`);
  assert.equal(Number(br.header('content-length')), br.body.length);
  assert.equal(brotliDecompressSync(br.body).toString(), js);
  const gz = split(await get('/assets/big.js', 'Accept-Encoding: gzip, br;q=0\r\n'));
  assert.equal(gz.header('content-encoding'), 'gzip');
  assert.match(gz.header('etag'), /^"[0-9a-f]+-[0-9a-f]+-gz"$/);
  assert.equal(gunzipSync(gz.body).toString(), js);
  const none = split(await get('/assets/big.js', 'Accept-Encoding: gzip;q=0, br;q=0\r\n'));
  assert.equal(none.header('content-encoding'), undefined);
  assert.equal(none.body.toString(), js);
  // a compressed copy revalidates like the file: any coding of this version is current
  const revalidated = split(await get('/assets/big.js', `Accept-Encoding: br\r\nIf-None-Match: ${br.header('etag')}\r\n`));
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.body.length, 0);
  // a range is of the file's own bytes
  const range = split(await get('/assets/big.js', 'Accept-Encoding: br\r\nRange: bytes=7-11\r\n'));
  assert.equal(range.status, 206);
  assert.equal(range.header('content-encoding'), undefined);
  assert.equal(range.body.toString(), js.slice(7, 12));
  // wasm is sent as it is
  const wasm = split(await get('/assets/perch.wasm', 'Accept-Encoding: br, gzip\r\n'));
  assert.equal(wasm.header('content-encoding'), undefined);
  assert.deepEqual([...wasm.body], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  // a changed file is compressed again
  writeFileSync(join(staticDir, 'assets', 'big.js'), js.replace('hello', 'HELLO'));
  const changed = split(await get('/assets/big.js', 'Accept-Encoding: br\r\n'));
  assert.notEqual(changed.header('etag'), br.header('etag'));
  assert.equal(brotliDecompressSync(changed.body).toString(), js.replace('hello', 'HELLO'));
});

test('access log: one JSON object per request with method, path, status, sizes, latency, model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perch-access-'));
  const logPath = join(dir, 'access.jsonl');
  const models = makeTestModels();
  const s = await startServer(['--models', models, '--access-log', logPath]);
  try {
    await postJson(`${s.url}/v2/models/tiny/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });
    await postJson(`${s.url}/v2/models/tiny/infer`, '{bad');
    await rawRequest(s.port, 'GET /x%22%0a%ff"y HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  } finally {
    await s.stop();
  }
  const lines = readFileSync(logPath, 'utf8').trim().split('\n');
  assert.equal(lines.length, 3, lines.join('\n'));
  const [ok, bad, odd] = lines.map((l) => JSON.parse(l));
  assert.equal(ok.method, 'POST');
  assert.equal(ok.path, '/v2/models/tiny/infer');
  assert.equal(ok.status, 200);
  assert.equal(ok.model, 'tiny');
  assert.ok(ok.bytes_in > 0 && ok.bytes_out > 0 && ok.ms >= 0);
  assert.match(ok.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(ok.remote, '127.0.0.1');
  assert.equal(bad.status, 400);
  assert.equal(bad.error, 'invalid_json');
  assert.equal(odd.status, 404);
  assert.equal(typeof odd.path, 'string');  // decoded newline, quote and a stray byte stay inside one JSON line
});
