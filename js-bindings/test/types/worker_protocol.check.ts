// Compile-time checks of the worker protocol (run by `npm run lint`: tsc -p test/types): a call's
// arguments and a reply's value are those of the Backend method it names, so each line under an
// expect-error marker must fail to compile (tsc reports an unused marker as an error).
import type { CallMessage, CallOf, ResultOf, WorkerArgs } from '../../src/worker_protocol.js';

export const load: CallMessage = { type: 'call', id: 1, method: 'load', args: [new Uint8Array(1), 'model'] };
export const detect: CallMessage = { type: 'call', id: 2, method: 'detect', args: [1, 'text', 3, 'en,fr'] };
export const probe: CallOf<'probe'> = { type: 'call', id: 3, method: 'probe', args: [] };

// @ts-expect-error a handle is a number
export const badHandle: CallMessage = { type: 'call', id: 4, method: 'detect', args: ['1', 'text', 3] };
// @ts-expect-error not a model kind
export const badKind: CallMessage = { type: 'call', id: 5, method: 'load', args: [new Uint8Array(1), 'weights'] };
// @ts-expect-error the page's timing record never travels
export const timing: WorkerArgs<'suggest'> = [1, 'text', 3, 2, { where: 'local', engineMs: 0, queuedMs: 0, toWorkerMs: 0, fromWorkerMs: 0, totalMs: 0 }];
// @ts-expect-error suggest takes a count and a word limit
export const missing: CallOf<'suggest'> = { type: 'call', id: 6, method: 'suggest', args: [1, 'text'] };
// @ts-expect-error probe answers { ms, flops }
export const badProbe: ResultOf<'probe'> = { type: 'reply', id: 3, ok: true, value: 5, start: 0, end: 0, prevEnd: 0 };
// @ts-expect-error method names come from the Backend interface
export const unknown: CallMessage = { type: 'call', id: 7, method: 'dispose', args: [] };
