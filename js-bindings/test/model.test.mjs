// The low-level Model API against the real wasm builds (all three), with a model built in JS.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { EngineError, InvalidInputError, Model, env, writePerch } from '../dist/index.js';
import { tinyDenseModel } from './helpers.mjs';

const variants = [{ variant: 'simd-threads', numThreads: 2 }, { variant: 'simd' }, { variant: 'baseline' }];

for (const opts of variants) {
  test(`Model.load + run on the ${opts.variant} build gives x·Wᵀ+b`, async () => {
    const { bytes, expected } = tinyDenseModel(writePerch);
    const model = await Model.load(bytes, opts);
    assert.deepEqual(
      model.inputs.map((i) => [i.name, i.dtype, i.shape]),
      [['x', 'f32', [2, 3]]],
    );
    assert.deepEqual(
      model.outputs.map((o) => o.name),
      ['y'],
    );
    for (const x of [new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([-1, 0.25, 8, 0, 0, -3])]) {
      const { y } = await model.run({ x });
      assert.equal(y.dtype, 'f32');
      assert.deepEqual(y.shape, [2, 4]);
      const want = expected(x);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y.data[i] - want[i]) < 1e-5, `y[${i}] = ${y.data[i]}, want ${want[i]}`);
    }
    await model.destroy();
    await assert.rejects(model.run({ x: new Float32Array(6) }), /destroyed/);
  });
}

test('bad inputs get clear errors, not crashes', async () => {
  const { bytes } = tinyDenseModel(writePerch);
  const model = await Model.load(bytes, { variant: 'simd' });
  await assert.rejects(model.run({}), (e) => e instanceof InvalidInputError && /input 'x' is missing/.test(e.message));
  await assert.rejects(model.run({ x: new Int32Array(6) }), (e) => e instanceof InvalidInputError && /f32, not i32/.test(e.message));
  await assert.rejects(model.run({ x: new Float32Array(5) }), (e) => e instanceof InvalidInputError);
  await assert.rejects(model.run({ x: new Float32Array(6), z: new Float32Array(1) }), /no input 'z'/);
  await assert.rejects(model.run({ x: { data: new Float32Array(9), shape: [3, 3] } }), (e) => e instanceof EngineError && e.code === 'InvalidArgument');
  await model.destroy();
});

test('malformed model files are rejected with EngineError', async () => {
  const { bytes } = tinyDenseModel(writePerch);
  const truncated = bytes.slice(0, bytes.length - 7);
  await assert.rejects(Model.load(truncated, { variant: 'simd' }), (e) => e instanceof EngineError && e.code === 'InvalidModel');
  const garbage = new Uint8Array(64).fill(0xff);
  await assert.rejects(Model.load(garbage, { variant: 'simd' }), (e) => e instanceof EngineError && e.code === 'InvalidModel');
  await assert.rejects(Model.load(new Uint8Array(0), { variant: 'simd' }), (e) => e instanceof InvalidInputError);
});

test('perch.env describes Node: SIMD + threads, default thread count and build', () => {
  assert.equal(env.runtime, 'node');
  assert.equal(env.simd, true);
  assert.equal(env.threads, true, env.threadsReason);
  const cores = availableParallelism();
  assert.equal(env.defaultThreads, Math.max(1, Math.min(4, Math.ceil(cores / 2))));
  assert.equal(env.variant, env.defaultThreads > 1 ? 'simd-threads' : 'simd');
});

test('wasmPaths points the loader at another folder, and a wrong one fails clearly', async () => {
  const { cpSync } = await import('node:fs');
  const { pathToFileURL } = await import('node:url');
  const { tempDir, pkgDir } = await import('./helpers.mjs');
  const dir = tempDir('perch-wasm-');
  cpSync(`${pkgDir}/dist/wasm`, dir, { recursive: true });
  const { bytes, expected } = tinyDenseModel(writePerch);
  const model = await Model.load(bytes, { variant: 'baseline', wasmPaths: `${pathToFileURL(dir).href}/` });
  const x = new Float32Array([1, 1, 1, 2, 2, 2]);
  assert.deepEqual(Array.from((await model.run({ x })).y.data), Array.from(expected(x)));
  await model.destroy();
  const { WasmLoadError } = await import('../dist/index.js');
  await assert.rejects(Model.load(bytes, { variant: 'baseline', wasmPaths: `${pathToFileURL(dir).href}/nowhere/` }), WasmLoadError);
  // A .wasm that compiles but does not fit its glue (another build's) must reject, not hang.
  const mixed = tempDir('perch-wasm-mixed-');
  cpSync(`${pkgDir}/dist/wasm`, mixed, { recursive: true });
  cpSync(`${mixed}/perch-simd-threads.wasm`, `${mixed}/perch-baseline.wasm`);
  await assert.rejects(Model.load(bytes, { variant: 'baseline', wasmPaths: `${pathToFileURL(mixed).href}/` }), WasmLoadError);
});
