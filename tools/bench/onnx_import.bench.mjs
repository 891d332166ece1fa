// make bench: models imported from ONNX (tests/data/onnx: a BERT-style classifier, a GPT-style
// decoder with and without KV-cache inputs, a mean-pooling embedder, exported from PyTorch) —
// perch's wasm-simd build through Model.load (the .perch from `perch import-onnx`) beside
// onnxruntime-web's wasm EP on the very same .onnx, both on 1 thread in Node: per-inference time,
// cold start (create → first result), and agreement of the outputs on 100 random inputs.
// Tables on stdout, one JSON line per figure in build/bench/results.jsonl.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appendResults, buildDir, printTable, randomArray, repoRoot, timeIt } from './results.mjs';

const MODELS = ['encoder_classifier', 'decoder_lm', 'decoder_lm_kv', 'embedder'];
const VOCAB = 64;  // tools/convert/make_torch_test_models.py
const cli = resolve(repoRoot, 'build/native/perch');
const outDir = resolve(repoRoot, 'build/bench');
mkdirSync(outDir, { recursive: true });

// The binding's public Model, bundled from js-bindings/src (as langid.bench.mjs does), on the
// wasm-simd build folder of `make build`.
async function modelClass() {
  const { build } = createRequire(resolve(repoRoot, 'js-bindings/package.json'))('esbuild');
  const out = await build({
    stdin: { contents: "export { Model } from './src/model.ts';", resolveDir: resolve(repoRoot, 'js-bindings'), loader: 'ts' },
    bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'error',
  });
  const file = resolve(outDir, 'onnx_import_binding.mjs');
  writeFileSync(file, out.outputFiles[0].text);
  return (await import(pathToFileURL(file).href)).Model;
}
const wasmDir = buildDir('wasm-simd');
if (!existsSync(`${wasmDir}/perch-simd.wasm`)) throw new Error(`${wasmDir}/perch-simd.wasm is missing: run make build`);
const Model = await modelClass();
const wasmPaths = pathToFileURL(`${wasmDir}/`).href;
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

// Random inputs for a model's inputs: ids in [0, VOCAB), a mask of ones then zeros, floats.
function randomInputs(specs, seed) {
  const perch = {};
  const onnx = {};
  specs.forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.dtype === 'i32') {
      const r = randomArray(n, seed * 31 + i);
      const v = s.name === 'mask' ? Int32Array.from(r, (_, j) => (j % s.shape.at(-1) < 5 ? 1 : 0))
        : Int32Array.from(r, (x) => Math.floor((x + 1) / 2 * VOCAB) % VOCAB);
      perch[s.name] = v;
      onnx[s.name] = new ort.Tensor('int64', BigInt64Array.from(v, (x) => BigInt(x)), s.shape);
    } else {
      const v = randomArray(n, seed * 31 + i).map((x) => x * 0.5);
      perch[s.name] = v;
      onnx[s.name] = new ort.Tensor('float32', v, s.shape);
    }
  });
  return { perch, onnx };
}

const rows = [];
const records = [];
for (const name of MODELS) {
  const onnxPath = join(repoRoot, 'tests/data/onnx', `${name}.onnx`);
  const perchPath = join(outDir, `${name}.perch`);
  execFileSync(cli, ['import-onnx', onnxPath, perchPath], { stdio: 'pipe' });
  const onnxBytes = new Uint8Array(readFileSync(onnxPath));
  const perchBytes = new Uint8Array(readFileSync(perchPath));

  // Cold start: create to the first result (wasm already compiled by an earlier model for perch
  // after the first; ort likewise keeps its module: both warm after the first model).
  let t0 = performance.now();
  const model = await Model.load(perchBytes, { worker: false, variant: 'simd', numThreads: 1, cache: false, wasmPaths });
  const first = randomInputs(model.inputs, 1);
  await model.run(first.perch);
  const perchCold = performance.now() - t0;
  t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  await session.run(first.onnx);
  const ortCold = performance.now() - t0;

  // Agreement on 100 random inputs.
  let maxDiff = 0;
  for (let k = 0; k < 100; ++k) {
    const x = randomInputs(model.inputs, 100 + k);
    const a = await model.run(x.perch);
    const b = await session.run(x.onnx);
    for (const o of model.outputs) {
      const pa = a[o.name].data, pb = b[o.name].data;
      for (let i = 0; i < pa.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(pa[i] - pb[i]));
    }
  }

  const x = randomInputs(model.inputs, 7);
  const perchUs = await timeIt(() => model.run(x.perch));
  const ortUs = await timeIt(() => session.run(x.onnx));
  rows.push([name, perchUs.toFixed(1), ortUs.toFixed(1), (ortUs / perchUs).toFixed(2),
             perchCold.toFixed(1), ortCold.toFixed(1), maxDiff.toExponential(1)]);
  records.push({ bench: 'onnx_import', model: name, perch_us: perchUs, ort_us: ortUs, speedup: ortUs / perchUs,
                 perch_cold_ms: perchCold, ort_cold_ms: ortCold, max_abs_diff_100: maxDiff });
  await model.destroy();
  await session.release();
}

printTable('imported ONNX models, 1 thread, Node (perch wasm-simd vs onnxruntime-web wasm); target: speedup > 1',
  ['model', 'perch µs', 'ort-web µs', 'speedup', 'perch cold ms', 'ort cold ms', 'max |diff| (100 inputs)'], rows);
appendResults(records);
