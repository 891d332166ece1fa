// Messages between the page and the inference Worker, typed from the Backend interface: each
// call names a Backend method and carries that method's arguments, and its reply carries that
// method's result, so a wrong argument or result is a compile error on either side. Calls carry
// an id; replies echo it.
import type { Backend, CallTiming } from './backend.js';
import type { WasmVariant } from './env.js';
import type { WasmFiles } from './wasm_paths.js';

export interface InitMessage {
  type: 'init';
  variant: WasmVariant;
  files: WasmFiles;
  threads: number;
}

/** The compiled .wasm, sent after init once the page has it (null: the worker compiles it). */
export interface ModuleMessage {
  type: 'module';
  module: WebAssembly.Module | null;
}

/** The Backend methods a worker runs (info and dispose stay on the page). */
export type WorkerMethod = 'load' | 'run' | 'detect' | 'suggest' | 'learned' | 'free' | 'probe' | 'memoryBytes';

/**
 * A method's parameters less the trailing `timing` record: that stays on the page, which fills
 * it from the reply's clock fields.
 */
type WithoutTiming<P extends unknown[]> = P extends [] ? [] : P extends [...infer Rest, (CallTiming | undefined)?] ? Rest : P;

/** What a call of each method sends. */
export type WorkerArgs<M extends WorkerMethod> = WithoutTiming<Parameters<Backend[M]>>;
/** What a call of each method answers. */
export type WorkerResult<M extends WorkerMethod> = Awaited<ReturnType<Backend[M]>>;

export interface CallOf<M extends WorkerMethod> {
  type: 'call';
  id: number;
  method: M;
  args: WorkerArgs<M>;
}

/** A call: a union keyed by `method`, so a switch on it gives each case its own argument types. */
export type CallMessage = { [M in WorkerMethod]: CallOf<M> }[WorkerMethod];

export type ToWorker = InitMessage | ModuleMessage | CallMessage;

/** An error crossing the thread boundary: its class name and message, rebuilt on the page. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/**
 * The worker's clock (performance.timeOrigin + now(), ms): the call's engine work began and
 * ended, and the previous call's ended (0 before the first).
 */
interface ReplyClock {
  start: number;
  end: number;
  prevEnd: number;
}

export interface ResultOf<M extends WorkerMethod> extends ReplyClock {
  type: 'reply';
  id: number;
  ok: true;
  value: WorkerResult<M>;
}

export interface FailureReply extends ReplyClock {
  type: 'reply';
  id: number;
  ok: false;
  error: WireError;
}

/** The page matches a reply to its call by id (the call knows its method, so its result type). */
export type ReplyMessage = ResultOf<WorkerMethod> | FailureReply;

export interface ReadyMessage {
  type: 'ready';
  ok: boolean;
  error?: WireError;
}

export type FromWorker = ReplyMessage | ReadyMessage;
