// The scale-out path: tools/convert exports every shipped model (and the test LM with a KV
// cache) to a Triton model repository of ONNX models; onnxruntime-node runs each exported model
// on 200 inputs and its outputs must equal perch's (perch-server's v2 raw-graph infer, the same
// C++ as everywhere). Tolerance: |onnx - perch| <= 1e-4 * (1 + |perch|) per element (int8
// weights are pre-dequantized in the ONNX file, dequantized inside perch's kernel tiles, so the
// float rounding differs slightly).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { makeTestModels, root, shippedTaskModels, startServer, postJson } from './server_process.mjs';

const INPUTS = 200;
const tol = (perch) => 1e-4 * (1 + Math.abs(perch));
let server;
let repo;
let models;

before(async () => {
  models = makeTestModels({ withShipped: true });
  repo = mkdtempSync(join(tmpdir(), 'perch-triton-'));
  const shipped = shippedTaskModels();
  assert.ok(shipped.languageDetection && shipped.textSuggestion, 'both shipped models must be in models/');
  execFileSync('/usr/bin/python3', [join(root, 'tools', 'convert', 'triton_repo.py'), '--models', models, '--out', repo,
    'tiny', 'tinylm', shipped.languageDetection.name, shipped.textSuggestion.name]);
  server = await startServer(['--models', models, '--threads', '2']);
});
after(async () => { await server?.stop(); });

/** The .perch header of a test-folder model: tensors' shapes and the parsed graph. */
function perchHeader(name) {
  const buf = readFileSync(join(models, `${name}.perch`));
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  return { header, graph: JSON.parse(header.__metadata__['perch.graph']) };
}

// mulberry32, for inputs that can be replayed.
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

/**
 * Random valid inputs for a graph: an i32 input read as indices by Gather/EmbeddingBag takes
 * values below that table's row count; EmbeddingBag offsets are [0]; f32 inputs are N(0,1)-ish.
 * Dynamic lengths are drawn in [1, max] (shared by inputs of the same max length).
 */
function randomInputs(name, rand) {
  const { header, graph } = perchHeader(name);
  const lengths = new Map();
  const out = {};
  for (const input of graph.inputs) {
    const shape = input.shape.map((d, i) => {
      if (d >= 0) return d;
      const max = input.max_shape[i];
      if (!lengths.has(max)) lengths.set(max, 1 + Math.floor(rand() * max));
      return lengths.get(max);
    });
    const count = shape.reduce((a, b) => a * b, 1);
    let data;
    if (input.dtype === 'i32') {
      const user = graph.nodes.find((n) => n.inputs.indexOf(input.name) >= 1 &&
        (n.op === 'Gather' || n.op === 'EmbeddingBag'));
      if (user?.op === 'EmbeddingBag' && user.inputs[2] === input.name) {
        data = new Int32Array(count);  // one bag starting at 0
      } else {
        const rows = user ? header[user.inputs[0]].shape[0] : 1;
        data = Int32Array.from({ length: count }, () => Math.floor(rand() * rows));
      }
    } else {
      data = Float32Array.from({ length: count }, () => (rand() - 0.5) * 4);
    }
    out[input.name] = { shape, data, dtype: input.dtype };
  }
  return out;
}

async function perchRun(name, inputs) {
  const r = await postJson(`${server.url}/v2/models/${name}.graph/infer`, {
    inputs: Object.entries(inputs).map(([n, v]) => ({
      name: n, datatype: v.dtype === 'i32' ? 'INT32' : 'FP32', shape: v.shape, data: [...v.data],
    })),
  });
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.body.outputs.map((o) => [o.name, o]));
}

function onnxFeeds(session, inputs, past = {}) {
  const feeds = {};
  for (const [n, v] of Object.entries(inputs)) {
    feeds[n] = new ort.Tensor(v.dtype === 'i32' ? 'int32' : 'float32', v.data, v.shape);
  }
  for (const n of session.inputNames) {
    if (feeds[n]) continue;
    if (past[n]) { feeds[n] = past[n]; continue; }
    // An empty KV cache: [0, width]; the width is in the exported model's input metadata.
    const width = repoWidth(session, n);
    feeds[n] = new ort.Tensor('float32', new Float32Array(0), [0, width]);
  }
  return feeds;
}

const widths = new Map();
function repoWidth(session, inputName) {
  return widths.get(`${session.__name}:${inputName}`);
}

async function loadExported(name) {
  const path = join(repo, name, '1', 'model.onnx');
  assert.ok(existsSync(path), `${path} was not exported`);
  const session = await ort.InferenceSession.create(path);
  session.__name = name;
  // Widths of past_* inputs from config.pbtxt (dims: [ -1, W ]).
  const config = readFileSync(join(repo, name, 'config.pbtxt'), 'utf8');
  for (const m of config.matchAll(/name: "(past_[^"]+)"\s+data_type: TYPE_FP32\s+dims: \[ -1, (\d+) \]/g)) {
    widths.set(`${name}:${m[1]}`, Number(m[2]));
  }
  return session;
}

