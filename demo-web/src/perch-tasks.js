// The only file that talks to the perch package: creates the two tasks with the page's
// placement settings and reports download progress and where each model came from.
import * as perch from 'perch';

// What "simulate a weak device" tells the package's placement: no SIMD and little memory, the
// profile under which 'auto' placement must pick the server.
const WEAK_DEVICE = { simd: false, deviceMemory: 0.25 };

const KINDS = {
  suggest: () => perch.TextSuggester,
  langid: () => perch.LanguageDetector,
};

/**
 * @param {'suggest'|'langid'} kind
 * @param {{serverUrl: string, weakDevice: boolean,
 *          onProgress: (fraction: number, loaded?: number, total?: number) => void}} o
 * @returns {Promise<{task: any, source: 'cache'|'network'|'server', bytes?: number}>}
 */
export async function createTask(kind, { serverUrl, weakDevice, onProgress }) {
  let bytes;
  const task = await KINDS[kind]().create({
    // The page loads both tasks on arrival, its own models from its own origin: no click needed.
    requireUserActivation: false,
    placement: 'auto',
    serverUrl,
    // Suggestions on the page's own thread, one thread: a call takes ~2 ms, while a worker's answer
    // waits behind the keystroke's own event handling and rendering (make bench, typing trace:
    // p50 10.9 ms in a worker vs 2.2 ms here on a loaded 2-core machine). A bigger model belongs
    // in the worker (the package's default).
    ...(kind === 'suggest' ? { worker: false, numThreads: 1 } : {}),
    ...(weakDevice ? { device: WEAK_DEVICE } : {}),
    monitor(m) {
      m.addEventListener('downloadprogress', (e) => {
        if (e.bytesTotal) bytes = e.bytesTotal;
        onProgress(e.loaded, e.bytesLoaded, e.bytesTotal);
      });
    },
  });
  const source = task.placement.where === 'remote' ? 'server' : task.loadedFromCache ? 'cache' : 'network';
  return { task, source, bytes };
}

/**
 * The engine in use: the wasm build the package loaded and its threads (the suggester's, the
 * heavier task, when both run here), or, before any task runs on this device, what it would load.
 * Never starts an engine just to describe it.
 */
export async function engineInfo({ tasks }) {
  const env = perch.env;
  const info = {
    build: env.variant,
    loaded: false,
    threads: 1,
    threadsAvailable: env.threads,
    cores: env.hardwareConcurrency,
    threadsReason: env.threadsReason.startsWith('the page is not cross-origin isolated')
      ? 'page not cross-origin isolated' : env.threadsReason,
  };
  const local = [tasks.suggest, tasks.langid].find((t) => t?.placement.where === 'local' && t.engine);
  if (local) Object.assign(info, { build: local.engine.variant, threads: local.engine.threads, loaded: true });
  return info;
}
