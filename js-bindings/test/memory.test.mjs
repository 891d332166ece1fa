// Creating and destroying 1,000 times must not grow the wasm heap without bound: destroy()
// frees the model's memory inside the engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanguageDetector, Model, getEngine, writePerch } from '../dist/index.js';
import { tinyDenseModel } from './helpers.mjs';

test('1,000 Model load/run/destroy cycles keep the heap flat', async () => {
  const { bytes } = tinyDenseModel(writePerch);
  const engine = await getEngine({ variant: 'simd' });
  const cycle = async () => {
    const m = await Model.load(bytes, { variant: 'simd' });
    await m.run({ x: new Float32Array(6) });
    await m.destroy();
  };
  for (let i = 0; i < 20; i++) await cycle();
  const warm = await engine.memoryBytes();
  for (let i = 0; i < 1000; i++) await cycle();
  const end = await engine.memoryBytes();
  assert.ok(end <= warm + (1 << 20), `heap grew from ${warm} to ${end} bytes over 1,000 cycles`);
});

test('1,000 LanguageDetector create/detect/destroy cycles keep the heap flat', async () => {
  const engine = await getEngine({ variant: 'simd' });
  const cycle = async () => {
    const d = await LanguageDetector.create({ placement: 'local', variant: 'simd' });
    await d.detect('a short text');
    await d.destroyAsync();
  };
  for (let i = 0; i < 10; i++) await cycle();
  const warm = await engine.memoryBytes();
  for (let i = 0; i < 1000; i++) await cycle();
  const end = await engine.memoryBytes();
  // One model's worth of slack for allocator fragmentation; a leak would add 1,000 models.
  assert.ok(end <= warm * 1.25 + (4 << 20), `heap grew from ${warm} to ${end} bytes over 1,000 cycles`);
});
