// The packed perch tarball, installed into a fresh Vite project, bundled, and run in headless
// Chromium: language detection and a suggestion, once cross-origin isolated (wasm threads on)
// and once not (threads off, still correct).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { serveStatic } from './static_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'perch-vite-'));
const app = join(work, 'app');
let browser;
let profile;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>perch in Vite</title></head>
<body><pre id="out">running…</pre><script type="module" src="/main.js"></script></body></html>`;

const MAIN = `import { IndexedDbStore, LanguageDetector, TextSuggester, cache, env, setModelStore } from 'perch';
if (location.search.includes('store=idb')) setModelStore(new IndexedDbStore());
const warnings = [];
const warn = console.warn;
console.warn = (...a) => { warnings.push(a.join(' ')); warn(...a); };
try {
  const progress = [];
  const availableBefore = await LanguageDetector.availability();
  const numThreads = Number(new URLSearchParams(location.search).get('threads')) || undefined;
  const detector = await LanguageDetector.create({
    numThreads,
    requireUserActivation: false, // loads on arrival; the user-activation rule has its own test
    monitor(m) { m.addEventListener('downloadprogress', (e) => progress.push(e.loaded)); },
  });
  const en = await detector.detect('The weather is lovely today, so we are going for a long walk in the park.');
  const fr = await detector.detect("Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc.");
  // Calls posted together are answered in order, each with its own result.
  const texts = ['Guten Morgen, wie geht es dir heute?', 'Buongiorno, come stai oggi?', 'Good morning, how are you today?'];
  const together = await Promise.all(texts.map((t) => detector.detect(t)));
  const oneByOne = [];
  for (const t of texts) oneByOne.push(await detector.detect(t));
  const suggester = await TextSuggester.create({ numThreads });
  const suggestions = await suggester.suggest('Thank you very much for', { count: 3, maxWords: 2 });
  // Both in flight: each answers, and says where its time went.
  const [overlapS, overlapD] = await Promise.all([suggester.suggest('I would like to'), detector.detect('I would like to')]);
  const timing = { suggest: suggester.lastCallTiming, detect: detector.lastCallTiming };
  // The models are cached in the background: stored before the page reloads.
  await cache.flush();
  window.__result = {
    env: { variant: env.variant, threads: env.threads, threadsReason: env.threadsReason, crossOriginIsolated: env.crossOriginIsolated, defaultThreads: env.defaultThreads },
    engine: detector.engine, suggesterEngine: suggester.engine, timing, overlap: [overlapS.length, overlapD[0].detectedLanguage],
    placement: detector.placement, progress, en, fr, suggestions, warnings,
    loadedFromCache: detector.loadedFromCache && suggester.loadedFromCache, together, oneByOne,
    availableBefore, availableAfter: await LanguageDetector.availability(),
  };
  detector.destroy();
  suggester.destroy();
} catch (e) {
  window.__error = String(e && e.stack || e);
}
document.getElementById('out').textContent = JSON.stringify(window.__result || window.__error, null, 1);
`;

// The polyfill in Chromium: any built-in LanguageDetector removed first, then the Language
// Detector API's browser-only rules: user activation before a download, ProgressEvents, the
// platform's QuotaExceededError, DOMException aborts.
const POLYFILL_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>perch polyfill</title></head>
<body><button id="go">detect</button><script type="module" src="/polyfill.js"></script></body></html>`;

const POLYFILL_MAIN = `import { cache, installPolyfill } from 'perch';
const out = {};
try {
  out.hadNative = 'LanguageDetector' in window;
  delete window.LanguageDetector;
  out.installed = installPolyfill();
  await cache.clear();
  out.before = await LanguageDetector.availability();
  out.activeBefore = navigator.userActivation.isActive;
  out.noActivation = await LanguageDetector.create().then(() => 'created', (e) => e.constructor.name + ' ' + e.name);
  const go = document.getElementById('go');
  const clicked = new Promise((r) => go.addEventListener('click', r, { once: true }));
  console.log('perch-polyfill: waiting for a click');
  await clicked;
  out.activeOnClick = navigator.userActivation.isActive;
  const events = [];
  const d = await LanguageDetector.create({ monitor(m) { m.addEventListener('downloadprogress', (e) => events.push(e)); } });
  out.progress = events.map((e) => [e instanceof ProgressEvent, e.lengthComputable, e.total, e.loaded]);
  out.after = await LanguageDetector.availability();
  out.fr = await d.detect("Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc.");
  out.quota = await d.detect('é'.repeat(600000)).catch((e) => [e instanceof QuotaExceededError, e.name, e.requested, e.quota]);
  const ac = new AbortController();
  const p = d.detect('Hello world', { signal: ac.signal });
  ac.abort();
  out.abort = await p.catch((e) => [e instanceof DOMException, e.name, e.code]);
  d.destroy();
  out.destroyed = await d.detect('x').catch((e) => [e instanceof DOMException, e.name]);
  // Available now: no activation needed any more (transient activation has been used up or not).
  out.secondCreate = await LanguageDetector.create().then((x) => { x.destroy(); return 'created'; }, (e) => e.name);
  out.nativeQuota = typeof QuotaExceededError === 'function';
} catch (e) {
  out.error = String(e && e.stack || e);
}
window.__polyfill = out;
console.log('perch-polyfill: done');
`;

