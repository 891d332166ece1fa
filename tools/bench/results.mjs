// Shared by every tools/bench/*.bench.mjs: readable tables on stdout and one JSON line per figure
// appended to build/bench/results.jsonl ({bench, case, engine, threads, metric, value}).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const resultsPath = resolve(repoRoot, 'build/bench/results.jsonl');

// Build folders of the integrator's presets (make build); PERCH_BENCH_BUILD_PREFIX=build/me-
// points the benches at someone's own build folders (build/me-wasm-simd, build/me-native).
export function buildDir(preset) {
  return resolve(repoRoot, `${process.env.PERCH_BENCH_BUILD_PREFIX ?? 'build/'}${preset}`);
}

// records: [{bench, case, engine, threads, metric, value}, ...]
export function appendResults(records) {
  mkdirSync(dirname(resultsPath), { recursive: true });
  const time = new Date().toISOString();
  const lines = records.map((r) => JSON.stringify({ ...r, time })).join('\n');
  if (lines) appendFileSync(resultsPath, lines + '\n');
}

// Prints rows (arrays of cells) under headers, columns padded; numbers right-aligned.
export function printTable(title, headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '-' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r, header) =>
    r.map((c, i) => (!header && /^[-+]?[\d.]+[x%]?$/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(fmt(cells[0], true));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(fmt(r, false));
}

// Times fn (sync or async) robustly on a shared machine: warm up (JIT tier-up), then the best
// mean of short batches. Returns microseconds per call.
export async function timeIt(fn, { warmupMs = 300, batchMs = 2, batches = 40, maxMs = 4000 } = {}) {
  // Async engines are awaited per call; sync ones run in a plain loop (no microtask per call).
  const isAsync = fn() instanceof Promise;
  const call = isAsync ? fn : () => fn();
  const loop = isAsync
    ? async (k) => { for (let i = 0; i < k; ++i) await call(); }
    : (k) => { for (let i = 0; i < k; ++i) call(); };
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < warmupMs || n < 3) { await loop(1); ++n; }
  const per = (performance.now() - t0) / n;
  const iters = Math.max(1, Math.round(batchMs / per));
  let best = Infinity;
  const start = performance.now();
  for (let b = 0; b < batches && (b < 3 || performance.now() - start < maxMs); ++b) {
    const t = performance.now();
    await loop(iters);
    best = Math.min(best, (performance.now() - t) / iters);
  }
  return best * 1000;
}

// Deterministic data (mulberry32), uniform in [-1, 1).
export function randomArray(len, seed) {
  let a = seed >>> 0;
  const out = new Float32Array(len);
  for (let i = 0; i < len; ++i) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
