// Child process of gemm.bench.mjs: times one engine at one thread count on every shape (a fresh
// process per engine keeps their threads, memory and JIT state apart). Prints one JSON line per
// shape: {case, us, threads, maxerr} where maxerr compares sampled outputs with a float64 dot.
import { loadEngine } from './gemm_engines.mjs';
import { randomArray, timeIt } from './results.mjs';

const [name, threadsArg, shapesArg] = process.argv.slice(2);
const shapes = JSON.parse(shapesArg);
const engine = await loadEngine(name, Number(threadsArg));
for (const [m, k, n] of shapes) {
  const wNK = randomArray(n * k, 1000 + k * 7 + n);
  const x = randomArray(m * k, 2000 + m * 13 + k);
  const c = await engine.createCase(m, k, n, wNK, x);
  const y = await c.output();
  let maxerr = 0;
  for (let s = 0; s < 64; ++s) {
    const i = (s * 7919) % m, j = (s * 104729) % n;
    let ref = 0;
    for (let p = 0; p < k; ++p) ref += x[i * k + p] * wNK[j * k + p];
    maxerr = Math.max(maxerr, Math.abs(y[i * n + j] - ref));
  }
  const us = await timeIt(() => c.run());
  c.dispose();
  console.log(JSON.stringify({ case: `${m}x${k}x${n}`, us, threads: engine.threads, maxerr }));
}
process.exit(0);
