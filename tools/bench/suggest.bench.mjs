// Text suggestion, side by side in one Node run, on two sets of text never trained on:
//  - out-of-domain (tools/suggest/ood_sample.txt): 150 lines from whole sources held out of
//    training (FreedroidRPG dialogue, git's documentation), printed first;
//  - in-domain (tools/suggest/heldout_sample.txt): 150 lines from the held-out documents of
//    the training sources.
//  1. accuracy: perch (native CLI; the shipped model, and the previous model v1 from git
//     history when it is there), Debian's presage (n-gram predictor, its packaged English
//     database, online learning off) and a word bigram model trained on our training split
//     (tools/suggest/bigram.tsv.gz, tools/suggest/make_bigram.py) under one protocol (below):
//     next-word hit@1, hit@3 and keystroke savings rate (KSR);
//  2. perch's latency per keystroke, incremental (a typist typing the lines), natively and in
//     Node (wasm-simd, through the C ABI): p50 / p95;
//  3. per generated token: perch (wasm-simd) vs onnxruntime-web (wasm EP, 1 thread) running
//     the same model exported to ONNX by tools/convert/perch_to_onnx.py, KV cache as
//     inputs/outputs, one token at a past length of 32.
//
// The protocol (also in models/suggest/MODEL_CARD.md): a word is a maximal run of letters,
// digits, apostrophes and non-ASCII characters. The typist types each line character by
// character. Before each character of a word, the engine is asked for its top 3 completions of
// the current word given the text so far; when one of them is exactly the rest of the word,
// the typist accepts it with one keystroke and goes on after the word; otherwise types the
// character (one keystroke). Other characters (spaces, punctuation) are typed. KSR = 1 -
// keystrokes / characters. hit@k: at each word that follows a space, whether the word is among
// the first k predictions made there. perch and the bigram must match case exactly; presage,
// which predicts in lower case, is compared case-insensitively (in its favour). Every engine
// shows its top 3 at every keystroke: presage has no confidence threshold, so perch runs with
// its threshold off too (--threshold 0); a further row measures perch at the model's own
// threshold (the product default, which shows nothing rather than a weak guess).
//
// perch's builds: build/native and build/wasm-simd (make build), or PERCH_BENCH_BUILD_PREFIX.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';

import { appendResults, buildDir, printTable, repoRoot, timeIt } from './results.mjs';
import { ghostTuning, printGhostTuning } from './suggest_ghost_tuning.mjs';
import { learningGain, printLearningGain } from './suggest_learning.mjs';

const require = createRequire(import.meta.url);
const BENCH = 'suggest';
// SUGGEST_BENCH_LINES limits the lines of each set (default: all 150; each character is a
// query per engine).
const readLines = (rel) => readFileSync(resolve(repoRoot, rel), 'utf8').split('\n').filter(Boolean)
  .slice(0, Number(process.env.SUGGEST_BENCH_LINES ?? 150));
