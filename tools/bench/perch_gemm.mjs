// Loads a perch-gemm-bench wasm module (built by tools/bench/bench.cmake) and wraps its exports
// as a GEMM engine for gemm.bench.mjs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function loadPerchGemm(buildDir) {
  const js = `${buildDir}/perch-gemm-bench.js`;
  const factory = require(js);
  // Debian's emscripten 3.1.6 loader cannot fetch a file path under Node: hand it the bytes.
  const mod = await factory({ wasmBinary: readFileSync(js.replace(/\.js$/, '.wasm')) });
  return {
    mod,
    // W is [n, k] row-major (dense layout); returns a closure-based case object.
    createCase(m, k, n, w, x, { int8 = false, threads = 1 } = {}) {
      const wPtr = mod._malloc(w.length * 4);
      mod.HEAPF32.set(w, wPtr >> 2);
      const dense = mod._gemm_bench_create(wPtr, n, k, int8 ? 1 : 0);
      mod._free(wPtr);
      if (!dense) throw new Error(`perch: pack failed for ${m}x${k}x${n}`);
      const pool = mod._gemm_bench_pool_create(threads);
      const xPtr = mod._malloc(x.length * 4);
      const yPtr = mod._malloc(m * n * 4);
      mod.HEAPF32.set(x, xPtr >> 2);
      return {
        threads: mod._gemm_bench_pool_threads(pool),
        run() { mod._gemm_bench_run(dense, xPtr, m, yPtr, pool, 1); },
        output() { return mod.HEAPF32.slice(yPtr >> 2, (yPtr >> 2) + m * n); },
        dispose() {
          mod._gemm_bench_destroy(dense);
          mod._gemm_bench_pool_destroy(pool);
          mod._free(xPtr);
          mod._free(yPtr);
        },
      };
    },
  };
}
