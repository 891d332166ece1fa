// Child process of gemm.bench.mjs: times one engine at one thread count on every shape (a fresh
// process per engine keeps their threads, memory and JIT state apart). Prints one JSON line per
// shape: {case, us, threads, maxerr, other_cpu} where maxerr compares sampled outputs with a
// float64 dot and other_cpu is how many cores other processes kept busy while this one was timed
// (a 2-thread figure taken while another process holds a core says little about the engine).
import { readFileSync } from 'node:fs';
import { loadEngine } from './gemm_engines.mjs';
import { randomArray, timeIt } from './results.mjs';

// Busy CPU ticks of the whole machine and of this process (Linux /proc; null elsewhere).
const TICKS_PER_S = 100;  // USER_HZ
function cpuTicks() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
    const machine = cpu.reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);  // fields from 3 on
    return { machine, self: f[11] + f[12] };  // utime + stime
  } catch {
    return null;
  }
}

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
  const before = cpuTicks();
  const t0 = performance.now();
  const us = await timeIt(() => c.run());
  const after = cpuTicks(), seconds = (performance.now() - t0) / 1000;
  const otherCpu = before && after
    ? Math.max(0, (after.machine - before.machine - (after.self - before.self)) / TICKS_PER_S / seconds) : null;
  c.dispose();
  console.log(JSON.stringify({ case: `${m}x${k}x${n}`, us, threads: engine.threads, maxerr,
    other_cpu: otherCpu === null ? null : +otherCpu.toFixed(2) }));
}
process.exit(0);
