// Open Inference Protocol v2 as its clients send it: every datatype the protocol has, converted to
// the model input's dtype where the values fit (400 naming the input where they do not), BYTES
// text inputs in every shape and nesting the protocol allows, `outputs` honoured, truthful output
// datatypes and non-finite numbers, `/v2/` like `/v2`; request and response bodies validated against
// JSON Schemas written from the protocol. And the Host check: without API keys only loopback
// Host names (or --allowed-hosts) are answered, so a DNS-rebound page is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import {
  makeTestModels, shippedTaskModels, startServer, postJson, getJson, tinyExpected, rawRequest, rawStatus,
} from './server_process.mjs';

// ---- JSON Schemas of the protocol's JSON bodies (kserve/open-inference-protocol, REST) ----
const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64',
  'FP16', 'FP32', 'FP64', 'BYTES'];
const tensorData = { $id: 'tensor_data', type: 'array', items: { anyOf: [{ type: ['number', 'boolean', 'string'] }, { $ref: 'tensor_data' }] } };
const parameters = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };
const shape = { type: 'array', items: { type: 'integer' } };
const schemas = {
  serverMetadata: {
    type: 'object', required: ['name', 'version', 'extensions'],
    properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } },
  },
  modelMetadata: {
    type: 'object', required: ['name', 'platform', 'inputs', 'outputs'],
    properties: {
      name: { type: 'string' }, versions: { type: 'array', items: { type: 'string' } }, platform: { type: 'string' },
      inputs: { type: 'array', items: { $ref: '#/$defs/metadataTensor' } },
      outputs: { type: 'array', items: { $ref: '#/$defs/metadataTensor' } },
    },
    $defs: {
      metadataTensor: {
        type: 'object', required: ['name', 'datatype', 'shape'],
        properties: { name: { type: 'string' }, datatype: { enum: DATATYPES }, shape },
      },
    },
  },
  inferenceRequest: {
    type: 'object', required: ['inputs'],
    properties: {
      id: { type: 'string' }, parameters,
      inputs: {
        type: 'array',
        items: {
          type: 'object', required: ['name', 'shape', 'datatype', 'data'],
          properties: { name: { type: 'string' }, shape, datatype: { enum: DATATYPES }, parameters, data: { $ref: 'tensor_data' } },
        },
      },
      outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters } } },
    },
  },
  inferenceResponse: {
    type: 'object', required: ['model_name', 'outputs'],
    properties: {
      model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, parameters,
      outputs: {
        type: 'array',
        items: {
          type: 'object', required: ['name', 'shape', 'datatype', 'data'],
          properties: { name: { type: 'string' }, shape, datatype: { enum: DATATYPES }, parameters, data: { $ref: 'tensor_data' } },
        },
      },
    },
  },
  errorResponse: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
};
const ajv = new Ajv({ allErrors: true, schemas: [tensorData] });
const validators = Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, ajv.compile(s)]));
function conforms(kind, value) {
  const ok = validators[kind](value);
  assert.ok(ok, `${kind}: ${ajv.errorsText(validators[kind].errors)} in ${JSON.stringify(value).slice(0, 300)}`);
}

let server;
let weights;
let ld;

before(async () => {
  const models = makeTestModels({ withShipped: true });
  weights = JSON.parse(readFileSync(join(models, 'tiny.json'), 'utf8'));
  ld = shippedTaskModels().languageDetection?.name;
  server = await startServer(['--models', models, '--threads', '2']);
});

after(async () => { await server?.stop(); });

/** POSTs an inference request that must itself conform, and checks the answer's shape. */
async function infer(model, body) {
  conforms('inferenceRequest', body);
  const r = await postJson(`${server.url}/v2/models/${model}/infer`, body);
  conforms(r.status === 200 ? 'inferenceResponse' : 'errorResponse', r.body);
  return r;
}

test('/v2 and /v2/ answer the same server metadata', async () => {
  const a = await getJson(`${server.url}/v2`);
  const b = await getJson(`${server.url}/v2/`);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.deepEqual(b.body, a.body);
  conforms('serverMetadata', a.body);
  for (const m of ['tiny', 'tinylm', ...(ld ? [ld, `${ld}.graph`] : [])]) conforms('modelMetadata', (await getJson(`${server.url}/v2/models/${m}`)).body);
});

