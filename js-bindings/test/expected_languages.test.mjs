// expectedInputLanguages reaches the engine's task layer: a phrase that is the same in Danish and
// Norwegian ("Mange tak") is read as the language the caller expects (in-process engine; Node
// has no Web Workers, the worker forwards the same argument: src/worker.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanguageDetector } from '../dist/index.js';

{
  const worker = false;
  test('LanguageDetector: expectedInputLanguages raise those languages', async () => {
    const da = await LanguageDetector.create({ expectedInputLanguages: ['da'], worker });
    const no = await LanguageDetector.create({ expectedInputLanguages: ['nb-NO'], worker });
    try {
      assert.deepEqual(da.expectedInputLanguages, ['da']);
      assert.equal((await da.detect('Mange tak'))[0].detectedLanguage, 'da');
      assert.equal((await no.detect('Mange tak'))[0].detectedLanguage, 'no');
      // The list is the engine's, passed through: und last, summing to 1.
      const out = await no.detect('Mange tak');
      assert.equal(out.at(-1).detectedLanguage, 'und');
      assert.ok(Math.abs(out.reduce((s, r) => s + r.confidence, 0) - 1) < 1e-9);
    } finally {
      da.destroy();
      no.destroy();
    }
  });
}
