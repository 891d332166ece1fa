// 2,000 malformed or hostile requests (bad JSON, wrong types, huge bodies, invalid UTF-8, path
// tricks, missing keys, broken HTTP), generated from a fixed seed; then the server must still be
// alive and answer correctly. Every answer must be a 4xx with a JSON error body (or a 503 from
// the admission queue), never a 5xx crash or a dropped connection without reply. The storm runs
// against the release build and, when `make build` made it, the ASan + UBSan build (which aborts
// on any out-of-bounds access or undefined behaviour, and reports leaks at exit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  asanServerBin, makeTestModels, serverBin, shippedTaskModels, startServer, postJson, rawRequest, rawStatus,
  tinyExpected,
} from './server_process.mjs';

const TOTAL = 2000;
const models = makeTestModels({ withShipped: true });
const weights = JSON.parse(readFileSync(join(models, 'tiny.json'), 'utf8'));
const BINARIES = [['release', serverBin]];
if (existsSync(asanServerBin)) BINARIES.push(['ASan+UBSan', asanServerBin]);

// mulberry32: a small deterministic PRNG, so a failure can be replayed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUTES = ['/v2/models/tiny/infer', '/v1/language:detect', '/v1/text:suggest',
  '/v2/models/slow/infer', '/v2/models/langid/infer'];

