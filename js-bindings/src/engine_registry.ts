// One engine per configuration, shared by every task and model that asks for the same one:
// the wasm module is instantiated once, each model is a handle inside it.
import type { Backend } from './backend.js';
import { Engine } from './engine.js';
import { getEnv, warnThreadsOffOnce, type WasmVariant } from './env.js';
import { NotSupportedError } from './errors.js';
import { markWhen } from './trace.js';
import { instantiateWasm } from './wasm_module.js';
import { wasmFiles, type WasmPaths } from './wasm_paths.js';
import { WorkerBackend } from './worker_client.js';

export interface EngineOptions {
  /** Threads per model session (counts the calling thread). Default min(4, ceil(cores/2)) where threads work, else 1; 1 for LanguageDetector (its calls take microseconds). */
  numThreads?: number;
  /**
   * Run inference in a dedicated Web Worker. Default: true in browsers, false in Node; false for
   * LanguageDetector everywhere (microseconds a call: cheaper on the calling thread than a message).
   */
  worker?: boolean;
  /**
   * Calls in one worker run one at a time: tasks on the same lane share a worker (and queue behind
   * each other), tasks on different lanes get their own. Default: a lane per task kind, so a
   * suggestion never delays a language detection.
   */
  lane?: string;
  /** Where the wasm builds are (a folder URL, or a map of file names to URLs). */
  wasmPaths?: WasmPaths;
  /** Force a build instead of the detected one (it must be supported here). */
  variant?: WasmVariant;
}

/** What a task kind uses when the caller does not say (see EngineOptions). */
export interface EngineDefaults {
  numThreads?: number;
  worker?: boolean;
  lane?: string;
}

const engines = new Map<string, Promise<Backend>>();

export function resolveEngineConfig(
  o: EngineOptions = {},
  defaults: EngineDefaults = {},
): { variant: WasmVariant; threads: number; worker: boolean; lane: string } {
  const env = getEnv();
  if (!env.webassembly) throw new NotSupportedError('this environment has no WebAssembly; use placement: "remote" with a serverUrl');
  const defaultThreads = defaults.numThreads ?? env.defaultThreads;
  const wanted = o.numThreads ?? defaultThreads;
  // One thread runs faster on the simd build (no shared-memory overhead).
  const variant = o.variant ?? (env.threads && wanted > 1 ? 'simd-threads' : env.simd ? 'simd' : 'baseline');
  if (variant === 'simd-threads' && !env.threads) {
    throw new NotSupportedError(`the simd-threads build cannot run here: ${env.threadsReason}`);
  }
  if (variant !== 'baseline' && !env.simd) throw new NotSupportedError('this engine has no WebAssembly SIMD; use variant: "baseline"');
  warnThreadsOffOnce(env);
  let threads = variant === 'simd-threads' ? (o.numThreads ?? env.defaultThreads) : 1;
  if (!Number.isInteger(threads) || threads < 1) throw new NotSupportedError(`numThreads must be a positive integer (got ${o.numThreads})`);
  threads = Math.min(threads, 16);
  // Main-thread wasm must not block: a threaded session on the calling thread runs in a worker.
  const worker = o.worker ?? (env.runtime === 'browser' && ((defaults.worker ?? true) || threads > 1));
  if (worker && typeof Worker !== 'function') {
    throw new NotSupportedError('worker: true needs Web Workers, which this environment lacks; pass worker: false');
  }
  if (o.lane !== undefined && typeof o.lane !== 'string') throw new NotSupportedError(`lane must be a string (got ${typeof o.lane})`);
  return { variant, threads, worker, lane: worker ? (o.lane ?? defaults.lane ?? 'default') : '' };
}

/**
 * The engine for these options: shared by every task and model asking for the same build,
 * threads, worker and lane. `defaults`: what the asking task kind uses where the options are silent.
 */
export function getEngine(o: EngineOptions = {}, defaults: EngineDefaults = {}): Promise<Backend> {
  const cfg = resolveEngineConfig(o, defaults);
  const paths = o.wasmPaths === undefined ? '' : JSON.stringify(o.wasmPaths instanceof URL ? o.wasmPaths.href : o.wasmPaths);
  const key = `${cfg.variant}/${cfg.threads}/${cfg.worker}/${cfg.lane}/${paths}`;
  let e = engines.get(key);
  if (!e) {
    const files = wasmFiles(cfg.variant, o.wasmPaths);
    const started: Promise<Backend> = cfg.worker
      ? WorkerBackend.start(cfg.variant, files, cfg.threads)
      : instantiateWasm(cfg.variant, files, cfg.threads).then((inst) => new Engine(inst));
    markWhen(started, 'engine-ready');
    engines.set(key, started);
    started.catch(() => engines.delete(key));
    e = started;
  }
  return e;
}

/** Disposes every shared engine (their models become unusable). Mainly for tests and page teardown. */
export async function disposeEngines(): Promise<void> {
  const all = [...engines.values()];
  engines.clear();
  for (const p of all) {
    try {
      (await p).dispose();
    } catch {
      /* it never started */
    }
  }
}
