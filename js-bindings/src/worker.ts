// The inference Worker (browsers): owns one engine; handles calls one at a time, in the order
// they were posted, and transfers result buffers back instead of copying them. Each answer says
// when its engine work began and ended (the page splits a call's time from that), in one reply
// object reused by every call: postMessage copies it at once.
import { Engine } from './engine.js';
import { instantiateWasm } from './wasm_module.js';
import type { CallMessage, FromWorker, ResultOf, ToWorker, WireError, WorkerMethod, WorkerResult } from './worker_protocol.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

let engine: Engine | undefined;
let queue: Promise<void> = Promise.resolve();
const now = () => performance.timeOrigin + performance.now();
let lastEnd = 0;
const reply: ResultOf<WorkerMethod> = { type: 'reply', id: 0, ok: true, value: undefined, start: 0, end: 0, prevEnd: 0 };
const noTransfer: Transferable[] = [];

function errorOf(e: unknown): WireError {
  if (typeof e !== 'object' || e === null) return { name: 'Error', message: String(e) };
  const field = (key: string) => {
    const v: unknown = Reflect.get(e, key);
    return typeof v === 'string' ? v : undefined;
  };
  return { name: field('name') ?? 'Error', message: field('message') ?? String(e), code: field('code') };
}

/** Answers call `msg` with `value`: typed by the call's method, so a wrong result does not compile. */
function send<M extends WorkerMethod>(msg: { id: number; method: M }, value: WorkerResult<M>, start: number, transfer = noTransfer): void {
  const end = now();
  reply.id = msg.id;
  reply.value = value;
  reply.start = start;
  reply.end = end;
  reply.prevEnd = lastEnd;
  lastEnd = end;
  scope.postMessage(reply, transfer);
  reply.value = undefined;
}

async function handle(msg: CallMessage): Promise<void> {
  const start = now();
  try {
    if (!engine) throw new Error('the inference worker has no engine (its init failed)');
    switch (msg.method) {
      case 'load':
        return send(msg, await engine.load(...msg.args), start);
      case 'run': {
        const out = engine.runSync(...msg.args);
        return send(
          msg,
          out,
          start,
          Object.values(out).map((t) => t.data.buffer as ArrayBuffer),
        );
      }
      case 'detect':
        return send(msg, engine.detectSync(...msg.args), start);
      case 'suggest':
        return send(msg, engine.suggestSync(...msg.args), start);
      case 'learned':
        return send(msg, await engine.learned(...msg.args), start);
      case 'free':
        return send(msg, await engine.free(...msg.args), start);
      case 'probe':
        return send(msg, await engine.probe(...msg.args), start);
      case 'memoryBytes':
        return send(msg, await engine.memoryBytes(...msg.args), start);
    }
    // Every method has its case (a new one does not compile until it has).
    const unhandled: never = msg;
    throw new Error(`the inference worker has no such method (${JSON.stringify(unhandled)})`);
  } catch (e) {
    const end = now();
    scope.postMessage({ type: 'reply', id: msg.id, ok: false, error: errorOf(e), start, end, prevEnd: lastEnd });
    lastEnd = end;
  }
}

// The page compiles the .wasm while this worker starts and loads the glue, then sends the module.
let receiveModule: (m: WebAssembly.Module | null) => void = () => {};
const compiled = new Promise<WebAssembly.Module | null>((resolve) => (receiveModule = resolve));

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'module') {
    receiveModule(msg.module instanceof WebAssembly.Module ? msg.module : null);
    return;
  }
  if (msg.type === 'init') {
    queue = queue.then(async () => {
      try {
        const instance = await instantiateWasm(msg.variant, msg.files, msg.threads, compiled);
        engine = new Engine(instance);
        scope.postMessage({ type: 'ready', ok: true });
      } catch (err) {
        scope.postMessage({ type: 'ready', ok: false, error: errorOf(err) });
      }
    });
    return;
  }
  queue = queue.then(() => handle(msg));
};
