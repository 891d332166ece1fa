// The Language Detector API's algorithms, point by point, on the real engine (wasm in Node): the
// result list, aborts and destroy(), the input quota, expectedInputLanguages, download progress
// events, and the interface's shape. (Browser-only rules, user activation, are in tests/browser.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LanguageDetector, PerchQuotaExceededError } from '../dist/index.js';
import { languageResultList } from '../dist/language_result_rule.js';
import { repoRoot, startFileServer } from './helpers.mjs';

const isAbortError = (e) => e instanceof DOMException && e.name === 'AbortError' && e.code === 20;
const TEXTS = [
  'Please write a sentence in English.',
  'Hello world!',
  'this string is in English',
  '',
  "Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc.",
  'tacosを食べる',
  '12345',
  'Dzień dobry, jak się masz?',
  'ok',
  'Ik woon in Amsterdam en werk in Utrecht.',
];

/** Every property the spec and the web-platform-tests ask of a detect() result. */
function checkResultList(out, what) {
  const und = out.at(-1);
  assert.equal(und.detectedLanguage, 'und', what);
  assert.ok(und.confidence > 0, what);
  const langs = out.slice(0, -1);
  let sum = 0;
  let last = 1;
  for (const { detectedLanguage, confidence } of langs) {
    assert.notEqual(detectedLanguage, 'und', what);
    assert.equal(new Intl.Locale(detectedLanguage).toString(), detectedLanguage, `${what}: ${detectedLanguage} canonical`);
    assert.ok(confidence > und.confidence, `${what}: ${detectedLanguage} ${confidence} above und ${und.confidence}`);
    assert.ok(confidence <= last, what);
    last = confidence;
    sum += confidence;
  }
  if (langs.length > 0) assert.ok(sum - langs.at(-1).confidence < 0.99, `${what}: listed past 0.99`);
  assert.equal(sum + und.confidence, 1, `${what}: sums to exactly 1`);
}

test('detect(): languages above the unknown score, descending, stopping at 0.99, und last, sum exactly 1', async () => {
  const d = await LanguageDetector.create();
  for (const text of TEXTS) checkResultList(await d.detect(text), JSON.stringify(text));
  assert.equal((await d.detect('The weather is lovely today, so we are going for a long walk in the park.'))[0].detectedLanguage, 'en');
  assert.equal((await d.detect('Guten Morgen, wie geht es dir heute?', { top: 1 })).length <= 2, true);
  d.destroy();
});

test('the result rule (JS until the engine applies it): cases, idempotence', () => {
  const r = (pairs) => pairs.map(([detectedLanguage, confidence]) => ({ detectedLanguage, confidence }));
  // Stops once 0.99 is reached; und gets the rest.
  assert.deepEqual(
    languageResultList(
      r([
        ['en', 0.995],
        ['fr', 0.004],
        ['de', 0.001],
      ]),
    ),
    r([
      ['en', 0.995],
      ['und', 1 - 0.995],
    ]),
  );
  // A language at or below what would be left for und is not listed; the longest prefix that works is.
  // en alone (0.45) would leave 0.55 to und; en, nl, de leave 0.05: that prefix is listed.
  const spread = [
    ['en', 0.45],
    ['nl', 0.35],
    ['de', 0.15],
    ['und', 0.05],
  ];
  assert.deepEqual(
    languageResultList(r(spread)).map((x) => x.detectedLanguage),
    ['en', 'nl', 'de', 'und'],
  );
  assert.deepEqual(
    languageResultList(
      r([
        ['en', 0.3],
        ['fr', 0.2],
        ['und', 0.5],
      ]),
    ),
    r([['und', 1]]),
  );
  // Below the model's own unknown score: not listed.
  assert.deepEqual(
    languageResultList(
      r([
        ['en', 0.6],
        ['fr', 0.1],
        ['und', 0.3],
      ]),
    ).map((x) => x.detectedLanguage),
    ['en', 'und'],
  );
  // A saturated softmax (1.0 in float32) still leaves und above 0, and the sum is exactly 1.
  const saturated = languageResultList(
    r([
      ['en', 1],
      ['fr', 0],
    ]),
  );
  assert.equal(saturated[0].detectedLanguage, 'en');
  assert.ok(saturated[1].confidence > 0);
  assert.equal(saturated[0].confidence + saturated[1].confidence, 1);
  // Labels come out canonical.
  assert.equal(languageResultList(r([['iw', 0.999]]))[0].detectedLanguage, 'he');
  for (const text of [
    [
      ['en', 0.7],
      ['fr', 0.2],
      ['de', 0.1],
    ],
    [
      ['en', 0.5],
      ['und', 0.5],
    ],
    [
      ['ja', 0.2],
      ['zh', 0.19],
    ],
  ]) {
    const once = languageResultList(r(text));
    assert.deepEqual(languageResultList(once), once, 'a list that follows the rule passes through unchanged');
  }
});

