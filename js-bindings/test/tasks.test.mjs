// The task API in Node with no options: the shipped models, loaded offline from the package.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError, LanguageDetector, TextSuggester, installPolyfill } from '../dist/index.js';

const samples = [
  ['en', 'The weather is lovely today, so we are going for a long walk in the park.'],
  ['fr', "Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc."],
  ['de', 'Das Wetter ist heute herrlich, also machen wir einen langen Spaziergang im Park.'],
  ['es', 'Hoy hace muy buen tiempo, así que vamos a dar un largo paseo por el parque.'],
];

test('LanguageDetector: availability, create() with no options, detect() sorted and ending with und', async () => {
  assert.equal(await LanguageDetector.availability(), 'available');
  const progress = [];
  const d = await LanguageDetector.create({ monitor: (m) => m.addEventListener('downloadprogress', (e) => progress.push(e.loaded)) });
  assert.deepEqual([progress[0], progress.at(-1)], [0, 1]);
  assert.equal(d.placement.where, 'local');
  for (const [lang, text] of samples) {
    const out = await d.detect(text);
    assert.equal(out[0].detectedLanguage, lang, `${text} → ${JSON.stringify(out.slice(0, 3))}`);
    assert.ok(out[0].confidence > 0.5);
    assert.equal(out.at(-1).detectedLanguage, 'und');
    for (let i = 1; i < out.length - 1; i++) assert.ok(out[i - 1].confidence >= out[i].confidence);
    const sum = out.reduce((s, r) => s + r.confidence, 0);
    assert.equal(sum, 1, `confidences sum to ${sum}`);
  }
  const empty = await d.detect('');
  assert.equal(empty.at(-1).detectedLanguage, 'und');
  // Web IDL DOMString: a number is converted (no error); no argument is a TypeError.
  assert.equal((await d.detect(42)).at(-1).detectedLanguage, 'und');
  await assert.rejects(d.detect(), TypeError);
  d.destroy();
  await assert.rejects(d.detect('hello'), (e) => e instanceof DOMException && e.name === 'AbortError' && e.code === 20);
});

test('TextSuggester: create() with no options, suggest() honours count and maxWords', async () => {
  const s = await TextSuggester.create();
  const out = await s.suggest('Thank you very much for', { count: 3, maxWords: 2 });
  assert.ok(out.length >= 1 && out.length <= 3, JSON.stringify(out));
  for (const r of out) {
    assert.equal(typeof r.text, 'string');
    assert.ok(r.text.trim().length > 0);
    assert.ok(r.text.trim().split(/\s+/).length <= 2, `"${r.text}" has more than 2 words`);
    assert.ok(r.confidence >= 0 && r.confidence <= 1);
  }
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].confidence >= out[i].confidence);
  await assert.rejects(s.suggest('x', { count: 0 }), InvalidInputError);
  await assert.rejects(s.suggest('x', { maxWords: 99 }), InvalidInputError);
  await assert.rejects(s.suggest('x', { count: 17 }), /count must be an integer from 1 to 16/);
  await assert.rejects(s.suggest('x', { maxWords: 9 }), /maxWords must be an integer from 0 to 8/);
  assert.equal((await s.suggest('Thank you very much for', { count: 16, maxWords: 8 })).length <= 16, true);
  // Ghost text threshold from the model; 'i' alone offers 'I' as a replacement.
  assert.ok(s.showThreshold > 0 && s.showThreshold < 1);
  const capital = (await s.suggest('i')).find((r) => r.replace);
  assert.deepEqual(capital && [capital.text, capital.replace], ['I', true]);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.suggest('Thank you', { signal: ac.signal }), { name: 'AbortError' });
  s.destroy();
  await assert.rejects(s.suggest('Thank you'), (e) => e instanceof DOMException && e.name === 'AbortError');
});

test('installPolyfill defines globalThis.LanguageDetector only where none exists', () => {
  assert.equal(globalThis.LanguageDetector, undefined);
  assert.equal(installPolyfill(), true);
  assert.equal(globalThis.LanguageDetector, LanguageDetector);
  assert.equal(typeof globalThis.QuotaExceededError, 'function', "Node has none: perch's is installed with it");
  assert.equal(installPolyfill(), false);
  delete globalThis.LanguageDetector;
  delete globalThis.QuotaExceededError;
  // A native one (here a stand-in) is never replaced.
  const native = class LanguageDetector {};
  globalThis.LanguageDetector = native;
  assert.equal(installPolyfill(), false);
  assert.equal(globalThis.LanguageDetector, native);
  delete globalThis.LanguageDetector;
});

test('an aborted signal stops create() with AbortError', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(LanguageDetector.create({ signal: ac.signal }), { name: 'AbortError' });
  await assert.rejects(TextSuggester.create({ signal: ac.signal }), { name: 'AbortError' });
});

test('TextSuggester learns from its user on the device: learn(), forget(), learn: false', async () => {
  const s = await TextSuggester.create();
  const has = (out) => out.some((r) => r.text === 'blax');
  assert.equal(has(await s.suggest('I like the Zor')), false);
  await s.learn('We use the Zorblax engine here. The Zorblax engine is fast.');
  assert.equal((await s.suggest('I like the Zor'))[0].text, 'blax');
  await s.forget();
  assert.equal(has(await s.suggest('I like the Zor')), false);
  await assert.rejects(s.learn(), InvalidInputError);
  s.destroy();
  const off = await TextSuggester.create({ learn: false });
  await off.learn('We use the Zorblax engine here. The Zorblax engine is fast.');
  assert.equal(has(await off.suggest('I like the Zor')), false);
  off.destroy();
});
