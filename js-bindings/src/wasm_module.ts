// Instantiating one of the Emscripten builds ourselves: we fetch (or read) and compile the .wasm
// bytes — streaming where the browser can — and hand the compiled module to the glue through
// `instantiateWasm`, since Debian's Emscripten 3.1.6 loader cannot fetch a file path in Node 20.
import { WasmLoadError } from './errors.js';
import type { WasmVariant } from './env.js';
import { nodeImport } from './node_import.js';
import { markWhen } from './trace.js';
import type { WasmFiles } from './wasm_paths.js';

type WasmFn = (...args: number[]) => number;

/** A pthread's Web Worker (browsers) or worker_threads Worker (Node), as Emscripten keeps it. */
interface PThreadWorker {
  loaded?: boolean;
  on?(event: string, listener: (data: unknown) => void): void;
  off?(event: string, listener: (data: unknown) => void): void;
  addEventListener?(event: string, listener: (e: unknown) => void): void;
  removeEventListener?(event: string, listener: (e: unknown) => void): void;
  ref?(): void;
  unref?(): void;
  terminate?(): void;
}

interface PThreadApi {
  unusedWorkers: PThreadWorker[];
  runningWorkers: PThreadWorker[];
  allocateUnusedWorker(): void;
  loadWasmModuleToWorker(w: PThreadWorker, onFinishedLoading?: () => void): void;
  terminateAllThreads(): void;
}

/** The instantiated module: exported C functions as `_name`, plus what we captured. */
export interface EmModule {
  [name: string]: unknown;
  PThread?: PThreadApi;
}

export interface WasmInstance {
  variant: WasmVariant;
  threads: number;
  module: EmModule;
  memory: WebAssembly.Memory;
  fn(name: string): WasmFn;
  has(name: string): boolean;
  /** Starts loading pthread workers until `n` are idle, so that a session's threads get loaded ones (does not wait). */
  reserveThreads(n: number): void;
  /**
   * Resolves once every worker running a thread has loaded the module (true), or one failed to
   * (false). A session's pool joins its threads when freed: joining one whose worker never
   * loaded would block this thread, which must handle the worker's "loaded" message first.
   */
  threadsReady(): Promise<boolean>;
  /** threadsReady() as it stands now: every worker running a thread has loaded. */
  threadsReadyNow(): boolean;
  /** Lets Node exit while pthread workers are idle. */
  unrefWorkers(): void;
  terminate(): void;
}

type Factory = (moduleArg: Record<string, unknown>) => Promise<EmModule>;

const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** Resolves true once `w` has loaded the module, false if it failed to (an error before its "loaded" message). */
function whenLoaded(w: PThreadWorker): Promise<boolean> {
  if (w.loaded) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const onMessage = (e: unknown) => {
      const data = (isNode ? e : (e as { data?: unknown }).data) as { cmd?: unknown } | undefined;
      if (data?.cmd === 'loaded') done(true);
    };
    const onError = () => done(false);
    const done = (ok: boolean) => {
      if (isNode) {
        w.off?.('message', onMessage);
        w.off?.('error', onError);
        w.unref?.(); // idle workers never keep Node running
      } else {
        w.removeEventListener?.('message', onMessage);
        w.removeEventListener?.('error', onError);
      }
      resolve(ok);
    };
    if (isNode) {
      w.ref?.(); // Node must not exit while this waits for the worker
      w.on?.('message', onMessage);
      w.on?.('error', onError);
    } else {
      w.addEventListener?.('message', onMessage);
      w.addEventListener?.('error', onError);
    }
  });
}