function hostileRequest(rand, i) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const route = pick(ROUTES);
  const kind = i % 10;
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  switch (kind) {
    case 0: // bad JSON
      return { route, body: pick(['', '{', '}', '[', 'null', 'true', '1', '"x"', '{"text":', '{"text" "a"}',
        '{"inputs":[{]}', '{,}', '{"a":1,}', 'NaN', '{"text":"\\x"}', '{"text":"\\u12"}', '\u0000',
        '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3,4e999]}]}',
        '['.repeat(100000), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)]) };
    case 1: // wrong types
      return { route, body: JSON.stringify(pick([
        { text: 42 }, { text: null }, { text: ['a'] }, { texts: 'abc' }, { texts: [1, 2] }, { texts: [] },
        { text: 'hi', top: 'three' }, { text: 'hi', top: -1 }, { text: 'hi', top: 1e12 }, { text: 'hi', count: 0.5 },
        { text: 'hi', maxWords: -3 }, { text: 'hi', count: 1e9 }, { text: 'hi', maxWords: {} },
        { text: 'a', texts: ['b'] }, { model: 5, text: 'x' }, { model: '../../etc/passwd', text: 'x' },
        { inputs: { name: 'x' } }, { inputs: [{ name: 'x', datatype: 'FP32', shape: '1,4', data: [1, 2, 3, 4] }] },
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: { a: 1 } }] },
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [4e9, 4e9], data: [] }] },
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1, 1, 1, 1, 1, 1, 4], data: [1, 2, 3, 4] }] },
        { inputs: [{ name: 'x', datatype: 'INT64', shape: [1, 4], data: [1, 2, 3, 4.5] }] },
        { inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], data: ['a'] }] },
        { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [7] }] },
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
          { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
        { unexpected: true }, [], 'string',
      ])) };
    case 2: // huge bodies (over the 64 KiB limit) and huge texts (over the 2 KiB text limit)
      return rand() < 0.3
        ? { route, body: JSON.stringify({ text: 'a'.repeat(70000 + Math.floor(rand() * 1000)) }) }
        : { route, body: JSON.stringify(pick([{ text: 'é'.repeat(1100) }, { texts: new Array(17).fill('hello') },
          { texts: ['ok', 'x'.repeat(2049)] }])) };
    case 3: { // invalid UTF-8 in the body
      const prefix = Buffer.from('{"text":"');
      const junk = pick([Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xe2, 0x82]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), bytes(8)]);
      return { route, body: Buffer.concat([prefix, Buffer.from('abc'), junk, Buffer.from('"}')]) };
    }
    case 4: { // lone surrogate escapes and control characters (a NUL escape is valid text)
      const body = pick(['{"text":"\\ud800"}', '{"text":"\\udc00x"}', '{"texts":["\\ud83d"]}',
        '{"text":"a\u0001b"}', '{"text":"\\u0000"}']);
      return { route, body, mayPass: body === '{"text":"\\u0000"}' && route.startsWith('/v1/') };
    }
    case 5: // path tricks and unknown models
      return { raw: `${pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])} ${pick([
        '/v2/models/..%2f..%2fetc%2fpasswd/infer', '/v2/models/../../etc/passwd', '/v2/models/%00/infer',
        '/v2/models/tiny%00/infer', '/v2/models/' + 'a'.repeat(300) + '/infer', '/v2/models//infer',
        '/v2/models/tiny/versions/../infer', '/v1/language:detect/../../x', '/%ff%fe', '/v2/models/\u00e9/infer',
        '/' + 'x'.repeat(9000), '/v2/models/tiny/infer?x=' + '%'.repeat(50), '//v2//health//live/..',
        '/v2/models/tiny.graph.graph/infer', '/v2/models/.graph/infer'])} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' };
    case 6: // missing keys
      return { route, body: JSON.stringify(pick([{}, { top: 3 }, { count: 2 }, { inputs: [{}] },
        { inputs: [{ name: 'x' }] }, { inputs: [{ name: 'x', datatype: 'FP32' }] },
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }] }, { model: 'tiny' }])) };
    case 7: { // broken HTTP
      return { raw: pick([
        'GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\r\n\r\n\r\n',
        'POST /v1/language:detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n{}',
        'POST /v1/language:detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}',
        'POST /v1/language:detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{"te',
        'POST /v1/language:detect HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
        'POST /v1/language:detect HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n{}\r\n',
        `GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'h'.repeat(9000)}\r\n\r\n`,
        `GET /v2/health/live HTTP/1.1\r\n${'X-A: b\r\n'.repeat(200)}\r\n`,
        'POST /v2/models/tiny/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \x00\x01\r\nContent-Length: 0\r\n\r\n',
        bytes(64).toString('latin1'),
      ]) };
    }
    case 8: // random bytes as a body
      return { route, body: bytes(1 + Math.floor(rand() * 512)) };
    default: { // near-valid requests with one field mangled
      const body = pick([
        { text: 'Hello world', top: pick([0, 1001, -1, 2.5, '3', null]) },
        { text: 'The quick brown', count: pick([0, 1000, -1, 'x']), maxWords: 2 },
        { text: 'The quick brown', count: 3, maxWords: pick([-1, 9, 1000, 1.5, null]) },  // 0..8 valid (perch.h)
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, pick([null, 'nan', true, [], {}])] }] },
        { inputs: [{ name: 'x', datatype: pick(['fp32', 'FP64', 'BYTES', '', 5]), shape: [1, 4], data: [1, 2, 3, 4] }] },
      ]);
      return { route, body: JSON.stringify(body) };
    }
  }
}

async function send(server, req) {
  if (req.raw !== undefined) {
    const text = await rawRequest(server.port, Buffer.from(req.raw, 'latin1'), { timeoutMs: 3000 });
    return { status: rawStatus(text), text: text.slice(text.indexOf('\r\n\r\n') + 4), raw: true };
  }
  const r = await postJson(`${server.url}${req.route}`, req.body);
  return { status: r.status, text: r.text, body: r.body };
}

for (const [label, bin] of BINARIES) {
  test(`${label}: ${TOTAL} hostile requests never crash the server and always get a clear error`, async (t) => {
    const server = await startServer(['--models', models, '--max-body-bytes', '65536', '--max-text-bytes', '2048',
      '--max-batch', '16', '--threads', '2', '--queue', '256'], { bin });
    try {
      await storm(t, server);
    } finally {
      const { code, signal } = await server.stop();
      assert.equal(code, 0, `exit ${code} ${signal ?? ''}: ${server.stderr().slice(-4000)}`);
    }
  });
}

async function storm(t, server) {
  // Answers to remember before the storm (task models only when shipped).
  const tasks = shippedTaskModels();
  const before = [];
  const probes = [];
  if (tasks.languageDetection) probes.push(['/v1/language:detect', { text: 'Bonjour, comment allez-vous ?', top: 2 }]);
  if (tasks.textSuggestion) probes.push(['/v1/text:suggest', { text: 'Thank you for', count: 2 }]);
  for (const [route, body] of probes) {
    const r = await postJson(`${server.url}${route}`, body);
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.body) && r.body.length >= 1, r.text);
    before.push([route, body, r.text]);
  }

  const rand = rng(20261125);
  const requests = Array.from({ length: TOTAL }, (_, i) => hostileRequest(rand, i));
  const statuses = new Map();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const req = requests[i];
      const r = await send(server, req);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const what = `#${i} ${req.route ?? ''} ${String(req.raw ?? req.body).slice(0, 120)} -> ${r.status} ${r.text.slice(0, 200)}`;
      assert.equal(server.child.exitCode, null, `server died at ${what}\n${server.stderr()}`);
      if (r.raw && r.status === 0) continue;  // a connection the server closed on unparseable bytes
      if (req.mayPass && r.status === 200) {
        assert.ok(Array.isArray(r.body), what);
        continue;
      }
      assert.ok(r.status >= 400 && r.status < 500 || r.status === 503, what);
      if (!r.raw || r.text.length > 0) {
        const body = r.raw ? JSON.parse(r.text) : r.body;
        assert.equal(typeof body?.error, 'string', what);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  t.diagnostic(`statuses: ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
  assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), TOTAL);
  assert.ok((statuses.get(0) ?? 0) < TOTAL / 20, 'the server answers almost every request, even broken HTTP');
  assert.ok((statuses.get(400) ?? 0) > 500, JSON.stringify([...statuses]));
  assert.ok((statuses.get(413) ?? 0) > 10, JSON.stringify([...statuses]));

  // Alive, and still right.
  assert.equal((await fetch(`${server.url}/v2/health/live`)).status, 200);
  const rows = [[0.5, -1, 2, 3]];
  const r = await postJson(`${server.url}/v2/models/tiny/infer`,
    { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: rows.flat() }] });
  assert.equal(r.status, 200);
  const want = tinyExpected(weights, rows);
  r.body.outputs[0].data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5));
  // The task answers are the same as before the storm, byte for byte.
  for (const [route, body, text] of before) {
    const again = await postJson(`${server.url}${route}`, body);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.text, text);
  }
}
