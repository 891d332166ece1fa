// The GEMM engines gemm.bench.mjs compares, each behind the same small interface:
//   const e = await loadEngine(name, threads); const c = await e.createCase(m, k, n, wNK, x);
//   c.run() (sync or a Promise); await c.output() → Float32Array [m, n]; c.dispose().
// W is given as [N, K] (perch's dense layout); peers get the [K, N] transpose.
import { existsSync } from 'node:fs';
import { buildDir } from './results.mjs';
import { loadPerchGemm } from './perch_gemm.mjs';
import { matmulModel } from './onnx_matmul.mjs';

function transposeNK(wNK, n, k) {
  const out = new Float32Array(n * k);
  for (let j = 0; j < n; ++j) for (let p = 0; p < k; ++p) out[p * n + j] = wNK[j * k + p];
  return out;
}

// engine name → {variant | peer, int8}
export const ENGINES = {
  'perch-wasm-simd': { variant: 'simd' },
  'perch-wasm-simd-i8': { variant: 'simd', int8: true },
  'perch-wasm-simd-threads': { variant: 'simd-threads' },
  'perch-wasm-baseline': { variant: 'baseline' },
  'onnxruntime-web': { peer: 'ort' },
  'tfjs-wasm': { peer: 'tfjs' },
};

export function perchModulePath(variant) {
  return `${buildDir(`wasm-${variant}`)}/perch-gemm-bench.js`;
}

export function engineAvailable(name) {
  const e = ENGINES[name];
  return e.variant ? existsSync(perchModulePath(e.variant)) : true;
}

export async function loadEngine(name, threads) {
  const spec = ENGINES[name];
  if (spec.variant) {
    const p = await loadPerchGemm(buildDir(`wasm-${spec.variant}`));
    return {
      threads,
      createCase: (m, k, n, wNK, x) => {
        const c = p.createCase(m, k, n, wNK, x, { int8: spec.int8, threads });
        return { ...c, output: async () => { c.run(); return c.output(); } };
      },
    };
  }
  if (spec.peer === 'ort') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    return {
      threads,
      createCase: async (m, k, n, wNK, x) => {
        const session = await ort.InferenceSession.create(matmulModel(k, n, transposeNK(wNK, n, k)), {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
        });
        const feeds = { x: new ort.Tensor('float32', x, [m, k]) };
        return {
          run: () => session.run(feeds),
          output: async () => (await session.run(feeds)).y.data,
          dispose: () => session.release(),
        };
      },
    };
  }
  if (spec.peer === 'tfjs') {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (threads > 1) wasm.setThreadsCount(threads);
    await tf.setBackend('wasm');
    await tf.ready();
    const actual = threads > 1 && !(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 1 : threads;
    return {
      threads: actual,
      createCase: (m, k, n, wNK, x) => {
        const w = tf.tensor2d(transposeNK(wNK, n, k), [k, n]);
        const xt = tf.tensor2d(x, [m, k]);
        return {
          run: () => tf.matMul(xt, w).dispose(),
          output: async () => {
            const y = tf.matMul(xt, w);
            const d = y.dataSync().slice();
            y.dispose();
            return d;
          },
          dispose: () => { w.dispose(); xt.dispose(); },
        };
      },
    };
  }
  throw new Error(`unknown engine ${name}`);
}
