// The import path against the reference runtime: the four real architectures exported from
// PyTorch (tests/data/onnx: a BERT-style classifier, a GPT-style decoder with and without KV-cache
// inputs, a mean-pooling embedder) are imported with `perch import-onnx` (f32, and --quantize
// int8), served by perch-server, and run on 50 random inputs each through its v2 raw-graph infer;
// onnxruntime-node runs the original .onnx on the same inputs. f32 outputs must agree within
// 1e-4 * (1 + |x|); int8 ones are held to the error the importer itself reports for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { root, startServer, postJson, getJson } from './server_process.mjs';

const MODELS = ['encoder_classifier', 'decoder_lm', 'decoder_lm_kv', 'embedder'];
const INPUTS = 50;
const VOCAB = 64;  // tools/convert/make_torch_test_models.py
const onnxDir = join(root, 'tests', 'data', 'onnx');
const cli = join(root, 'build', 'native', 'perch');
let server;
let folder;
const importReports = {};

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'perch-onnx-import-'));
  for (const name of MODELS) {
    const onnx = join(onnxDir, `${name}.onnx`);
    execFileSync(cli, ['import-onnx', onnx, join(folder, `${name}.perch`)], { stdio: 'pipe' });
    const r = spawnSync(cli, ['import-onnx', onnx, join(folder, `${name}_int8.perch`), '--quantize', 'int8'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    importReports[name] = r.stdout + r.stderr;
  }
  server = await startServer(['--models', folder, '--threads', '2']);
});
after(async () => { await server?.stop(); });

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Random inputs for an ONNX session: ids in [0, VOCAB), a mask of ones then zeros, floats in [-1, 1). */
function randomInputs(meta, rand) {
  const out = {};
  for (const m of meta) {
    const count = m.shape.reduce((a, b) => a * b, 1);
    if (m.type === 'int64') {
      const keep = 1 + Math.floor(rand() * m.shape.at(-1));
      const values = Int32Array.from({ length: count }, (_, j) =>
        (m.name === 'mask' ? (j % m.shape.at(-1) < keep ? 1 : 0) : Math.floor(rand() * VOCAB)));
      out[m.name] = { shape: m.shape, values };
    } else {
      out[m.name] = { shape: m.shape, values: Float32Array.from({ length: count }, () => rand() * 2 - 1) };
    }
  }
  return out;
}

async function perchRun(model, inputs) {
  const r = await postJson(`${server.url}/v2/models/${model}.graph/infer`, {
    inputs: Object.entries(inputs).map(([name, v]) => ({
      name, shape: v.shape, datatype: v.values instanceof Int32Array ? 'INT32' : 'FP32', data: [...v.values],
    })),
  });
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.body.outputs.map((o) => [o.name, o]));
}

async function ortRun(session, inputs) {
  const feeds = {};
  for (const [name, v] of Object.entries(inputs)) {
    feeds[name] = v.values instanceof Int32Array
      ? new ort.Tensor('int64', BigInt64Array.from(v.values, (x) => BigInt(x)), v.shape)
      : new ort.Tensor('float32', v.values, v.shape);
  }
  return session.run(feeds);
}

/** Largest |perch - ort| / (1 + |ort|) over every output element of INPUTS random inputs. */
async function worstError(name, variant) {
  const session = await ort.InferenceSession.create(join(onnxDir, `${name}.onnx`));
  const meta = session.inputMetadata.map((m) => ({ name: m.name, type: m.type, shape: m.shape }));
  assert.ok(meta.every((m) => m.shape.every((d) => typeof d === 'number')), `${name}: static shapes expected`);
  const rand = lcg(2027);
  let worst = 0;
  for (let k = 0; k < INPUTS; k++) {
    const inputs = randomInputs(meta, rand);
    const [want, got] = await Promise.all([ortRun(session, inputs), perchRun(variant, inputs)]);
    for (const outName of session.outputNames) {
      const o = got[outName];
      assert.ok(o, `${variant}: output ${outName} missing`);
      assert.deepEqual(o.shape, [...want[outName].dims], `${variant}: ${outName} shape`);
      const ref = want[outName].data;
      assert.equal(o.data.length, ref.length);
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(o.data[i] - ref[i]) / (1 + Math.abs(ref[i])));
    }
  }
  await session.release();
  return worst;
}

test('the imported models list the ONNX inputs and outputs, ids as INT32', async () => {
  for (const name of MODELS) {
    const session = await ort.InferenceSession.create(join(onnxDir, `${name}.onnx`));
    const r = await getJson(`${server.url}/v2/models/${name}.graph`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.inputs.map((i) => i.name), [...session.inputNames], name);
    assert.deepEqual(r.body.outputs.map((o) => o.name), [...session.outputNames], name);
    for (const i of r.body.inputs) {
      const m = session.inputMetadata.find((x) => x.name === i.name);
      assert.equal(i.datatype, m.type === 'int64' ? 'INT32' : 'FP32', `${name}.${i.name}`);
      assert.deepEqual(i.shape, m.shape, `${name}.${i.name}`);
    }
    await session.release();
  }
});

for (const name of MODELS) {
  test(`${name}: perch (imported, f32) equals onnxruntime-node on ${INPUTS} random inputs`, async (t) => {
    const worst = await worstError(name, name);
    t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-4, `${name}: worst relative error ${worst}`);
  });

  test(`${name}: perch (imported, --quantize int8) stays near onnxruntime-node`, async (t) => {
    // The importer measures the int8 model against the f32 one and prints it; the served model
    // must not be worse than a generous bound on that, nor identical (it is quantized).
    const m = importReports[name].match(/outputs differ from float by at most ([0-9.e+-]+)/);
    assert.ok(m, importReports[name]);
    const worst = await worstError(name, `${name}_int8`);
    t.diagnostic(`worst relative error ${worst.toExponential(2)} (importer: ${m[1]})`);
    assert.ok(worst > 0 && worst < Math.max(0.05, 10 * Number(m[1])), `${name} int8: worst relative error ${worst}, importer said ${m[1]}`);
  });
}
