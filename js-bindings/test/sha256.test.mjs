// The pure-JS SHA-256 (used where crypto.subtle is missing) against Node's.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha256Hex, sha256Js } from '../dist/sha256.js';

test('sha256Js equals node:crypto at block-boundary lengths', async () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 65537]) {
    const data = new Uint8Array(randomBytes(n));
    const want = createHash('sha256').update(data).digest('hex');
    assert.equal(sha256Js(data), want, `length ${n}`);
    assert.equal(await sha256Hex(data), want);
  }
  assert.equal(sha256Js(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
