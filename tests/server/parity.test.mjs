// Parity: for 300 texts per task, perch-server's answers equal the wasm engine's in Node (the
// js-bindings package, placement 'local', the same model files): same languages and suggestions
// in the same order, confidences within 1e-4 (before rounding; see TOL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, shippedTaskModels, startServer, postJson } from './server_process.mjs';
import { detectionTexts, suggestionTexts } from './parity_texts.mjs';

const N = 300;
const BATCH = 16;
// Underlying confidences within 1e-4. The tasks print them rounded to 4 decimals, which can move
// each side by up to 0.5e-4, so printed values may be up to 2e-4 apart (the epsilon absorbs the
// binary representation of the decimal steps).
const TOL = 2e-4 + 1e-12;
const dist = join(root, 'js-bindings', 'dist', 'index.js');
let server;
let perch;
let models;

before(async () => {
  assert.ok(existsSync(dist), `${dist} is missing: the JS package is built by make test's test-js step`);
  perch = await import(dist);
  models = shippedTaskModels();
  assert.ok(models.languageDetection && models.textSuggestion, 'both shipped models must be in models/');
  server = await startServer(['--models', join(root, 'models'), '--threads', '2', '--max-batch', String(BATCH),
    '--max-text-bytes', '65536']);
});
after(async () => { await server?.stop(); });

async function serverAnswers(route, texts, params) {
  const answers = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    const r = await postJson(`${server.url}${route}`, { texts: texts.slice(i, i + BATCH), ...params });
    assert.equal(r.status, 200, r.text);
    answers.push(...r.body);
  }
  return answers;
}

let tieSwaps = 0;
// Same answers in the same order, confidences within TOL. Two answers whose confidences are
// within TOL of each other (a tie to 4 decimals) may come in either order: that is all float
// rounding between the wasm and native builds can change.
function compare(local, remote, key, what) {
  assert.equal(remote.length, local.length, `${what}: ${JSON.stringify(local)} vs ${JSON.stringify(remote)}`);
  for (let j = 0; j < local.length; j++) {
    const l = local[j];
    const r = remote[j];
    assert.ok(Math.abs(l.confidence - r.confidence) <= TOL,
      `${what}: #${j} confidence wasm ${l.confidence} (${l[key]}) vs server ${r.confidence} (${r[key]})`);
    if (l[key] === r[key]) continue;
    const same = remote.find((x) => x[key] === l[key]);
    const tie = Math.abs(l.confidence - r.confidence) <= TOL && (!same || Math.abs(same.confidence - l.confidence) <= TOL);
    assert.ok(tie, `${what}: #${j} wasm ${JSON.stringify(l)} vs server ${JSON.stringify(r)}`);
    tieSwaps++;
  }
}

test(`language detection: ${N} texts, server == wasm`, async (t) => {
  const texts = detectionTexts(N);
  const detector = await perch.LanguageDetector.create({
    placement: 'local', cache: false, model: new Uint8Array(readFileSync(models.languageDetection.path)),
  });
  t.diagnostic(`wasm placement: ${JSON.stringify(detector.placement)}`);
  const top = 5;
  // The JS API applies the Language Detector API's result rule to every language's score (until
  // the engine applies it itself): the server's full lists, through the same rule.
  const { languageResultList } = await import(join(root, 'js-bindings', 'dist', 'language_result_rule.js'));
  const remote = (await serverAnswers('/v1/language:detect', texts, { top: 1000 })).map((r) => languageResultList(r, top));
  let nonTrivial = 0;
  for (let i = 0; i < texts.length; i++) {
    const local = await detector.detect(texts[i], { top });
    compare(local, remote[i], 'detectedLanguage', `text #${i} ${JSON.stringify(texts[i].slice(0, 60))}`);
    if (local.length > 1) nonTrivial++;
  }
  detector.destroy();
  t.diagnostic(`answers swapped within a tie: ${tieSwaps}`);
  assert.ok(nonTrivial > N / 2, 'most texts must have a detected language, not only und');
});

test(`text suggestion: ${N} texts, server == wasm`, async (t) => {
  const texts = suggestionTexts(N);
  const suggester = await perch.TextSuggester.create({
    placement: 'local', cache: false, model: new Uint8Array(readFileSync(models.textSuggestion.path)),
  });
  const params = { count: 3, maxWords: 2 };
  const remote = await serverAnswers('/v1/text:suggest', texts, params);
  let withSuggestions = 0;
  for (let i = 0; i < texts.length; i++) {
    const local = await suggester.suggest(texts[i], params);
    compare(local, remote[i], 'text', `text #${i} ${JSON.stringify(texts[i])}`);
    if (local.length > 0) withSuggestions++;
  }
  suggester.destroy();
  t.diagnostic(`answers swapped within a tie (both tasks): ${tieSwaps}`);
  assert.ok(withSuggestions > N / 2, `most prefixes must get suggestions (${withSuggestions}/${N})`);
});
