// Feature detection: which wasm build this environment can run, how many threads to use, and
// why threads are off when they are. The result is readable as `perch.env`.

export type WasmVariant = 'simd-threads' | 'simd' | 'baseline';

export interface PerchEnv {
  /** 'node', 'browser' (window), 'worker' (a Web Worker) or 'other'. */
  runtime: 'node' | 'browser' | 'worker' | 'other';
  webassembly: boolean;
  simd: boolean;
  /** Threads can be used: shared memory works, atomics validate and (browsers) the page is crossOriginIsolated. */
  threads: boolean;
  /** Why threads are off ('' when on). */
  threadsReason: string;
  crossOriginIsolated: boolean;
  /** The wasm build loaded by default: simd-threads when threads work and the default is over 1 thread. */
  variant: WasmVariant;
  hardwareConcurrency: number;
  /** Threads a session uses by default: min(4, ceil(cores / 2)), 1 without threads. */
  defaultThreads: number;
  /** navigator.deviceMemory in GiB where the browser tells (Chromium), else undefined. */
  deviceMemory: number | undefined;
  /** Why models are not being cached ('' when they are). */
  cacheReason: string;
  /** URLs of models loaded without a manifest SHA-256, so whose bytes nothing checked. */
  unverifiedModels: string[];
}

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
// (memory 1 1 shared) (func i32.const 0 i32.atomic.load drop)
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11,
]);

type GlobalLike = typeof globalThis & {
  process?: { versions?: { node?: string } };
  window?: unknown;
  WorkerGlobalScope?: unknown;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; deviceMemory?: number };
};

export function detectRuntime(): PerchEnv['runtime'] {
  const g = globalThis as GlobalLike;
  if (typeof g.process?.versions?.node === 'string') return 'node';
  if (typeof g.window === 'object') return 'browser';
  if (typeof g.WorkerGlobalScope !== 'undefined') return 'worker';
  return 'other';
}

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

export function detectSimd(): boolean {
  return validates(SIMD_PROBE);
}

/** '' when threads work, else the reason they do not. */
export function detectThreadsReason(runtime: PerchEnv['runtime']): string {
  const g = globalThis as GlobalLike;
  if (typeof SharedArrayBuffer !== 'function') {
    return runtime === 'node'
      ? 'SharedArrayBuffer is missing'
      : 'SharedArrayBuffer is missing: the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (runtime !== 'node' && g.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp to enable threads';
  }
  // Shared memory must survive a postMessage (browsers refuse it outside isolation). Node always
  // allows it, and its MessageChannel costs a few ms of internal module loading at import.
  if (runtime !== 'node' && !canPostSharedMemory()) return 'SharedArrayBuffer cannot be posted to another thread';
  if (!validates(THREADS_PROBE)) return 'this WebAssembly engine has no atomics / shared memory';
  return '';
}

function canPostSharedMemory(): boolean {
  try {
    const channel = new MessageChannel();
    channel.port1.postMessage(new SharedArrayBuffer(1));
    channel.port1.close();
    channel.port2.close();
    return true;
  } catch {
    return false;
  }
}

export function defaultThreadCount(cores: number): number {
  return Math.max(1, Math.min(4, Math.ceil(cores / 2)));
}

function hardwareConcurrency(runtime: PerchEnv['runtime']): number {
  const g = globalThis as GlobalLike;
  const n = g.navigator?.hardwareConcurrency;
  if (typeof n === 'number' && n > 0) return n;
  if (runtime === 'node') {
    // Node 20 has no navigator; process.getBuiltinModule (20.16+) reads os synchronously.
    const gbm = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const os = gbm?.('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
    const n2 = os?.availableParallelism?.() ?? os?.cpus?.().length;
    if (typeof n2 === 'number' && n2 > 0) return n2;
  }
  return 1;
}

export function detectEnv(): PerchEnv {
  const runtime = detectRuntime();
  const g = globalThis as GlobalLike;
  const webassembly = typeof WebAssembly === 'object';
  const simd = webassembly && detectSimd();
  const threadsReason = !simd ? 'threads need the SIMD build, and this engine has no WebAssembly SIMD' : detectThreadsReason(runtime);
  const threads = threadsReason === '';
  const cores = hardwareConcurrency(runtime);
  const defaultThreads = threads ? defaultThreadCount(cores) : 1;
  const dm = g.navigator?.deviceMemory;
  return {
    runtime,
    webassembly,
    simd,
    threads,
    threadsReason,
    crossOriginIsolated: runtime === 'node' ? true : g.crossOriginIsolated === true,
    variant: threads && defaultThreads > 1 ? 'simd-threads' : simd ? 'simd' : 'baseline',
    hardwareConcurrency: cores,
    defaultThreads,
    deviceMemory: typeof dm === 'number' ? dm : undefined,
    cacheReason: '',
    unverifiedModels: [],
  };
}

let warnedThreadsOff = false;
/** Says once, on the console, that threads are off and why (only where isolation is the cause). */
export function warnThreadsOffOnce(env: PerchEnv): void {
  if (warnedThreadsOff || env.threads || env.runtime === 'node' || !env.simd) return;
  warnedThreadsOff = true;
  console.warn(`perch: running single-threaded because ${env.threadsReason}`);
}

/** The live environment object (`perch.env`); detection runs once, on first use. */
let current: PerchEnv | undefined;
export function getEnv(): PerchEnv {
  current ??= detectEnv();
  return current;
}
