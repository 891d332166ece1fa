// Where the three wasm builds live. Each URL is a literal `new URL('…', import.meta.url)` so that
// bundlers (Vite, webpack, esbuild) find and emit the files; `wasmPaths` overrides them.
import type { WasmVariant } from './env.js';

export interface WasmFiles {
  /** Emscripten's JS glue (a classic script; CommonJS in Node). */
  glue: string;
  wasm: string;
  /** The pthread worker script (simd-threads only). */
  worker?: string;
}

/**
 * `wasmPaths`: a folder URL (ending in '/') holding perch-<variant>.js/.wasm/.worker.js, or a map
 * from those file names to URLs.
 */
export type WasmPaths = string | URL | Record<string, string>;

function bundled(variant: WasmVariant): WasmFiles {
  switch (variant) {
    case 'simd-threads':
      return {
        glue: new URL('./wasm/perch-simd-threads.js', import.meta.url).href,
        wasm: new URL('./wasm/perch-simd-threads.wasm', import.meta.url).href,
        worker: new URL('./wasm/perch-simd-threads.worker.js', import.meta.url).href,
      };
    case 'simd':
      return {
        glue: new URL('./wasm/perch-simd.js', import.meta.url).href,
        wasm: new URL('./wasm/perch-simd.wasm', import.meta.url).href,
      };
    case 'baseline':
      return {
        glue: new URL('./wasm/perch-baseline.js', import.meta.url).href,
        wasm: new URL('./wasm/perch-baseline.wasm', import.meta.url).href,
      };
  }
}

export function wasmFiles(variant: WasmVariant, paths?: WasmPaths): WasmFiles {
  const def = bundled(variant);
  if (paths === undefined) return def;
  const names = {
    glue: `perch-${variant}.js`,
    wasm: `perch-${variant}.wasm`,
    worker: `perch-${variant}.worker.js`,
  };
  if (typeof paths === 'string' || paths instanceof URL) {
    const base = String(paths).endsWith('/') ? String(paths) : `${String(paths)}/`;
    const abs = (n: string) => (typeof location === 'object' ? new URL(n, new URL(base, location.href)).href : new URL(n, base).href);
    return {
      glue: abs(names.glue),
      wasm: abs(names.wasm),
      worker: def.worker === undefined ? undefined : abs(names.worker),
    };
  }
  return {
    glue: paths[names.glue] ?? def.glue,
    wasm: paths[names.wasm] ?? def.wasm,
    worker: def.worker === undefined ? undefined : (paths[names.worker] ?? def.worker),
  };
}
