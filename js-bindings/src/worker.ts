// The inference Worker (browsers): owns one engine; handles calls one at a time, in the order
// they were posted, and transfers result buffers back instead of copying them. Each answer says
// when its engine work began and ended (the page splits a call's time from that), in one reply
// object reused by every call: postMessage copies it at once.
import { Engine } from './engine.js';
import { instantiateWasm } from './wasm_module.js';
import type { CallMessage, FromWorker, ReplyMessage, ToWorker } from './worker_protocol.js';
import type { LearnedOp, TensorValue } from './backend.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

let engine: Engine | undefined;
let queue: Promise<void> = Promise.resolve();
const now = () => performance.timeOrigin + performance.now();
let lastEnd = 0;
const reply: ReplyMessage = { type: 'reply', id: 0, ok: true, value: undefined, start: 0, end: 0, prevEnd: 0 };
const noTransfer: Transferable[] = [];

function errorOf(e: unknown): { name: string; message: string; code?: string } {
  const err = e as { name?: string; message?: string; code?: string };
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), code: err?.code };
}

async function handle(msg: CallMessage): Promise<void> {
  const start = now();
  try {
    if (!engine) throw new Error('the inference worker has no engine (its init failed)');
    let value: unknown;
    let transfer = noTransfer;
    const a = msg.args;
    switch (msg.method) {
      case 'load':
        value = await engine.load(a[0] as Uint8Array, a[1] as never);
        break;
      case 'run': {
        const out = await engine.run(a[0] as number, a[1] as Record<string, TensorValue>);
        transfer = Object.values(out).map((t) => t.data.buffer as ArrayBuffer);
        value = out;
        break;
      }
      case 'detect':
        value = engine.detectSync(a[0] as number, a[1] as string, a[2] as number, a[3] as string | undefined);
        break;
      case 'suggest':
        value = engine.suggestSync(a[0] as number, a[1] as string, a[2] as number, a[3] as number);
        break;
      case 'learned':
        value = await engine.learned(a[0] as number, a[1] as LearnedOp, a[2] as string | undefined);
        break;
      case 'free':
        await engine.free(a[0] as number);
        break;
      case 'probe':
        value = await engine.probe();
        break;
      case 'memoryBytes':
        value = await engine.memoryBytes();
        break;
    }
    const end = now();
    reply.id = msg.id;
    reply.value = value;
    reply.start = start;
    reply.end = end;
    reply.prevEnd = lastEnd;
    lastEnd = end;
    scope.postMessage(reply, transfer);
    reply.value = undefined;
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
