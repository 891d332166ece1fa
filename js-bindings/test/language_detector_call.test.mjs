// The detector's per-call path (engine.detect: text encoded into a reused engine buffer, answers
// read as label indices + confidences, no JSON) gives exactly what the C ABI's JSON entry gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError, getEngine } from '../dist/index.js';
import { repoRoot } from './helpers.mjs';

test("engine.detect answers as perch_language_detector_detect's JSON, for any text and top", async () => {
  const engine = await getEngine({ variant: 'simd' });
  const bytes = new Uint8Array(readFileSync(join(repoRoot, 'models/langid/langid.perch')));
  const { handle } = await engine.load(bytes, 'language-detection');
  try {
    const task = engine.entries.get(handle).task;
    const viaJson = (text, top) => engine.taskJson('perch_language_detector_detect', task, text, [top]);
    const long = 'Le chat dort sur le canapé rouge. '.repeat(6000); // ~200 KB: the text buffer grows
    const texts = ['Bonjour tout le monde', '', '12:30 😀', 'I would like to', '\ud800 lone surrogate', '我们明天早上见面吧', 'Dzień dobry', long, 'ok'];
    for (const text of texts) {
      for (const top of [1, 3, 10, 500]) {
        const got = await engine.detect(handle, text, top);
        assert.deepEqual(got, viaJson(text, top), `${text.slice(0, 30)} top ${top}`);
        assert.ok(got.length >= 1 && got.length <= Math.min(top, 121) + 1);
      }
    }
    // Over 1 MiB of UTF-8: the C++ limit, a clear error; the next call works.
    await assert.rejects(engine.detect(handle, 'é'.repeat(600000), 1), (e) => e instanceof EngineError && e.code === 'OutOfRange');
    assert.equal((await engine.detect(handle, 'Guten Tag, wie geht es Ihnen?', 1))[0].detectedLanguage, 'de');
  } finally {
    await engine.free(handle);
  }
});
