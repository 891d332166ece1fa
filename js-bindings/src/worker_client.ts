// The page side of the inference Worker: a Backend whose calls are posted in order, with model
// bytes and input tensors transferred, not copied.
import type { Backend, CallTiming, EngineInfo, LearnedOp, LoadedModelInfo, ModelKind, TensorValue } from './backend.js';
import type { WasmVariant } from './env.js';
import { DestroyedError, EngineError, InvalidInputError, PerchError, WasmLoadError } from './errors.js';
import type { LanguageResult, SuggestionResult } from './results.js';
import type { WasmFiles } from './wasm_paths.js';
import type { CallOf, FromWorker, InitMessage, ModuleMessage, WireError, WorkerArgs, WorkerMethod, WorkerResult } from './worker_protocol.js';
import { compileWasmOnce } from './wasm_module.js';

function rebuildError(e: WireError): Error {
  switch (e.name) {
    case 'EngineError':
      return new EngineError(e.code ?? 'Internal', e.message);
    case 'InvalidInputError':
      return new InvalidInputError(e.message);
    case 'WasmLoadError':
      return new WasmLoadError(e.message);
    case 'AbortError':
      return new DOMException(e.message, 'AbortError');
    default:
      return new PerchError(`${e.name}: ${e.message}`);
  }
}

interface PendingCall {
  /** Takes the reply's value: of the type of the method this call named (see call()). */
  resolve: (value: WorkerResult<WorkerMethod>) => void;
  reject: (e: Error) => void;
  timing: CallTiming | undefined;
  /** When it was posted (performance.timeOrigin + now(), ms). */
  posted: number;
}

const now = () => performance.timeOrigin + performance.now();
const NO_TRANSFER: Transferable[] = [];

export class WorkerBackend implements Backend {
  private nextId = 1;
  private pending = new Map<number, PendingCall>();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly info: EngineInfo,
  ) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const msg = e.data;
      if (msg.type !== 'reply') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      const t = p.timing;
      if (t) {
        // The worker was busy with earlier calls from the post until the previous one ended.
        t.engineMs = msg.end - msg.start;
        t.queuedMs = Math.max(0, Math.min(msg.prevEnd, msg.start) - p.posted);
        t.toWorkerMs = Math.max(0, msg.start - p.posted - t.queuedMs);
        t.fromWorkerMs = Math.max(0, now() - msg.end);
      }
      if (msg.ok) p.resolve(msg.value);
      else p.reject(rebuildError(msg.error));
    };
    worker.onerror = (e: ErrorEvent) => {
      const err = new PerchError(`the inference worker failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  static async start(variant: WasmVariant, files: WasmFiles, threads: number, workerUrl?: string | URL): Promise<WorkerBackend> {
    let worker: Worker;
    try {
      // A literal new URL(…, import.meta.url) so that bundlers emit the worker.
      worker = workerUrl ? new Worker(workerUrl) : new Worker(new URL('./worker.js', import.meta.url));
    } catch (e) {
      throw new WasmLoadError(`could not start the inference worker: ${(e as Error).message}; pass worker: false to run on the main thread`, { cause: e });
    }
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<FromWorker>) => {
        if (e.data.type !== 'ready') return;
        if (e.data.ok) resolve();
        else reject(rebuildError(e.data.error ?? { name: 'WasmLoadError', message: 'the worker could not start the engine' }));
      };
      worker.onerror = (e: ErrorEvent) => reject(new WasmLoadError(`the inference worker failed to start: ${e.message}`));
    });
    const init: InitMessage = { type: 'init', variant, files, threads };
    worker.postMessage(init);
    // Compiled here (once per page, shared by every worker of this build) while the worker starts.
    compileWasmOnce(files.wasm).then(
      (module) => {
        try {
          worker.postMessage({ type: 'module', module } satisfies ModuleMessage);
        } catch {
          worker.postMessage({ type: 'module', module: null } satisfies ModuleMessage);
        }
      },
      () => worker.postMessage({ type: 'module', module: null } satisfies ModuleMessage),
    );
    try {
      await ready;
    } catch (e) {
      worker.terminate();
      throw e;
    }
    return new WorkerBackend(worker, { variant, threads, inWorker: true });
  }

  private call<M extends WorkerMethod>(method: M, args: WorkerArgs<M>, transfer: Transferable[] = NO_TRANSFER, timing?: CallTiming): Promise<WorkerResult<M>> {
    if (this.closed) return Promise.reject(new DestroyedError('the engine'));
    const id = this.nextId++;
    return new Promise<WorkerResult<M>>((resolve, reject) => {
      // Replies are matched to calls by id, and the worker answers a call of method M with
      // WorkerResult<M> (worker.ts's send() checks that): the one place that is taken on trust.
      const settle = resolve as (value: WorkerResult<WorkerMethod>) => void;
      this.pending.set(id, { resolve: settle, reject, timing, posted: timing ? now() : 0 });
      const msg: CallOf<M> = { type: 'call', id, method, args };
      this.worker.postMessage(msg, transfer);
    });
  }

  load(bytes: Uint8Array, kind: ModelKind): Promise<LoadedModelInfo> {
    // Transfer the buffer when the view covers all of it; otherwise copy just the view.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
    return this.call('load', [own, kind], [own.buffer as ArrayBuffer]);
  }
  run(handle: number, inputs: Record<string, TensorValue>): Promise<Record<string, TensorValue>> {
    return this.call('run', [handle, inputs]);
  }
  detect(handle: number, text: string, top: number, expected = '', timing?: CallTiming): Promise<LanguageResult[]> {
    return this.call('detect', [handle, text, top, expected], undefined, timing);
  }
  suggest(handle: number, text: string, count: number, maxWords: number, timing?: CallTiming): Promise<SuggestionResult[]> {
    return this.call('suggest', [handle, text, count, maxWords], undefined, timing);
  }
  learned(handle: number, op: LearnedOp, text?: string): Promise<string> {
    return this.call('learned', [handle, op, text]);
  }
  free(handle: number): Promise<void> {
    return this.call('free', [handle]);
  }
  probe(): Promise<{ ms: number; flops: number }> {
    return this.call('probe', []);
  }
  memoryBytes(): Promise<number> {
    return this.call('memoryBytes', []);
  }
  dispose(): void {
    this.closed = true;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new DestroyedError('the engine'));
    this.pending.clear();
  }
}