function assertClose(onnxData, perchData, what) {
  assert.equal(onnxData.length, perchData.length, `${what}: sizes differ`);
  let worst = 0;
  for (let i = 0; i < perchData.length; i++) {
    const diff = Math.abs(onnxData[i] - perchData[i]);
    assert.ok(diff <= tol(perchData[i]), `${what}[${i}]: onnx ${onnxData[i]} vs perch ${perchData[i]}`);
    worst = Math.max(worst, diff);
  }
  return worst;
}

async function parity(t, name, seed) {
  const session = await loadExported(name);
  const rand = rng(seed);
  let worst = 0;
  for (let i = 0; i < INPUTS; i++) {
    const inputs = randomInputs(name, rand);
    const perch = await perchRun(name, inputs);
    const onnx = await session.run(onnxFeeds(session, inputs));
    for (const [outName, out] of Object.entries(perch)) {
      assert.deepEqual([...onnx[outName].dims], out.shape, `${name} ${outName} shape`);
      worst = Math.max(worst, assertClose(onnx[outName].data, out.data, `${name} #${i} ${outName}`));
    }
  }
  t.diagnostic(`${name}: ${INPUTS} inputs, largest |onnx - perch| = ${worst.toExponential(2)}`);
}

test('config.pbtxt declares the ONNX runtime platform, inputs and outputs', () => {
  const config = readFileSync(join(repo, 'tiny', 'config.pbtxt'), 'utf8');
  assert.match(config, /^name: "tiny"$/m);
  assert.match(config, /^platform: "onnxruntime_onnx"$/m);
  assert.match(config, /input \[\s+\{\s+name: "x"\s+data_type: TYPE_FP32\s+dims: \[ -1, 4 \]/);
  assert.match(config, /output \[\s+\{\s+name: "y"\s+data_type: TYPE_FP32\s+dims: \[ -1, 3 \]/);
  const lm = readFileSync(join(repo, 'tinylm', 'config.pbtxt'), 'utf8');
  assert.match(lm, /name: "past_key\.0"/);
  assert.match(lm, /name: "present_value\.0"/);
});

test('language detection: exported ONNX equals perch on 200 inputs', async (t) => {
  await parity(t, shippedTaskModels().languageDetection.name, 1);
});

test('text suggestion: exported ONNX equals perch on 200 inputs', async (t) => {
  await parity(t, shippedTaskModels().textSuggestion.name, 2);
});

test('test LM (int8 Gather, LayerNorm, GQA attention, RMSNorm, gelu): ONNX equals perch on 200 inputs', async (t) => {
  await parity(t, 'tinylm', 3);
});

test('KV cache as past/present: two ONNX calls equal one perch call over the whole sequence', async () => {
  for (const name of ['tinylm', shippedTaskModels().textSuggestion.name]) {
    const session = await loadExported(name);
    const { graph } = perchHeader(name);
    const max = graph.inputs[0].max_shape[0];
    const rand = rng(4);
    for (let trial = 0; trial < 10; trial++) {
      const full = randomInputs(name, rand);
      const n = full[graph.inputs[0].name].shape[0];
      if (n < 2) continue;
      // positions 0..n-1, as a decoder would send them.
      for (const input of graph.inputs) {
        if (input.name !== graph.inputs[0].name) full[input.name].data = Int32Array.from({ length: n }, (_, i) => i);
      }
      const split = 1 + Math.floor(rand() * (n - 1));
      const part = (from, to) => Object.fromEntries(Object.entries(full).map(([k, v]) =>
        [k, { ...v, shape: [to - from], data: v.data.slice(from, to) }]));
      const first = await session.run(onnxFeeds(session, part(0, split)));
      const past = {};
      for (const k of Object.keys(first)) {
        if (k.startsWith('present_')) past[k.replace('present_', 'past_')] = first[k];
      }
      const second = await session.run(onnxFeeds(session, part(split, n), past));
      const perch = await perchRun(name, full);
      // The rows both produced: all rows after the split, or the last row for a model that only
      // outputs the logits of its last position.
      const out = graph.outputs[0];
      const width = perch[out].shape.at(-1);
      const rows = Math.min(perch[out].data.length, second[out].data.length) / width;
      assert.ok(rows >= 1);
      assertClose(second[out].data.slice(-rows * width), perch[out].data.slice(-rows * width),
        `${name} continuation after ${split}/${n} (max ${max})`);
    }
  }
});