test("aborts: AbortError DOMException (code 20), or the signal's reason as is, for detect() and measureInputUsage()", async () => {
  const d = await LanguageDetector.create();
  for (const call of [(s) => d.detect('Hello world!', { signal: s }), (s) => d.measureInputUsage('Hello world!', { signal: s })]) {
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(call(pre.signal), isAbortError);
    const during = new AbortController();
    const p = call(during.signal);
    during.abort();
    await assert.rejects(p, isAbortError);
    const reason = new Error('mine');
    const custom = new AbortController();
    const q = call(custom.signal);
    custom.abort(reason);
    await assert.rejects(q, (e) => e === reason);
    await assert.rejects(call(custom.signal), (e) => e === reason);
    await assert.rejects(call({}), TypeError); // not an AbortSignal
  }
  // An aborted call leaves the detector usable.
  assert.ok((await d.detect('Hello world!')).length >= 1);
  assert.equal(await d.measureInputUsage('héllo'), 6); // UTF-8 bytes
  d.destroy();
});

test('destroy(): pending and later calls reject with an AbortError DOMException', async () => {
  const d = await LanguageDetector.create();
  const pending = [d.detect('Hello world!'), d.measureInputUsage('Hello world!')];
  d.destroy();
  d.destroy(); // twice is fine
  pending.push(d.detect('Hello world!'), d.measureInputUsage('Hello world!'));
  for (const p of pending) await assert.rejects(p, isAbortError);
});

test("create()'s signal, aborted later, destroys the detector: calls reject with its reason exactly", async () => {
  const ac = new AbortController();
  const d = await LanguageDetector.create({ signal: ac.signal });
  assert.ok((await d.detect('Hello world!')).length >= 1);
  const pending = [d.detect('Hello world!'), d.measureInputUsage('Hello world!')];
  const reason = new Error('The create abort signal was aborted.');
  ac.abort(reason);
  pending.push(d.detect('Hello world!'), d.measureInputUsage('Hello world!'));
  for (const p of pending) await assert.rejects(p, (e) => e === reason);
  // create() with an aborted signal, or aborted while loading: the reason, as is.
  await assert.rejects(LanguageDetector.create({ signal: ac.signal }), (e) => e === reason);
  const mid = new AbortController();
  const creating = LanguageDetector.create({ signal: mid.signal });
  mid.abort();
  await assert.rejects(creating, isAbortError);
});

test('over inputQuota: QuotaExceededError with requested and quota', async () => {
  const d = await LanguageDetector.create();
  assert.equal(d.inputQuota, 1 << 20);
  const text = 'é'.repeat(600_000); // 1.2 MB of UTF-8
  const usage = await d.measureInputUsage(text);
  assert.equal(usage, 1_200_000);
  await assert.rejects(
    d.detect(text),
    (e) =>
      e instanceof DOMException && e.name === 'QuotaExceededError' && e instanceof PerchQuotaExceededError && e.requested === usage && e.quota === d.inputQuota,
  );
  assert.equal((await d.detect('Guten Tag, wie geht es Ihnen?'))[0].detectedLanguage, 'de');
  d.destroy();
});

