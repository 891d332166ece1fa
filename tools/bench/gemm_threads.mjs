// Why does perch's wasm GEMM scale (or not) from 1 to 2 threads? For one wasm-simd-threads build
// folder, times each shape on 1 and 2 threads in alternating rounds and prints per call: wall
// time, CPU time of all this process's threads, and the time they sat runnable waiting for a
// CPU (Linux /proc/self/task/*/schedstat: a large wait means other processes hold the cores, and
// no thread pool can fix that). Built with -DPERCH_POOL_PROFILE (e.g. CMAKE_CXX_FLAGS), the pool
// also reports per thread: time inside chunks, chunks taken, and the lag from a job's publication
// to the thread's first chunk (worker wake-up).
//   node tools/bench/gemm_threads.mjs BUILD_DIR [--shapes 256x1024x1024,64x512x512] [--rounds 3] [--calls 10] [--int8]
// Not part of make bench (a diagnosis tool, not a figure).
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPerchGemm } from './perch_gemm.mjs';
import { randomArray } from './results.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args.splice(i, 2)[1];
};
const shapes = opt('--shapes', '256x1024x1024,64x512x512').split(',').map((s) => s.split('x').map(Number));
const rounds = Number(opt('--rounds', 3));
const calls = Number(opt('--calls', 10));
const int8 = args.includes('--int8');
if (int8) args.splice(args.indexOf('--int8'), 1);
if (args.length !== 1) {
  console.error('usage: node tools/bench/gemm_threads.mjs BUILD_DIR [--shapes MxKxN,...] [--rounds N] [--calls N] [--int8]');
  process.exit(2);
}

// [run µs, runqueue-wait µs] summed over this process's threads.
function schedstat() {
  let run = 0, wait = 0;
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const [a, b] = readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ').map(Number);
      run += a;
      wait += b;
    } catch { /* the thread exited */ }
  }
  return [run / 1e3, wait / 1e3];
}

const p = await loadPerchGemm(resolve(args[0]));
const profiled = typeof p.mod._gemm_bench_profile === 'function';
const prof = p.mod._malloc(34 * 8);
const profile = () => {
  p.mod._gemm_bench_profile(prof);
  return new Float64Array(p.mod.HEAPF64.buffer, prof, 34).slice();
};

for (const [m, k, n] of shapes) {
  const w = randomArray(n * k, 1), x = randomArray(m * k, 2);
  const cases = [1, 2].map((threads) => p.createCase(m, k, n, w, x, { threads, int8 }));
  for (let i = 0; i < 5; ++i) for (const c of cases) c.run();
  console.log(`\n${m}x${k}x${n}${int8 ? ' int8 weights' : ''}: per call, mean of ${calls}`);
  for (let r = 0; r < rounds; ++r) {
    for (const [i, c] of cases.entries()) {
      if (profiled) profile();
      const [run0, wait0] = schedstat();
      const t0 = performance.now();
      for (let j = 0; j < calls; ++j) c.run();
      const wall = ((performance.now() - t0) * 1000) / calls;
      const [run1, wait1] = schedstat();
      let line = `  ${i + 1} thread(s): wall ${wall.toFixed(0)} us, cpu ${((run1 - run0) / calls).toFixed(0)} us, ` +
        `waiting for a cpu ${((wait1 - wait0) / calls).toFixed(0)} us`;
      if (profiled && i > 0) {
        const o = profile(), jobs = Math.max(1, o[33]);
        for (let t = 0; t < 2; ++t)
          line += ` | thread ${t}: busy ${(o[t] / jobs).toFixed(0)} us, ${(o[8 + t] / jobs).toFixed(1)} chunks, ` +
            `start lag ${(o[16 + t] / Math.max(1, o[24 + t])).toFixed(0)} us`;
      }
      console.log(line);
    }
  }
  for (const c of cases) c.dispose();
}
process.exit(0);
