// Messages between the page and the inference Worker. Calls carry an id; answers echo it.
import type { WasmVariant } from './env.js';
import type { WasmFiles } from './wasm_paths.js';

export interface InitMessage {
  type: 'init';
  variant: WasmVariant;
  files: WasmFiles;
  threads: number;
}

export interface CallMessage {
  type: 'call';
  id: number;
  method: 'load' | 'run' | 'detect' | 'suggest' | 'learned' | 'free' | 'probe' | 'memoryBytes';
  args: unknown[];
}

/** The compiled .wasm, sent after init once the page has it (null: the worker compiles it). */
export interface ModuleMessage {
  type: 'module';
  module: WebAssembly.Module | null;
}

export type ToWorker = InitMessage | ModuleMessage | CallMessage;

export interface ReplyMessage {
  type: 'reply';
  id: number;
  ok: boolean;
  value?: unknown;
  /** Error class name and message, rebuilt on the page side. */
  error?: { name: string; message: string; code?: string };
  /**
   * The worker's clock (performance.timeOrigin + now(), ms): the call's engine work began and
   * ended, and the previous call's ended (0 before the first).
   */
  start: number;
  end: number;
  prevEnd: number;
}

export interface ReadyMessage {
  type: 'ready';
  ok: boolean;
  error?: { name: string; message: string };
}

export type FromWorker = ReplyMessage | ReadyMessage;
