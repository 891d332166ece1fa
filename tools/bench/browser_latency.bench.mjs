// Latency where users are: the perch package in Debian's headless Chromium (playwright-core), on
// pages served with COOP/COEP by the real perch-server on loopback, beside the Node figures.
//   (a) a plain page: back-to-back detect() / suggest() over typing-like prefixes, and a detect()
//       issued while a suggest() is in flight;
//   (b) a typing trace: real key events (page.keyboard, 60 ms a key) into the demo's compose box,
//       ghost text, language badge and latency meters (demo-web/src), calls as the demo makes them;
//   (c) cold start: navigation → first language result, fresh profile (a just-launched browser),
//       warm cache, and a first visit in a browser already running (a new context: nothing cached);
//       simd and simd-threads builds; and Node, import → first result, one fresh process per figure.
// Per call: end to end as the caller sees it, and perch's breakdown (task.lastCallTiming): engine
// time in the worker, queued behind other calls, page → worker and worker → page messages (the
// latter includes the page's main thread being busy), and the caller's await resuming after perch
// had the result. (a) and (b) compare engine layouts (browser/configs.js), interleaved in every
// round. Figures are percentiles and ratios to the targets, never pass/fail: this machine
// is shared and loaded, so each round is repeated and the spread between rounds is printed.
//
// PERCH_BENCH_ROUNDS (default 3), PERCH_BENCH_PARTS=abc (which parts), PERCH_BENCH_CONFIGS.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { appendResults, buildDir, printTable, repoRoot } from './results.mjs';
import { CONFIGS } from './browser/configs.js';

const BENCH = 'browser';
const ROUNDS = Number(process.env.PERCH_BENCH_ROUNDS ?? 3);
const PARTS = process.env.PERCH_BENCH_PARTS ?? 'abc';
const configs = (process.env.PERCH_BENCH_CONFIGS ?? CONFIGS.join(',')).split(',');
const site = resolve(repoRoot, 'build/bench/browser-site');
const serverBin = resolve(buildDir('native'), 'perch-server');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-blink-features=ComputePressure'];
const TYPED = [
  'I would like to book a table for two people tomorrow evening.',
  'Bonjour, je voudrais réserver une table pour deux personnes.',
  'Thank you very much for your help with the project.',
];
const KEY_DELAY_MS = 60;

if (!existsSync(serverBin)) throw new Error(`${serverBin} is missing: run make build-native`);

// ---- the site: the demo build (page, styles, the package under perch/) plus the bench pages ----
function preloadHints(variant) {
  return `
<link rel="modulepreload" href="./perch/index.js">
<link rel="preload" href="./perch/wasm/perch-${variant}.js" as="script">
<link rel="preload" href="./perch/wasm/perch-${variant}.wasm" as="fetch" crossorigin>
<link rel="preload" href="./perch/models/langid.perch" as="fetch" crossorigin>`;
}

function buildSite() {
  execFileSync(process.execPath, [resolve(repoRoot, 'demo-web/build.mjs')], {
    env: { ...process.env, PERCH_DEMO_OUT: site }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const { buildSync } = createRequire(resolve(repoRoot, 'demo-web/package.json'))('esbuild');
  for (const name of ['calls', 'typing', 'cold']) {
    buildSync({ entryPoints: [resolve(repoRoot, `tools/bench/browser/${name}.js`)], bundle: true, format: 'esm',
      external: ['perch'], outfile: join(site, `bench-${name}.js`), logLevel: 'warning', target: 'es2022' });
  }
  const plain = (name, head = '') => `<!doctype html><html><head><meta charset="utf-8"><title>perch bench</title>${head}
<script type="importmap">{ "imports": { "perch": "./perch/index.js" } }</script>
<script type="module" src="./bench-${name}.js"></script></head><body><textarea></textarea></body></html>`;
  writeFileSync(join(site, 'calls.html'), plain('calls'));
  writeFileSync(join(site, 'cold.html'), plain('cold'));
  // The same page with the preload hints js-bindings/README.md recommends: the package, the wasm
  // build and the model are requested while the HTML is parsed, not after the module graph ran.
  for (const variant of ['simd', 'simd-threads']) writeFileSync(join(site, `cold-hints-${variant}.html`), plain('cold', preloadHints(variant)));
  writeFileSync(join(site, 'typing.html'), readFileSync(join(site, 'index.html'), 'utf8').replace('./app.js', './bench-typing.js'));
}

async function startServer() {
  const child = spawn(serverBin, ['--models', resolve(repoRoot, 'models'), '--static', site, '--port', '0',
    '--host', '127.0.0.1', '--access-log', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`perch-server did not start: ${output}`)), 60_000);
    const onData = (d) => {
      output += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`perch-server exited (${code}): ${output}`)); });
  });
  return { child, url };
}