const ALL_SETS = [
  { name: 'out-of-domain', lines: readLines('tools/suggest/ood_sample.txt') },
  { name: 'in-domain', lines: readLines('tools/suggest/heldout_sample.txt') },
];
const LINES = ALL_SETS[1].lines;  // latency runs on the in-domain lines
// SUGGEST_BENCH_SETS=out-of-domain (or in-domain) measures accuracy on one set only.
const SETS = ALL_SETS.filter((s) => !process.env.SUGGEST_BENCH_SETS || process.env.SUGGEST_BENCH_SETS.split(',').includes(s.name));
const MODEL = process.env.SUGGEST_BENCH_MODEL ?? resolve(repoRoot, 'models/suggest/suggest.perch');
// The previous model (v1, shipped until corpus v2), read from git history for the comparison;
// SUGGEST_BENCH_V1_MODEL names a file instead. Skipped when neither is there (a shallow clone).
const V1_COMMIT = '8f13d144c9dc0deb36296236a205f4692686b0d3';
function v1Model() {
  if (process.env.SUGGEST_BENCH_V1_MODEL) return process.env.SUGGEST_BENCH_V1_MODEL;
  const out = resolve(repoRoot, 'build/bench/suggest_v1.perch');
  if (existsSync(out)) return out;
  try {
    const bytes = execFileSync('git', ['-C', repoRoot, 'show', `${V1_COMMIT}:models/suggest/suggest.perch`],
      { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
    mkdirSync(resolve(repoRoot, 'build/bench'), { recursive: true });
    writeFileSync(out, bytes);
    return out;
  } catch {
    console.log('perch v1 model not in git history here (shallow clone?): its rows are skipped');
    return null;
  }
}
const records = [];
const rec = (c, engine, metric, value, threads = 1) => records.push({ bench: BENCH, case: c, engine, threads, metric, value });

// ---- a JSON-lines child process: ask(obj) -> the parsed answer line ----
class LinePipe {
  constructor(cmd, args) {
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    createInterface({ input: this.proc.stdout }).on('line', (l) => this.waiting.shift()(JSON.parse(l)));
  }
  ask(obj) {
    return new Promise((res) => { this.waiting.push(res); this.proc.stdin.write(JSON.stringify(obj) + '\n'); });
  }
  close() { this.proc.stdin.end(); }
}

const isWordChar = (c) => /[A-Za-z0-9'\u0080-\uffff]/.test(c);

// ---- engines: complete(text) -> [{completion, full word}] best first ----
// threshold: 0 shows the top 3 at every keystroke, as presage does (the protocol); undefined
// keeps the model's own confidence threshold (what the product shows, fewer suggestions).
function perchNative(threshold, model = MODEL, label = '') {
  const exe = resolve(buildDir('native'), 'perch');
  if (!existsSync(exe)) throw new Error(`${exe} is missing: run make build (or set PERCH_BENCH_BUILD_PREFIX)`);
  const args = ['suggest', '--model', model, '--count', '3', '--max-words', '0', '--stats'];
  if (threshold !== undefined) args.push('--threshold', String(threshold));
  const pipe = new LinePipe(exe, args);
  const latencies = [];
  return {
    name: (threshold === undefined ? 'perch (native, model threshold)' : 'perch (native)') + label,
    latencies,
    async complete(text, partial) {
      const r = await pipe.ask({ text });
      latencies.push(r.us / 1000);
      return r.suggestions.map((s) => partial + s.text);
    },
    caseInsensitive: false,
    close: () => pipe.close(),
  };
}

function presage() {
  const exe = resolve(repoRoot, 'build/bench/presage_predict');
  mkdirSync(resolve(repoRoot, 'build/bench'), { recursive: true });
  if (!existsSync(exe)) {
    execFileSync('g++', ['-O2', '-std=c++17', resolve(repoRoot, 'tools/bench/presage_predict.cc'), '-lpresage', '-o', exe]);
  }
  const pipe = new LinePipe(exe, ['--count', '3']);
  return {
    name: 'presage (n-gram)',
    async complete(text) { return await pipe.ask({ text }); },
    caseInsensitive: true,
    close: () => pipe.close(),
  };
}

// The bigram baseline: the next words of the previous word (lower-cased; <s> at a sentence
// start) that begin with the typed part, by count, then the commonest words that do.
function bigram() {
  const rows = gunzipSync(readFileSync(resolve(repoRoot, 'tools/suggest/bigram.tsv.gz'))).toString('utf8').split('\n');
  const next = new Map();
  const unigrams = [];
  for (const row of rows) {
    if (!row) continue;
    const [ctx, word] = row.split('\t');
    if (ctx === '<unigram>') unigrams.push(word);
    else {
      if (!next.has(ctx)) next.set(ctx, []);
      next.get(ctx).push(word);
    }
  }
  return {
    name: 'bigram (our training text)',
    async complete(text, partial) {
      const before = text.slice(0, text.length - partial.length);
      const m = before.match(/([A-Za-z0-9'\u0080-\uffff]+)([^A-Za-z0-9'\u0080-\uffff]*)$/);
      const ctx = !m || /[.?!]/.test(m[2]) ? '<s>' : m[1].toLowerCase();
      const out = [];
      for (const list of [next.get(ctx) ?? [], unigrams]) {
        for (const w of list) {
          if (out.length === 3) return out;
          if (w.length > partial.length && w.startsWith(partial) && !out.includes(w)) out.push(w);
        }
      }
      return out;
    },
    caseInsensitive: false,
    close: () => {},
  };
}

// ---- the simulated typist ----
async function simulate(engine, lines) {
  let keystrokes = 0, chars = 0, hit1 = 0, hit3 = 0, predictions = 0;
  const norm = engine.caseInsensitive ? (s) => s.toLowerCase() : (s) => s;
  for (const line of lines) {
    chars += line.length;
    let i = 0;
    while (i < line.length) {
      if (!isWordChar(line[i])) { keystrokes++; i++; continue; }
      let wordStart = i;
      while (wordStart > 0 && isWordChar(line[wordStart - 1])) wordStart--;
      let wordEnd = i;
      while (wordEnd < line.length && isWordChar(line[wordEnd])) wordEnd++;
      const word = line.slice(wordStart, wordEnd);
      const partial = line.slice(wordStart, i);
      const words = (await engine.complete(line.slice(0, i), partial)).slice(0, 3);
      if (i === wordStart && i > 0 && line[i - 1] === ' ') {
        predictions++;
        if (words.length > 0 && norm(words[0]) === norm(word)) hit1++;
        if (words.some((w) => norm(w) === norm(word))) hit3++;
      }
      if (words.some((w) => norm(w) === norm(word))) { keystrokes++; i = wordEnd; } else { keystrokes++; i++; }
    }
  }
  return { ksr: 1 - keystrokes / chars, hit1: hit1 / predictions, hit3: hit3 / predictions, predictions, chars };
}

function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
}

// ---- perch in Node: the wasm-simd build through the C ABI ----
async function perchWasm() {
  const js = `${buildDir('wasm-simd')}/perch-simd.js`;
  if (!existsSync(js)) throw new Error(`${js} is missing: run make build (or set PERCH_BENCH_BUILD_PREFIX)`);
  const mod = await require(js)({ wasmBinary: readFileSync(js.replace(/\.js$/, '.wasm')) });
  const bytes = readFileSync(MODEL);
  const ptrs = mod._malloc(16);
  const mPtr = mod._malloc(bytes.length);
  mod.HEAPU8.set(bytes, mPtr);
  if (mod._perch_model_load(mPtr, bytes.length, ptrs) !== 0) throw new Error('perch: model load failed');
  mod._free(mPtr);
  const model = mod.HEAPU32[ptrs >> 2];
  if (mod._perch_text_suggester_create(model, 1, ptrs) !== 0) throw new Error('perch: suggester create failed');
  const sug = mod.HEAPU32[ptrs >> 2];
  const cap = 1 << 20;
  const textPtr = mod._malloc(cap);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  // What the JS API pays per keystroke: encode, suggest, decode and parse the JSON.
  const suggest = (text, count, maxWords) => {
    const { written } = enc.encodeInto(text, mod.HEAPU8.subarray(textPtr, textPtr + cap));
    if (mod._perch_text_suggester_suggest(sug, textPtr, written, count, maxWords, ptrs) !== 0) return [];
    const s = mod.HEAPU32[ptrs >> 2];
    let e = s;
    while (mod.HEAPU8[e] !== 0) ++e;
    return JSON.parse(dec.decode(mod.HEAPU8.subarray(s, e)));
  };
  // One generated token at a fixed past length, through a plain session.
  const session = () => {
    if (mod._perch_session_create(model, 1, ptrs) !== 0) throw new Error('perch: session create failed');
    return mod.HEAPU32[ptrs >> 2];
  };
  return { mod, model, suggest, session, ptrs };
}

async function perTokenPerch(w, past) {
  const { mod, ptrs } = w;
  const s = w.session();
  const name = (str) => {
    const b = new TextEncoder().encode(str + '\0');
    const p = mod._malloc(b.length);
    mod.HEAPU8.set(b, p);
    return p;
  };
  const tokName = name('tokens'), posName = name('positions');
  const dims = mod._malloc(8);
  const ids = mod._malloc(4 * (past + 1));
  const pos = mod._malloc(4 * (past + 1));
  for (let i = 0; i <= past; i++) { mod.HEAP32[(ids >> 2) + i] = 100 + i; mod.HEAP32[(pos >> 2) + i] = i; }
  const run = (offset, n) => {
    mod.HEAP32[dims >> 2] = n; mod.HEAP32[(dims >> 2) + 1] = 0;
    if (mod._perch_session_set_input(s, tokName, 2, dims, 1, ids + 4 * offset, 4 * n) !== 0) throw new Error('set_input');
    if (mod._perch_session_set_input(s, posName, 2, dims, 1, pos + 4 * offset, 4 * n) !== 0) throw new Error('set_input');
    if (mod._perch_session_run(s) !== 0) throw new Error('run');
  };
  run(0, past);  // prefill
  const us = await timeIt(() => { mod._perch_session_kv_truncate(s, past); run(past, 1); });
  mod._perch_session_free(s);
  return us;
}

async function perTokenOrt(onnxPath, past) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const sess = await ort.InferenceSession.create(readFileSync(onnxPath), { executionProviders: ['wasm'] });
  const feeds = {
    tokens: new ort.Tensor('int32', Int32Array.from([100 + past]), [1]),
    positions: new ort.Tensor('int32', Int32Array.from([past]), [1]),
  };
  // Every cache slot holds rows of the k projection's width.
  const buf = readFileSync(MODEL);
  const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8'));
  const width = header['blocks.0.k'].shape[0];
  for (const name of sess.inputNames) {
    if (!name.startsWith('past_')) continue;
    feeds[name] = new ort.Tensor('float32', new Float32Array(past * width).map((_, i) => Math.sin(i) * 0.1), [past, width]);
  }
  return await timeIt(() => sess.run(feeds));
}

// ---- main ----
// SUGGEST_BENCH_ENGINES (e.g. "perch,v1") runs some of the rows only: perch, v1, bigram,
// presage, threshold (perch at the model's own threshold). Default: all.
const only = process.env.SUGGEST_BENCH_ENGINES?.split(',');
const v1 = !only || only.includes('v1') ? v1Model() : null;
const engines = [
  ['perch', () => perchNative(0)],
  ...(v1 ? [['v1', () => perchNative(0, v1, ' v1')]] : []),
  ['bigram', bigram],
  ['presage', presage],
  ['threshold', () => perchNative(undefined)],
].filter(([key]) => !only || only.includes(key)).map(([, make]) => make);
const ksr = {};
for (const set of SETS) {
  const table = [];
  ksr[set.name] = {};
  for (const make of engines) {
    const e = make();
    const t0 = performance.now();
    const r = await simulate(e, set.lines);
    e.close();
    const secs = (performance.now() - t0) / 1000;
    table.push([e.name, (100 * r.hit1).toFixed(1) + '%', (100 * r.hit3).toFixed(1) + '%', (100 * r.ksr).toFixed(1) + '%', r.predictions, r.chars, secs.toFixed(0)]);
    rec(set.name, e.name, 'hit@1', r.hit1);
    rec(set.name, e.name, 'hit@3', r.hit3);
    rec(set.name, e.name, 'keystroke_savings', r.ksr);
    ksr[set.name][e.name] = r.ksr;
    if (e.latencies && e.name === 'perch (native)' && set.name === 'in-domain') {
      rec('keystroke count3 words0', e.name, 'p50_ms', percentile(e.latencies, 0.5));
      rec('keystroke count3 words0', e.name, 'p95_ms', percentile(e.latencies, 0.95));
    }
  }
  printTable(`Text suggestion, ${set.name}: ${set.lines.length} lines never trained on (top 3; protocol in tools/bench/suggest.bench.mjs)`,
    ['engine', 'hit@1', 'hit@3', 'keystroke savings', 'next-word predictions', 'characters', 's'], table);
  const k = ksr[set.name];
  const ratio = k['perch (native)'] / k['presage (n-gram)'];
  if (only) continue;  // the ratios need every row
  console.log(`${set.name} keystroke savings, perch / presage: ${ratio.toFixed(2)}x (target >= 1.7x); ` +
    `perch / bigram: ${(k['perch (native)'] / k['bigram (our training text)']).toFixed(2)}x` +
    (v1 ? `; perch / perch v1: ${(k['perch (native)'] / k['perch (native) v1']).toFixed(2)}x` : ''));
  rec(set.name, 'perch/presage', 'keystroke_savings_ratio', ratio);
  const ratioAtThreshold = k['perch (native, model threshold)'] / k['presage (n-gram)'];
  console.log(`  at the model's confidence threshold (fewer suggestions): ${ratioAtThreshold.toFixed(2)}x`);
  rec(set.name, 'perch model threshold/presage', 'keystroke_savings_ratio', ratioAtThreshold);
}

// SUGGEST_BENCH_ACCURACY_ONLY=1 stops here (no wasm build needed: evaluating a model).
if (process.env.SUGGEST_BENCH_ACCURACY_ONLY) {
  appendResults(records);
  process.exit(0);
}

// Latency per keystroke, product settings (count 3, max words 2), a typist on the first lines.
const LAT_LINES = Math.min(40, LINES.length);
const w = await perchWasm();
const lat = { wasm: [], native: [] };
for (const line of LINES.slice(0, LAT_LINES)) {
  for (let i = 1; i <= line.length; i++) {
    const text = line.slice(0, i);
    const t0 = performance.now();
    w.suggest(text, 3, 2);
    lat.wasm.push(performance.now() - t0);
  }
}
const nativePipe = new LinePipe(resolve(buildDir('native'), 'perch'), ['suggest', '--model', MODEL, '--count', '3', '--max-words', '2', '--stats']);
for (const line of LINES.slice(0, LAT_LINES)) {
  for (let i = 1; i <= line.length; i++) lat.native.push((await nativePipe.ask({ text: line.slice(0, i) })).us / 1000);
}
nativePipe.close();
const latRows = [];
for (const [engine, v] of [['perch (wasm-simd, Node)', lat.wasm], ['perch (native)', lat.native]]) {
  const p50 = percentile(v, 0.5), p95 = percentile(v, 0.95);
  latRows.push([engine, v.length, p50.toFixed(2), p95.toFixed(2), percentile(v, 0.99).toFixed(2)]);
  rec('keystroke count3 words2', engine, 'p50_ms', p50);
  rec('keystroke count3 words2', engine, 'p95_ms', p95);
}
printTable('Latency per keystroke, incremental (count 3, max words 2; targets wasm-simd p50 < 5 ms, p95 < 15 ms)',
  ['engine', 'keystrokes', 'p50 ms', 'p95 ms', 'p99 ms'], latRows);

// Per generated token: perch vs onnxruntime-web, same model, same Node run.
const onnxPath = resolve(repoRoot, 'build/bench/suggest.onnx');
execFileSync('/usr/bin/python3', [resolve(repoRoot, 'tools/convert/perch_to_onnx.py'), MODEL, onnxPath], { stdio: 'ignore' });
const PAST = 32;
const perchUs = await perTokenPerch(w, PAST);
const ortUs = await perTokenOrt(onnxPath, PAST);
printTable(`One generated token at past length ${PAST} (1 thread, wasm SIMD)`, ['engine', 'µs / token', 'vs perch'], [
  ['perch (wasm-simd)', perchUs.toFixed(0), '1.00x'],
  ['onnxruntime-web (wasm EP)', ortUs.toFixed(0), (ortUs / perchUs).toFixed(2) + 'x'],
]);
rec(`token past${PAST}`, 'perch (wasm-simd)', 'us_per_token', perchUs);
rec(`token past${PAST}`, 'onnxruntime-web (wasm)', 'us_per_token', ortUs);
rec(`token past${PAST}`, 'onnxruntime-web/perch', 'speedup', ortUs / perchUs);

// Ghost text (shown-rate and precision by show threshold) and learning from the user.
const ghost = await ghostTuning();
printGhostTuning(ghost);
for (const [c, g] of [['ghost all positions', ghost.model], ['ghost after a space', ghost.modelNext]]) {
  rec(c, `perch show_threshold ${g.t}`, 'shown_rate', g.shownRate);
  rec(c, `perch show_threshold ${g.t}`, 'precision', g.precision);
}
const learning = await learningGain();
printLearningGain(learning);
if (!learning.skipped) {
  rec('learning libpng manual', 'perch (no learning)', 'keystroke_savings', learning.none);
  rec('learning libpng manual', 'perch (learnt earlier text)', 'keystroke_savings', learning.learnt);
}
appendResults(records);
