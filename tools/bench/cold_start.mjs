// Child process of gemm.bench.mjs: milliseconds from the start of importing an engine to the
// first 16x256x256 GEMM result in hand (module fetch/compile/instantiate included), printed as
// JSON. One fresh Node process per measurement, so nothing is cached in memory.
import { randomArray } from './results.mjs';

const name = process.argv[2];
const [m, k, n] = [16, 256, 256];
const w = randomArray(n * k, 1), x = randomArray(m * k, 2);  // input data is not part of the figure
const t0 = performance.now();
const { loadEngine } = await import('./gemm_engines.mjs');
const engine = await loadEngine(name, 1);
const c = await engine.createCase(m, k, n, w, x);
const y = await c.output();
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, check: y[0] }));
process.exit(0);
