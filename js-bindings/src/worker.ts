// The inference Worker (browsers): owns one engine; handles calls one at a time, in the order
// they were posted, and transfers result buffers back instead of copying them.
import { Engine } from './engine.js';
import { instantiateWasm } from './wasm_module.js';
import type { CallMessage, FromWorker, ToWorker } from './worker_protocol.js';
import type { LearnedOp, TensorValue } from './backend.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

let engine: Engine | undefined;
let queue: Promise<void> = Promise.resolve();

function errorOf(e: unknown): { name: string; message: string; code?: string } {
  const err = e as { name?: string; message?: string; code?: string };
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), code: err?.code };
}

async function handle(msg: CallMessage): Promise<void> {
  try {
    if (!engine) throw new Error('the inference worker has no engine (its init failed)');
    let value: unknown;
    const transfer: Transferable[] = [];
    const a = msg.args;
    switch (msg.method) {
      case 'load':
        value = await engine.load(a[0] as Uint8Array, a[1] as never);
        break;
      case 'run': {
        const out = await engine.run(a[0] as number, a[1] as Record<string, TensorValue>);
        for (const t of Object.values(out)) transfer.push(t.data.buffer as ArrayBuffer);
        value = out;
        break;
      }
      case 'detect':
        value = await engine.detect(a[0] as number, a[1] as string, a[2] as number, a[3] as string | undefined);
        break;
      case 'suggest':
        value = await engine.suggest(a[0] as number, a[1] as string, a[2] as number, a[3] as number);
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
    scope.postMessage({ type: 'reply', id: msg.id, ok: true, value }, transfer);
  } catch (e) {
    scope.postMessage({ type: 'reply', id: msg.id, ok: false, error: errorOf(e) });
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'init') {
    queue = queue.then(async () => {
      try {
        const instance = await instantiateWasm(msg.variant, msg.files, msg.threads);
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