test('the protocol\'s request example, on a graph model: id echoed, outputs named', async () => {
  const rows = [[1, 2, 3, 4], [-1, 0.5, 0.25, -2]];
  const r = await infer('tiny', { id: '42', inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: rows }], outputs: [{ name: 'y' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id, '42');
  assert.deepEqual(r.body.outputs.map((o) => [o.name, o.datatype, o.shape]), [['y', 'FP32', [2, 3]]]);
  tinyExpected(weights, rows).forEach((v, i) => assert.ok(Math.abs(r.body.outputs[0].data[i] - v) < 1e-5));
});

test('an FP32 input takes every numeric datatype whose values fit; others get 400 naming it', async () => {
  const rows = [[1, 2, 3, 4], [0, 1, 0, 1]];
  const want = tinyExpected(weights, rows);
  for (const datatype of ['FP16', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']) {
    const r = await infer('tiny', { inputs: [{ name: 'x', shape: [2, 4], datatype, data: rows.flat() }] });
    assert.equal(r.status, 200, `${datatype}: ${r.text}`);
    want.forEach((v, i) => assert.ok(Math.abs(r.body.outputs[0].data[i] - v) < 1e-5, datatype));
  }
  const bools = await infer('tiny', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BOOL', data: [true, false, false, true] }] });
  assert.equal(bools.status, 200, bools.text);
  tinyExpected(weights, [[1, 0, 0, 1]]).forEach((v, i) => assert.ok(Math.abs(bools.body.outputs[0].data[i] - v) < 1e-5));
  const refused = [
    ['INT64', [1, 2, 3, 2 ** 24 + 1], /not fit/],     // not exact in FP32
    ['UINT8', [1, 2, 3, 256], /range/],                // not a UINT8
    ['INT32', [1, 2, 3, 4.5], /integers/],
    ['BOOL', [1, 0, 1, 0], /true or false/],
    ['FP64', [1, 2, 3, 1e300], /not fit/],
    ['BYTES', ['a', 'b', 'c', 'd'], /BYTES/],
    ['COMPLEX64', [1, 2, 3, 4], /unknown datatype/],
  ];
  for (const [datatype, data, why] of refused) {
    const r = await postJson(`${server.url}/v2/models/tiny/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype, data }] });
    assert.equal(r.status, 400, `${datatype} ${data}: ${r.text}`);
    assert.match(r.body.error, /input 'x'/);
    assert.match(r.body.error, why);
  }
});

test('INT32 token inputs take INT64 (the usual type of token ids) and the other integer types', async () => {
  const send = (datatype, tokens, positions = [0, 1, 2]) => infer('tinylm', {
    inputs: [{ name: 'tokens', shape: [3], datatype, data: tokens }, { name: 'positions', shape: [3], datatype, data: positions }],
  });
  const base = await send('INT32', [5, 7, 11]);
  assert.equal(base.status, 200, base.text);
  for (const datatype of ['INT64', 'UINT64', 'UINT32', 'INT16', 'UINT16', 'UINT8', 'INT8', 'FP64', 'FP32']) {
    const r = await send(datatype, [5, 7, 11]);
    assert.equal(r.status, 200, `${datatype}: ${r.text}`);
    assert.deepEqual(r.body.outputs, base.body.outputs, datatype);
  }
  for (const [datatype, tokens] of [['INT64', [5, 7, 2 ** 40]], ['FP64', [5, 7.5, 11]], ['UINT64', [5, 7, -1]]]) {
    const r = await send(datatype, tokens);
    assert.equal(r.status, 400, `${datatype} ${tokens}: ${r.text}`);
    assert.match(r.body.error, /input 'tokens'/);
  }
});

test('outputs: unknown names are refused; non-finite values are the bare tokens clients parse', async () => {
  const unknown = await postJson(`${server.url}/v2/models/tiny/infer`, {
    inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }], outputs: [{ name: 'z' }],
  });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.code, 'invalid_output');
  assert.match(unknown.body.error, /'z'/);
  // y1 = -0.99 * -3e38 + 1.34 * 3.4e38 overflows float32: +Infinity, written as Infinity, not null.
  const r = await postJson(`${server.url}/v2/models/tiny/infer`, {
    inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0, -3e38, 0, 3.4e38] }],
  });
  assert.equal(r.status, 200, r.text);
  assert.doesNotMatch(r.text, /null/);
  assert.match(r.text, /"data":\[[^\]]*\bInfinity\b/);
  // What Python's json.loads (tritonclient, KServe) does with the token.
  const parsed = JSON.parse(r.text.replace(/(?<=[[,])(-?Infinity|NaN)(?=[\],])/g, '"$1"'));
  assert.equal(parsed.outputs[0].data[1], 'Infinity');
  assert.equal(parsed.outputs[0].datatype, 'FP32');
});

test('a task model\'s BYTES text input: shapes [N], [1,1], [N,1], [1,N], nested data; outputs honoured', { skip: !ld && 'no shipped language detection model' }, async () => {
  const texts = ['Guten Morgen, wie geht es dir heute?', "Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc."];
  const ref = await infer(ld, { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: texts }], parameters: { top: 2 } });
  assert.equal(ref.status, 200, ref.text);
  assert.deepEqual(ref.body.outputs.map((o) => o.name), ['language', 'confidence']);
  const k = ref.body.outputs[0].shape[1]; // labels per row
  assert.deepEqual([ref.body.outputs[0].data[0], ref.body.outputs[0].data[k]], ['de', 'fr']);
  const shapes = [
    [[2, 1], texts.map((t) => [t])], [[2, 1], texts], [[1, 2], [texts]], [[2], texts],
  ];
  for (const [s, data] of shapes) {
    const r = await infer(ld, { inputs: [{ name: 'text', shape: s, datatype: 'BYTES', data }], parameters: { top: 2 } });
    assert.equal(r.status, 200, `${JSON.stringify(s)}: ${r.text}`);
    assert.deepEqual(r.body.outputs, ref.body.outputs, JSON.stringify(s));
  }
  const one = await infer(ld, { inputs: [{ name: 'text', shape: [1, 1], datatype: 'BYTES', data: [[texts[0]]] }], outputs: [{ name: 'confidence' }] });
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(one.body.outputs.map((o) => [o.name, o.datatype]), [['confidence', 'FP32']]);
  const bad = [
    [{ inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', data: texts }] }, /exactly 3/],
    [{ inputs: [{ name: 'text', shape: [2, 2], datatype: 'BYTES', data: [texts, texts] }] }, /shape must be/],
    [{ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: [7] }] }, /input 'text'.*string/],
    [{ inputs: [{ name: 'text', shape: [1], datatype: 'FP32', data: [7] }] }, /input 'text'.*BYTES/],
    [{ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['x'] }], outputs: [{ name: 'logits' }] }, /unknown output 'logits'/],
  ];
  for (const [body, why] of bad) {
    const r = await postJson(`${server.url}/v2/models/${ld}/infer`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    conforms('errorResponse', r.body);
    assert.match(r.body.error, why);
  }
});

// ---- Host check ----
const hostRequest = (port, host, extra = '') => rawRequest(port,
  `GET /v2/health/live HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);

test('without API keys only loopback Host names are answered: a DNS-rebound page is refused', async () => {
  const { port } = server;
  const rebound = await rawRequest(port, `POST /v2/models/tiny/infer HTTP/1.1\r\nHost: evil.test:${port}\r\n` +
    `Origin: http://evil.test:${port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
  assert.equal(rawStatus(rebound), 403, rebound);
  assert.match(rebound, /host_not_allowed/);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, '127.0.0.2', `app.localhost:${port}`, 'LOCALHOST.']) {
    assert.equal(rawStatus(await hostRequest(port, host)), 200, host);
  }
  for (const host of ['evil.test', `evil.test:${port}`, '127.0.0.1.evil.test', '10.0.0.1', '[::2]', '127.0.0.256', 'localhost:x', '']) {
    assert.equal(rawStatus(await hostRequest(port, host)), 403, host);
  }
});

test('--allowed-hosts names more hosts; with API keys the key decides', async () => {
  const models = makeTestModels();
  const named = await startServer(['--models', models, '--allowed-hosts', 'perch.example,Other.Example']);
  try {
    assert.equal(rawStatus(await hostRequest(named.port, `perch.example:${named.port}`)), 200);
    assert.equal(rawStatus(await hostRequest(named.port, 'other.example')), 200);
    assert.equal(rawStatus(await hostRequest(named.port, 'evil.test')), 403);
  } finally {
    await named.stop();
  }
  const keys = join(mkdtempSync(join(tmpdir(), 'perch-keys-')), 'keys.txt');
  writeFileSync(keys, 'k-123\n');
  const keyed = await startServer(['--models', models, '--api-keys', keys]);
  try {
    const infer = (auth) => rawRequest(keyed.port, `GET /v2 HTTP/1.1\r\nHost: evil.test\r\n${auth}Connection: close\r\n\r\n`);
    assert.equal(rawStatus(await infer('Authorization: Bearer k-123\r\n')), 200);
    assert.equal(rawStatus(await infer('')), 401);
  } finally {
    await keyed.stop();
  }
});