// ---- statistics ----
function quantile(xs, q) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}
const p50 = (xs) => quantile(xs, 0.5);
const p95 = (xs) => quantile(xs, 0.95);
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
function shuffled(xs, seed) {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const records = [];
const figures = {};  // "part/config/task/metric" → value, for the targets table
function note(part, config, task, metric, value) {
  figures[`${part}/${config}/${task}/${metric}`] = value;
  records.push({ bench: BENCH, case: `${part}/${task}`, engine: `perch ${config}`, threads: 0, metric, value });
}

/** Rows of per-call figures for calls grouped by config and task; rounds: per-round p50 spread. */
function callTable(part, title, byConfig) {
  const rows = [];
  for (const [config, rounds] of Object.entries(byConfig)) {
    for (const task of ['langid', 'suggest']) {
      const calls = rounds.flat().filter((c) => c.task === task);
      if (calls.length === 0) continue;
      const col = (k) => calls.map((c) => c[k]);
      const roundP50 = rounds.map((r) => p50(r.filter((c) => c.task === task).map((c) => c.e2e))).filter(Number.isFinite);
      const excess = calls.map((c) => c.e2e - c.engine);
      rows.push([config, task, calls.length, fmt(p50(col('e2e'))), fmt(p95(col('e2e'))),
        `${fmt(Math.min(...roundP50))}-${fmt(Math.max(...roundP50))}`,
        fmt(p50(col('engine')), 3), fmt(p50(col('queued')), 3), fmt(p95(col('queued')), 3), fmt(p50(col('toWorker')), 3),
        fmt(p50(col('fromWorker')), 3), fmt(p50(col('callback')), 3), fmt(p50(excess), 3), fmt(p95(excess), 3)]);
      note(part, config, task, 'e2e_p50_ms', p50(col('e2e')));
      note(part, config, task, 'e2e_p95_ms', p95(col('e2e')));
      note(part, config, task, 'engine_p50_ms', p50(col('engine')));
      note(part, config, task, 'queued_p50_ms', p50(col('queued')));
      note(part, config, task, 'to_worker_p50_ms', p50(col('toWorker')));
      note(part, config, task, 'from_worker_p50_ms', p50(col('fromWorker')));
      note(part, config, task, 'callback_p50_ms', p50(col('callback')));
      note(part, config, task, 'over_engine_p50_ms', p50(excess));
      note(part, config, task, 'over_engine_p95_ms', p95(excess));
    }
  }
  printTable(title, ['layout', 'task', 'calls', 'e2e p50', 'e2e p95', 'round p50s', 'engine p50', 'queued p50', 'queued p95',
    'to worker p50', 'from worker p50', 'await p50', 'e2e-engine p50', 'e2e-engine p95'], rows);
}

async function waitFor(page, expr, timeout) {
  await page.waitForFunction(expr, undefined, { timeout, polling: 100 });
  return page.evaluate(expr);
}

// ---- (a) plain page and (b) typing trace ----
async function callsParts(baseUrl) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const plain = Object.fromEntries(configs.map((c) => [c, []]));
  const overlap = Object.fromEntries(configs.map((c) => [c, []]));
  const typing = Object.fromEntries(configs.map((c) => [c, []]));
  try {
    const context = await browser.newContext();
    for (let round = 0; round < ROUNDS; round++) {
      for (const config of shuffled(configs, round + 1)) {
        if (PARTS.includes('a')) {
          const page = await context.newPage();
          await page.goto(`${baseUrl}/calls.html?config=${config}`);
          const r = await waitFor(page, () => window.__bench, 600_000);
          if (r.error) throw new Error(`calls page (${config}): ${r.error}`);
          if (round === 0) console.log(`browser bench: ${config}: langid ${JSON.stringify(r.engines.langid)}, suggest ${JSON.stringify(r.engines.suggest)}`);
          plain[config].push(r.calls.filter((c) => c.phase !== 'overlap'));
          overlap[config].push(r.calls.filter((c) => c.phase === 'overlap'));
          await page.close();
        }
        if (PARTS.includes('b')) {
          const page = await context.newPage();
          await page.goto(`${baseUrl}/typing.html?config=${config}`);
          await page.waitForSelector('body[data-ready]', { timeout: 600_000 });
          const box = page.locator('#compose');
          for (const sentence of TYPED) {
            await box.fill('');
            await box.focus();
            await page.keyboard.type(sentence, { delay: KEY_DELAY_MS });
            await page.waitForTimeout(300);
          }
          const err = await page.evaluate(() => window.__error);
          if (err) throw new Error(`typing page (${config}): ${err}`);
          typing[config].push(await page.evaluate(() => window.__calls));
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
  if (PARTS.includes('a')) {
    callTable('a', `(a) plain page, back-to-back calls over typing prefixes (ms; ${ROUNDS} rounds)`, plain);
    callTable('a-overlap', '(a) a detect() issued while a suggest() is in flight (ms)', overlap);
  }
  if (PARTS.includes('b')) callTable('b', `(b) typing trace, ${KEY_DELAY_MS} ms a key, demo drawing (ms; ${ROUNDS} rounds)`, typing);
}

// ---- (c) cold start ----
/** Visits `file` in a just-launched browser with a fresh profile, once per entry of `profiles`. */
async function freshProfileVisits(baseUrl, variant, file, profiles, results, log) {
  const dir = mkdtempSync(join(tmpdir(), 'perch-bench-profile-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    for (const profile of profiles) {
      await page.goto(`${baseUrl}/${file}.html?variant=${variant}`);
      const r = await waitFor(page, () => window.__cold, 120_000);
      if (r.error) throw new Error(`cold page (${variant}): ${r.error}`);
      (results[`${variant}/${profile}`] ??= []).push(r);
      if (log && profile === 'fresh profile') {
        console.log(`browser bench: cold ${variant}: engine ${JSON.stringify(r.engine)}; resources (start-end ms): ` +
          r.resources.map((e) => `${e.name.split('/').pop()} ${fmt(e.start, 0)}-${fmt(e.end, 0)}`).join(', '));
      }
    }
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function coldPart(baseUrl) {
  const results = {};  // "variant/profile" → [{moduleMs, createdMs, firstMs}]
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of shuffled(['simd', 'simd-threads'], round + 7)) {
      await freshProfileVisits(baseUrl, variant, 'cold', ['fresh profile', 'warm cache', 'warm cache'], results, round === 0);
      await freshProfileVisits(baseUrl, variant, `cold-hints-${variant}`, ['fresh profile, preload hints'], results, false);
    }
  }
  // A first visit with the browser already running: a new (incognito) context of a browser that
  // has finished starting, so nothing is cached and storage is empty, but the browser's own
  // start-up (which a freshly launched profile's first navigation shares the 2 cores with) is over.
  const running = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const warmup = await running.newPage();
    await warmup.goto(`${baseUrl}/cold.html?variant=simd`);
    await waitFor(warmup, () => window.__cold, 120_000);
    await warmup.close();
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of shuffled(['simd', 'simd-threads'], round + 11)) {
        for (const [file, profile] of [['cold', 'first visit, browser running'], [`cold-hints-${variant}`, 'first visit, running, preload hints']]) {
          const context = await running.newContext(); // one per page: nothing cached
          try {
            const page = await context.newPage();
            await page.goto(`${baseUrl}/${file}.html?variant=${variant}`);
            const r = await waitFor(page, () => window.__cold, 120_000);
            if (r.error) throw new Error(`cold page (${variant}): ${r.error}`);
            (results[`${variant}/${profile}`] ??= []).push(r);
          } finally {
            await context.close();
          }
        }
      }
    }
  } finally {
    await running.close();
  }
  const rows = [];
  for (const [key, rs] of Object.entries(results)) {
    const [variant, profile] = key.split('/');
    const first = rs.map((r) => r.firstMs);
    rows.push([variant, profile, rs.length, fmt(p50(rs.map((r) => r.moduleMs)), 1), fmt(p50(rs.map((r) => r.createdMs)), 1),
      fmt(p50(first), 1), `${fmt(Math.min(...first), 0)}-${fmt(Math.max(...first), 0)}`]);
    note('c', variant, profile, 'first_result_p50_ms', p50(first));
  }
  // Node: import → first result, one process each (the bench's own process is not reused).
  const index = resolve(repoRoot, 'js-bindings/dist/index.js');
  const node = {};
  for (let round = 0; round < Math.max(ROUNDS, 5); round++) {
    for (const variant of shuffled(['simd', 'simd-threads'], round + 3)) {
      const out = execFileSync(process.execPath, [resolve(repoRoot, 'tools/bench/browser/node_cold.mjs'), index, variant], { encoding: 'utf8' });
      (node[variant] ??= []).push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
  for (const [variant, rs] of Object.entries(node)) {
    results[`${variant}/Node`] = rs.map((r) => ({ ...r, moduleMs: r.importMs, createdMs: r.importMs + r.createMs }));
    const first = rs.map((r) => r.firstMs);
    rows.push([variant, 'Node: import → result', rs.length, fmt(p50(rs.map((r) => r.importMs)), 1), fmt(p50(rs.map((r) => r.importMs + r.createMs)), 1),
      fmt(p50(first), 1), `${fmt(Math.min(...first), 0)}-${fmt(Math.max(...first), 0)}`]);
    note('c', variant, 'node', 'first_result_p50_ms', p50(first));
  }
  printTable(`(c) cold start, ms since navigation (Node: since import) (${ROUNDS} rounds; Node ${Math.max(ROUNDS, 5)})`,
    ['build', 'case', 'runs', 'module ran p50', 'created p50', 'first result p50', 'range'], rows);
  coldBreakdown(results);
}

// Where a page's cold start went: each step's p50 in ms since navigation (resources: when the
// response ended; perch:* marks: trace.ts; the worker's own steps are inside "engine ready").
const COLD_STEPS = [
  ['page', (r) => r.htmlMs],
  ['bench js', (r) => resourceEnd(r, /bench-cold\.js$/)],
  ['perch js', (r) => resourceEnd(r, /perch\/index\.js$/)],
  ['module ran', (r) => r.moduleMs],
  ['availability', (r) => r.marks?.availability],
  ['wasm fetched', (r) => resourceEnd(r, /\.wasm$/)],
  ['glue', (r) => r.marks?.['glue-loaded']],
  ['compiled', (r) => r.marks?.['wasm-compiled']],
  ['engine ready', (r) => r.marks?.['engine-ready']],
  ['model downloaded', (r) => r.marks?.['model-downloaded']],
  ['model fetched', (r) => r.marks?.['model-fetched']],
  ['model parsed', (r) => r.marks?.['model-parsed']],
  ['model loaded', (r) => r.marks?.['model-loaded']],
  ['created', (r) => r.createdMs],
  ['first result', (r) => r.firstMs],
];
function resourceEnd(r, re) {
  const e = r.resources?.find((x) => re.test(x.name));
  return e ? e.end : NaN;
}
function coldBreakdown(results) {
  const rows = Object.entries(results).map(([key, rs]) => [key, ...COLD_STEPS.map(([, get]) => fmt(p50(rs.map(get)), 0))]);
  printTable('(c) cold start breakdown: p50 ms since navigation at the end of each step (- : not seen)', ['build/case', ...COLD_STEPS.map(([n]) => n)], rows);
}

// ---- the acceptance figures as ratios (figure / target; ≤ 1 meets it) ----
function targetsTable() {
  const targets = [
    ['b/default/suggest/e2e_p50_ms', 3, 'typing: suggestion e2e p50'],
    ['b/default/suggest/e2e_p95_ms', 10, 'typing: suggestion e2e p95'],
    ['b/default/langid/e2e_p50_ms', 1, 'typing: language e2e p50'],
    ['a/default/langid/e2e_p50_ms', 0.3, 'plain: detect p50'],
    ['a-overlap/default/langid/over_engine_p50_ms', 0.5, 'plain: detect during suggest, e2e - engine p50'],
    ['c/simd/fresh profile/first_result_p50_ms', 200, 'cold: fresh profile (simd)'],
    ['c/simd/fresh profile, preload hints/first_result_p50_ms', 200, 'cold: fresh profile, page with preload hints (simd)'],
    ['c/simd/first visit, browser running/first_result_p50_ms', 200, 'cold: first visit, browser running (simd)'],
    ['c/simd/first visit, running, preload hints/first_result_p50_ms', 200, 'cold: first visit, running, preload hints (simd)'],
    ['c/simd/warm cache/first_result_p50_ms', 100, 'cold: warm cache (simd)'],
    ['c/simd-threads/node/first_result_p50_ms', 50, 'cold: Node simd-threads'],
  ];
  const rows = targets.filter(([k]) => k in figures).map(([k, target, what]) => [what, fmt(figures[k]), target, `${fmt(figures[k] / target)}x`]);
  printTable('Targets (issue 16; ratio = figure / target, at most 1x meets it; a loaded machine reads high)', ['figure', 'ms', 'target ms', 'ratio'], rows);
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`browser bench: load average ${load} on ${(await import('node:os')).cpus().length} cores — figures on a loaded machine read high`);
buildSite();
const { child: server, url } = await startServer();
try {
  if (PARTS.includes('a') || PARTS.includes('b')) await callsParts(url);
  if (PARTS.includes('c')) await coldPart(url);
} finally {
  server.kill('SIGTERM');
}
targetsTable();
appendResults(records);
