// ONNX's backend node tests on the wasm build in Node, for a sample: tools/convert/onnx_conformance.py
// imports 40 of them (evenly spread over the 289 whose ops perch supports) and writes each test's
// inputs and expected outputs; each runs through Model.load on the simd build and must match
// (rtol 1e-4, atol 1e-5), as the native run in tests/python/test_onnx_import.py does for all.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Model } from '../dist/index.js';
import { repoRoot, tempDir } from './helpers.mjs';

const data = '/usr/lib/python3/dist-packages/onnx/backend/test/data/node';
const ARRAYS = { f32: Float32Array, i32: Int32Array, u8: Uint8Array, i8: Int8Array };
const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);

test('a sample of ONNX backend node tests matches on the wasm simd build', { skip: !existsSync(data) && 'libonnx-testdata missing' }, async () => {
  const dir = tempDir('perch-onnx-');
  execFileSync('/usr/bin/python3', [join(repoRoot, 'tools/convert/onnx_conformance.py'), '--export-sample', dir, '--sample', '40'], { stdio: 'pipe' });
  const names = readdirSync(dir).sort();
  assert.ok(names.length >= 30, `only ${names.length} tests exported`);
  const failures = [];
  for (const name of names) {
    const io = JSON.parse(readFileSync(join(dir, name, 'io.json'), 'utf8'));
    const model = await Model.load(new Uint8Array(readFileSync(join(dir, name, 'model.perch'))), { variant: 'simd' });
    const inputs = {};
    for (const [k, v] of Object.entries(io.inputs)) inputs[k] = { data: ARRAYS[v.dtype].from(v.data.map(num)), shape: v.shape };
    const got = await model.run(inputs);
    for (const [k, want] of Object.entries(io.outputs)) {
      const out = got[k];
      if (JSON.stringify(out.shape) !== JSON.stringify(want.shape)) {
        failures.push(`${name} ${k}: shape ${out.shape} != ${want.shape}`);
        continue;
      }
      want.data.forEach((w, i) => {
        const g = Number(out.data[i]);
        const e = num(w);
        const ok = Number.isNaN(e) ? Number.isNaN(g) : g === e || Math.abs(g - e) <= 1e-5 + 1e-4 * Math.abs(e);
        if (!ok && failures.length < 20) failures.push(`${name} ${k}[${i}]: ${g} != ${e}`);
      });
    }
    await model.destroy();
  }
  assert.deepEqual(failures, []);
});
