// A model imported from ONNX (`perch import-onnx`, docs/import-onnx.md) loads and runs through
// Model.load like any .perch: the BERT-style classifier exported from PyTorch
// (tests/data/onnx/encoder_classifier.onnx) gives torch's logits on the wasm builds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Model } from '../dist/index.js';
import { repoRoot, tempDir } from './helpers.mjs';

const cli = join(repoRoot, 'build/native/perch');
const onnxDir = join(repoRoot, 'tests/data/onnx');

test('an imported ONNX model runs through Model.load on the wasm builds', { skip: !existsSync(cli) && 'needs build/native/perch' }, async () => {
  const out = join(tempDir(), 'encoder_classifier.perch');
  execFileSync(cli, ['import-onnx', join(onnxDir, 'encoder_classifier.onnx'), out], { stdio: 'pipe' });
  const ref = JSON.parse(readFileSync(join(onnxDir, 'encoder_classifier.json'), 'utf8'));
  const bytes = new Uint8Array(readFileSync(out));
  for (const variant of ['simd-threads', 'simd', 'baseline']) {
    const model = await Model.load(bytes, variant === 'simd-threads' ? { variant, numThreads: 2 } : { variant });
    assert.deepEqual(
      model.inputs.map((i) => [i.name, i.dtype, i.shape]),
      [['ids', 'i32', ref.ids_shape]],
    );
    const { logits } = await model.run({ ids: new Int32Array(ref.ids) });
    assert.deepEqual(logits.shape, [1, 3]);
    ref.logits.forEach((want, i) => assert.ok(Math.abs(logits.data[i] - want) < 1e-4, `${variant}: logits[${i}] = ${logits.data[i]}, torch ${want}`));
    await model.destroy();
  }
});