async function loadGlue(url: string): Promise<Factory> {
  if (isNode) {
    const { createRequire } = await nodeImport<typeof import('node:module')>('node:module');
    const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
    const require = createRequire(import.meta.url);
    const path = url.startsWith('file:') ? fileURLToPath(url) : url;
    try {
      return require(path) as Factory;
    } catch (e) {
      throw new WasmLoadError(`could not load the wasm glue ${path}: ${(e as Error).message}; is the package built (npm run build)?`, { cause: e });
    }
  }
  const g = globalThis as { importScripts?: (u: string) => void; createPerchModule?: Factory; document?: unknown };
  if (typeof g.importScripts === 'function' && typeof g.document === 'undefined') {
    try {
      g.importScripts(url);
      if (typeof g.createPerchModule === 'function') return g.createPerchModule;
    } catch {
      /* a module worker: fall through to fetch + evaluate */
    }
  }
  if (typeof g.document === 'object' && g.document !== null) {
    try {
      return await loadScriptElement(url);
    } catch {
      /* refused (CSP, Trusted Types, CORP): fall through to fetch + evaluate */
    }
  }
  let text: string;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await res.text();
  } catch (e) {
    throw new WasmLoadError(`could not fetch the wasm glue ${url}: ${(e as Error).message}; serve the package's dist/wasm files or set the wasmPaths option`, {
      cause: e,
    });
  }
  // The glue is a classic script defining `createPerchModule`.
  return new Function(`${text}\n;return createPerchModule;`)() as Factory;
}

/**
 * The glue on a page's main thread, as a <script>: allowed wherever the page may load its own
 * scripts (no CSP 'unsafe-eval'). Its global is read in the script's load event, which follows
 * its execution at once, before any other script can redefine it.
 */
function loadScriptElement(url: string): Promise<Factory> {
  return new Promise<Factory>((resolve, reject) => {
    const doc = (globalThis as unknown as { document: Document }).document;
    const script = doc.createElement('script');
    script.onload = () => {
      script.remove();
      const f = (globalThis as { createPerchModule?: Factory }).createPerchModule;
      if (typeof f === 'function') resolve(f);
      else reject(new Error(`${url} defined no createPerchModule`));
    };
    script.onerror = () => {
      script.remove();
      reject(new Error(`could not load ${url}`));
    };
    script.src = url;
    (doc.head ?? doc.documentElement).appendChild(script);
  });
}

async function compileWasm(url: string): Promise<WebAssembly.Module> {
  try {
    if (isNode && !/^https?:/.test(url)) {
      const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
      const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
      const bytes = await fs.readFile(url.startsWith('file:') ? fileURLToPath(url) : url);
      return await WebAssembly.compile(bytes);
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('content-type')?.startsWith('application/wasm')) {
      return await WebAssembly.compileStreaming(res);
    }
    return await WebAssembly.compile(await res.arrayBuffer());
  } catch (e) {
    throw new WasmLoadError(`could not load ${url}: ${(e as Error).message}; serve the package's dist/wasm files (or set the wasmPaths option)`, { cause: e });
  }
}

const glues = new Map<string, Promise<Factory>>();

/** A build's glue, loaded once per page or process (a factory makes any number of instances). */
function loadGlueOnce(url: string): Promise<Factory> {
  let p = glues.get(url);
  if (!p) {
    p = loadGlue(url);
    markWhen(p, 'glue-loaded');
    glues.set(url, p);
    p.catch(() => glues.delete(url));
  }
  return p;
}

const compiledModules = new Map<string, Promise<WebAssembly.Module>>();

/**
 * The compiled module of a .wasm URL, compiled once per page or process: every engine of that
 * build instantiates it, and workers get it in a message instead of compiling their own.
 */
export function compileWasmOnce(url: string): Promise<WebAssembly.Module> {
  let p = compiledModules.get(url);
  if (!p) {
    p = compileWasm(url);
    markWhen(p, 'wasm-compiled');
    compiledModules.set(url, p);
    p.catch(() => compiledModules.delete(url));
  }
  return p;
}

/**
 * Instantiates a build. `compiled`: its module when the caller has it or is compiling it (null:
 * compile here after all).
 */