before(async () => {
  // 1. Pack the package exactly as it would be published (its prepack builds dist/).
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--loglevel=error'], { cwd: join(repo, 'js-bindings'), stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
  // 2. A fresh project that installs it (no other dependency: works offline).
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'perch-vite-app', private: true, type: 'module' }));
  writeFileSync(join(app, 'index.html'), PAGE);
  writeFileSync(join(app, 'main.js'), MAIN);
  writeFileSync(join(app, 'polyfill.html'), POLYFILL_PAGE);
  writeFileSync(join(app, 'polyfill.js'), POLYFILL_MAIN);
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  // 3. Bundle it with Vite (this package's Vite, so the temp project needs no registry).
  await build({
    root: app, logLevel: 'warn',
    build: { outDir: join(app, 'dist'), target: 'es2022', rollupOptions: { input: [join(app, 'index.html'), join(app, 'polyfill.html')] } },
  });
  profile = mkdtempSync(join(tmpdir(), 'perch-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Loads the page twice (the second load must come from the model cache); returns both results. */
async function runPage(isolated, query = '') {
  const server = await serveStatic(join(app, 'dist'), { isolated });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    const results = [];
    for (let i = 0; i < 2; i++) {
      await page.goto(`${server.base}/index.html${query}`);
      await page.waitForFunction(() => window.__result || window.__error, null, { timeout: 120_000 });
      const error = await page.evaluate(() => window.__error);
      assert.equal(error, undefined, `page error: ${error}`);
      results.push(await page.evaluate(() => window.__result));
    }
    assert.deepEqual(errors, []);
    assert.equal(results[0].loadedFromCache, false, 'first load downloads the models');
    assert.equal(results[1].loadedFromCache, true, 'second load is served from the cache');
    assert.deepEqual(results.map((r) => [r.availableBefore, r.availableAfter]), [['downloadable', 'available'], ['available', 'available']]);
    assert.deepEqual(results[1].en, results[0].en);
    assert.equal(server.count('.perch'), 2, 'each model was fetched once');
    return results[1];
  } finally {
    await page.close();
    await server.close();
  }
}

function checkResults(r) {
  assert.equal(r.en[0].detectedLanguage, 'en', JSON.stringify(r.en.slice(0, 3)));
  assert.equal(r.fr[0].detectedLanguage, 'fr', JSON.stringify(r.fr.slice(0, 3)));
  assert.equal(r.en.at(-1).detectedLanguage, 'und');
  assert.ok(r.suggestions.length >= 1 && r.suggestions.length <= 3, JSON.stringify(r.suggestions));
  assert.ok(r.suggestions.every((s) => typeof s.text === 'string' && s.text.trim().length > 0));
  assert.equal(r.placement.where, 'local');
  assert.equal(r.suggesterEngine.inWorker, true, 'suggestions run in a Web Worker by default');
  // The detector takes microseconds a call: on the calling thread unless it asks for threads.
  assert.equal(r.engine.inWorker, r.engine.threads > 1, JSON.stringify(r.engine));
  assert.ok(r.overlap[0] >= 1, 'a suggestion in flight with a detection');
  assert.equal(r.overlap[1], 'en');
  for (const [task, t] of Object.entries(r.timing)) {
    assert.equal(t.where, 'local', task);
    for (const k of ['engineMs', 'queuedMs', 'toWorkerMs', 'fromWorkerMs', 'totalMs']) {
      assert.ok(Number.isFinite(t[k]) && t[k] >= 0, `${task} lastCallTiming.${k} = ${t[k]}`);
    }
  }
  if (!r.engine.inWorker) assert.deepEqual([r.timing.detect.toWorkerMs, r.timing.detect.fromWorkerMs], [0, 0], 'no messages on the calling thread');
  assert.equal(r.progress[0], 0);
  assert.equal(r.progress.at(-1), 1);
  assert.deepEqual(r.together, r.oneByOne);
  assert.deepEqual(r.together.map((x) => x[0].detectedLanguage), ['de', 'it', 'en']);
}

test('cross-origin isolated page: simd-threads build with threads, correct results', async () => {
  // Two threads whatever the machine (the default, min(4, ceil(cores/2)), is 1 on 2 cores).
  const r = await runPage(true, '?threads=2');
  assert.equal(r.env.crossOriginIsolated, true);
  assert.equal(r.env.threads, true, r.env.threadsReason);
  assert.equal(r.env.variant, r.env.defaultThreads > 1 ? 'simd-threads' : 'simd');
  assert.equal(r.engine.variant, 'simd-threads');
  assert.equal(r.engine.threads, 2);
  checkResults(r);
  assert.ok(!r.warnings.some((w) => /single-threaded/.test(w)));
});

test('page without COOP/COEP: threads off with a warning that says why, results still correct (IndexedDB cache)', async () => {
  const r = await runPage(false, '?store=idb');
  assert.equal(r.env.crossOriginIsolated, false);
  assert.equal(r.env.threads, false);
  assert.equal(r.env.variant, 'simd');
  assert.match(r.env.threadsReason, /cross-origin isolated/);
  assert.equal(r.engine.variant, 'simd');
  assert.equal(r.engine.threads, 1);
  assert.equal(r.warnings.filter((w) => /perch: running single-threaded/.test(w)).length, 1);
  checkResults(r);
});

test('installPolyfill() in Chromium (built-in removed): user activation before the download, then the spec\'s events and errors', async () => {
  const server = await serveStatic(join(app, 'dist'), { isolated: false });
  const page = await browser.newPage();
  try {
    // The page says where it is on its console. Polling it with page.evaluate() or
    // waitForFunction() would not do: DevTools evaluations count as user gestures in Chromium,
    // so a poll landing before create() would give the page the activation under test.
    const said = (text) => page.waitForEvent('console', { predicate: (m) => m.text().startsWith(text), timeout: 120_000 });
    const waiting = said('perch-polyfill: waiting');
    waiting.catch(() => {}); // not said when the page fails first
    const done = said('perch-polyfill: done');
    await page.goto(`${server.base}/polyfill.html`);
    const first = await Promise.race([waiting.then(() => 'waiting'), done.then(() => 'done')]);
    if (first === 'waiting') await page.click('#go');
    await done;
    const r = await page.evaluate(() => window.__polyfill);
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.installed, true);
    assert.equal(r.before, 'downloadable');
    assert.equal(r.activeBefore, false, 'no user activation before the click');
    assert.equal(r.noActivation, 'DOMException NotAllowedError', 'a download without user activation is refused');
    assert.equal(r.activeOnClick, true);
    assert.ok(r.progress.length >= 2, JSON.stringify(r.progress));
    assert.deepEqual(r.progress[0], [true, true, 1, 0]);
    assert.deepEqual(r.progress.at(-1), [true, true, 1, 1]);
    assert.ok(r.progress.every(([isProgressEvent, computable, total, loaded]) => isProgressEvent && computable && total === 1 &&
      loaded * 65536 === Math.floor(loaded * 65536)));
    assert.equal(r.progress.filter((e) => e[3] === 1).length, 1);
    assert.equal(r.after, 'available');
    assert.equal(r.fr[0].detectedLanguage, 'fr');
    assert.equal(r.fr.reduce((s, x) => s + x.confidence, 0), 1);
    assert.deepEqual(r.quota, [true, 'QuotaExceededError', 1_200_000, 1 << 20]);
    assert.equal(r.nativeQuota, true, 'Chromium has QuotaExceededError: perch uses it');
    assert.deepEqual(r.abort, [true, 'AbortError', 20]);
    assert.deepEqual(r.destroyed, [true, 'AbortError']);
    assert.equal(r.secondCreate, 'created', 'once available, create() needs no activation');
  } finally {
    await page.close();
    await server.close();
  }
});