test('expectedInputLanguages: validated (RangeError), canonicalized, matched, deduplicated; [] is null', async () => {
  for (const bad of ['e', 'Latn', 'enLatnGBfonipa', '11', 'en_Latn', 'en-Lat', 'en-A999']) {
    await assert.rejects(LanguageDetector.create({ expectedInputLanguages: [bad] }), RangeError, bad);
    await assert.rejects(LanguageDetector.availability({ expectedInputLanguages: ['en', bad] }), RangeError, bad);
  }
  await assert.rejects(LanguageDetector.availability({ expectedInputLanguages: 'en' }), TypeError);
  const langs = async (expectedInputLanguages) => {
    const d = await LanguageDetector.create({ expectedInputLanguages });
    d.destroy();
    return d.expectedInputLanguages;
  };
  assert.equal(await langs([]), null);
  assert.equal(await langs(undefined), null);
  assert.deepEqual(await langs(['EN']), ['en']);
  assert.deepEqual(await langs(['en', 'es']), ['en', 'es']);
  assert.deepEqual(await langs(['EN-lATN-gb', 'en-GB', 'en-Latn-x-this-is-a-private-use-extensio-n', 'es-419']), ['en', 'es']);
  const frozen = await langs(['fr']);
  assert.ok(Object.isFrozen(frozen));
  assert.equal(await LanguageDetector.availability({ expectedInputLanguages: ['de-CH', 'fr'] }), 'available');
  // Klingon is a valid tag the model does not know.
  assert.equal(await LanguageDetector.availability({ expectedInputLanguages: ['en', 'tlh'] }), 'unavailable');
  await assert.rejects(LanguageDetector.create({ expectedInputLanguages: ['tlh'] }), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
});

test('downloadprogress: ProgressEvents, 0 first, 1/65536 steps rounded down, increasing, one 1 at the end', async () => {
  const bytes = new Uint8Array(readFileSync(join(repoRoot, 'models/langid/langid.perch')));
  const files = await startFileServer({ '/langid.perch': bytes });
  try {
    const events = [];
    let created = false;
    const monitor = (m) => {
      m.addEventListener('downloadprogress', (e) => {
        assert.equal(created, false);
        events.push(e);
      });
      m.ondownloadprogress = (e) => events.push(e);
    };
    const d = await LanguageDetector.create({ model: files.url('/langid.perch'), cache: false, monitor });
    created = true;
    const loaded = events.filter((_, i) => i % 2 === 0).map((e) => e.loaded);
    assert.deepEqual(
      events.filter((_, i) => i % 2 === 1).map((e) => e.loaded),
      loaded,
      'the handler attribute sees each event',
    );
    assert.ok(loaded.length >= 3, `a download in two chunks: ${loaded}`);
    assert.equal(loaded[0], 0);
    assert.equal(loaded.at(-1), 1);
    assert.equal(loaded.filter((x) => x === 1).length, 1);
    for (let i = 1; i < loaded.length; i++) assert.ok(loaded[i] > loaded[i - 1], String(loaded));
    for (const e of events) {
      assert.equal(e.type, 'downloadprogress');
      assert.equal(e.lengthComputable, true);
      assert.equal(e.total, 1);
      assert.equal(e.loaded % (1 / 0x10000), 0);
      assert.equal(Math.floor(e.loaded * 0x10000), e.loaded * 0x10000);
    }
    assert.equal(events.at(-1).bytesTotal, bytes.length);
    d.destroy();
    // A monitor that throws: create() rejects with that error, and no event fires.
    const error = new Error('CreateMonitorCallback threw an error');
    await assert.rejects(
      LanguageDetector.create({
        monitor: (m) => {
          m.addEventListener('downloadprogress', () => assert.fail());
          throw error;
        },
      }),
      (e) => e === error,
    );
    // Aborted right after the event at 0 or at 1: the reason, and no events after it.
    for (const at of [0, 1]) {
      const ac = new AbortController();
      const reason = new Error(`abort at ${at}`);
      const seen = [];
      const p = LanguageDetector.create({
        model: files.url('/langid.perch'),
        cache: false,
        signal: ac.signal,
        monitor: (m) =>
          m.addEventListener('downloadprogress', (e) => {
            seen.push(e.loaded);
            if (e.loaded === at) queueMicrotask(() => ac.abort(reason));
          }),
      });
      await assert.rejects(p, (e) => e === reason);
      assert.equal(seen.at(-1), at, String(seen));
    }
  } finally {
    await files.close();
  }
});

test('the interface: not constructible, getters on the prototype, no EventTarget in its chain', async () => {
  assert.throws(() => new LanguageDetector(), TypeError);
  assert.throws(() => LanguageDetector(), TypeError);
  assert.equal(LanguageDetector.length, 0);
  assert.equal(LanguageDetector.create.length, 0);
  assert.equal(LanguageDetector.prototype.detect.length, 1);
  for (const name of ['inputQuota', 'expectedInputLanguages']) {
    const desc = Object.getOwnPropertyDescriptor(LanguageDetector.prototype, name);
    assert.equal(typeof desc.get, 'function', name);
    assert.equal(desc.set, undefined, name);
    assert.equal(desc.enumerable, true, name);
    assert.throws(() => desc.get.call({}), TypeError);
  }
  assert.equal(Object.getPrototypeOf(LanguageDetector.prototype), Object.prototype);
  assert.equal(Object.prototype.toString.call(LanguageDetector.prototype), '[object LanguageDetector]');
  const d = await LanguageDetector.create();
  assert.equal(Object.getOwnPropertyDescriptor(d, 'inputQuota'), undefined);
  assert.equal(d instanceof EventTarget, false);
  assert.equal(typeof d.addEventListener, 'function', "perch's placementchange events still work");
  await assert.rejects(LanguageDetector.prototype.detect.call({}, 'x'), TypeError);
  d.destroy();
});