export async function instantiateWasm(
  variant: WasmVariant,
  files: WasmFiles,
  threads: number,
  compiledModule?: Promise<WebAssembly.Module | null>,
): Promise<WasmInstance> {
  const module_ = compiledModule ? compiledModule.then((m) => m ?? compileWasmOnce(files.wasm)) : compileWasmOnce(files.wasm);
  const [factory, compiled] = await Promise.all([loadGlueOnce(files.glue), module_]);
  let memory: WebAssembly.Memory | undefined;
  let mainScript: string = files.glue;
  if (isNode && files.glue.startsWith('file:')) {
    const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
    mainScript = fileURLToPath(files.glue);
  }
  let workerScript = files.worker;
  if (isNode && workerScript?.startsWith('file:')) {
    const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
    workerScript = fileURLToPath(workerScript);
  } else if (workerScript?.startsWith('data:')) {
    // Bundlers inline small assets (Vite: under 4 KiB) as data: URLs. A data: worker has an opaque
    // origin and may not importScripts() the glue; a blob: URL keeps this page's origin.
    const blob = await (await fetch(workerScript)).blob();
    workerScript = URL.createObjectURL(new Blob([blob], { type: 'text/javascript' }));
  }
  let module: EmModule;
  // Emscripten's factory promise never settles when instantiateWasm fails: race it with our own
  // rejection so create() fails (and placement can fall back to the server) instead of hanging.
  let failInstantiate: (e: unknown) => void = () => {};
  const instantiateFailed = new Promise<never>((_, reject) => {
    failInstantiate = reject;
  });
  try {
    module = await Promise.race([
      instantiateFailed,
      factory({
        // No workers yet: Engine.load() starts loading them for the models that split their
        // work (reserveThreads); a language detector's jobs never split, so it needs none.
        perchPoolSize: 0,
        mainScriptUrlOrBlob: mainScript,
        locateFile: (name: string) => (name.endsWith('.worker.js') && workerScript ? workerScript : name),
        instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
          WebAssembly.instantiate(compiled, imports).then(
            (instance) => {
              // Import and export names are minified: find the memory by its type.
              const isMem = (v: unknown): v is WebAssembly.Memory => v instanceof WebAssembly.Memory;
              memory =
                Object.values(instance.exports).find(isMem) ??
                Object.values(imports)
                  .flatMap((m) => Object.values(m as Record<string, unknown>))
                  .find(isMem);
              receive(instance, compiled);
            },
            (e: unknown) => failInstantiate(e),
          );
          return {};
        },
        print: (s: string) => console.log(s),
        printErr: (s: string) => console.warn(s),
      }),
    ]);
  } catch (e) {
    throw new WasmLoadError(`could not start the ${variant} wasm build: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  if (!memory) throw new WasmLoadError(`the ${variant} wasm build exported no memory`);
  const mem = memory;
  const fn = (name: string): WasmFn => {
    const f = module[`_${name}`];
    if (typeof f !== 'function') {
      throw new WasmLoadError(`the ${variant} wasm build does not export ${name}; rebuild it with the current wasm/exports.txt`);
    }
    return f as WasmFn;
  };
  const pthread = module.PThread;
  const unrefWorkers = () => {
    if (!pthread || !isNode) return;
    for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) w.unref?.();
  };
  unrefWorkers();
  return {
    variant,
    threads,
    module,
    memory: mem,
    fn,
    has: (name) => typeof module[`_${name}`] === 'function',
    reserveThreads(n: number) {
      if (!pthread) return;
      while (pthread.unusedWorkers.length < n) {
        pthread.allocateUnusedWorker();
        pthread.loadWasmModuleToWorker(pthread.unusedWorkers[pthread.unusedWorkers.length - 1]!);
      }
      unrefWorkers();
    },
    async threadsReady() {
      if (!pthread) return true;
      return (await Promise.all(pthread.runningWorkers.map(whenLoaded))).every(Boolean);
    },
    threadsReadyNow: () => !pthread || pthread.runningWorkers.every((w) => w.loaded === true),
    unrefWorkers,
    terminate() {
      pthread?.terminateAllThreads();
      for (const w of pthread?.unusedWorkers ?? []) w.terminate?.();
    },
  };
}
