// What the task classes need from an engine, whether it runs in this thread or in a Worker.
import type { WasmVariant } from './env.js';
import type { LanguageResult, SuggestionResult } from './results.js';

export type DTypeName = 'f32' | 'f16' | 'i32' | 'i8' | 'u8';
export type TypedArray = Float32Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

export interface TensorValue {
  dtype: DTypeName;
  shape: number[];
  data: TypedArray;
}

export interface IoSpec {
  name: string;
  dtype: DTypeName;
  /** -1 for a dynamic dimension. */
  shape: number[];
}

export type ModelKind = 'model' | 'language-detection' | 'text-suggestion';

export interface LoadedModelInfo {
  handle: number;
  kind: ModelKind;
  task: string;
  inputs: IoSpec[];
  outputs: IoSpec[];
  metadata: Record<string, string>;
  /** Text suggestion: the confidence from which a UI shows ghost text (the model's show_threshold). */
  showThreshold?: number;
}

/** What a text suggester learnt from its user: add a text, drop all, export or import (JSON). */
export type LearnedOp = 'learn' | 'forget' | 'export' | 'import';

/**
 * Where one call's time went, in milliseconds (perch extension, read as `task.lastCallTiming`).
 * Worker figures come from the worker's clock: both threads count from their time origin.
 */
export interface CallTiming {
  /** 'local' (this device's engine) or 'remote' (the server). */
  where: 'local' | 'remote';
  /** Inside the engine: the wasm call and its JS glue, in the worker when there is one. */
  engineMs: number;
  /** Waiting for the engine to finish earlier calls (another task's, when they share a worker). */
  queuedMs: number;
  /** The call's message reaching the worker (0 in-process). */
  toWorkerMs: number;
  /** The answer reaching this thread: message transit plus this thread being busy (0 in-process). */
  fromWorkerMs: number;
  /** From the call until its result was ready (end to end inside perch). */
  totalMs: number;
}

export function newCallTiming(): CallTiming {
  return { where: 'local', engineMs: 0, queuedMs: 0, toWorkerMs: 0, fromWorkerMs: 0, totalMs: 0 };
}

export interface EngineInfo {
  variant: WasmVariant;
  threads: number;
  inWorker: boolean;
}

export interface Backend {
  readonly info: EngineInfo;
  /** `bytes` may be transferred (detached) when the backend is a Worker. */
  load(bytes: Uint8Array, kind: ModelKind): Promise<LoadedModelInfo>;
  run(handle: number, inputs: Record<string, TensorValue>): Promise<Record<string, TensorValue>>;
  /** `expected`: the languages the caller expects, comma-separated BCP 47 tags ('' = none). */
  detect(handle: number, text: string, top: number, expected?: string, timing?: CallTiming): Promise<LanguageResult[]>;
  suggest(handle: number, text: string, count: number, maxWords: number, timing?: CallTiming): Promise<SuggestionResult[]>;
  /** The suggester's learnt words (C ABI perch_text_suggester_learn/forget/export_learned/import_learned); export answers the JSON. */
  learned(handle: number, op: LearnedOp, text?: string): Promise<string>;
  free(handle: number): Promise<void>;
  /** Milliseconds of one call of the built-in probe workload (min of a few runs), and its FLOP. */
  probe(): Promise<{ ms: number; flops: number }>;
  /** Size of the wasm memory in bytes (grows, never shrinks). */
  memoryBytes(): Promise<number>;
  dispose(): void;
}
