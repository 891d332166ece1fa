// The low-level API: load any .perch file and run its graph on named typed arrays.
import type { Backend, DTypeName, IoSpec, TensorValue, TypedArray } from './backend.js';
import { getEngine, type EngineOptions } from './engine_registry.js';
import { DestroyedError, InvalidInputError, throwIfAborted } from './errors.js';
import { resolveModelSource, type ModelSource } from './manifest.js';
import { fetchModel, readText } from './model_fetch.js';
import { CreateMonitor, ProgressReporter } from './monitor.js';

export interface ModelLoadOptions extends EngineOptions {
  signal?: AbortSignal;
  monitor?: (m: CreateMonitor) => void;
  cache?: boolean;
}

/** An input: a typed array (shape = the declared one, a single -1 dim inferred), or data + shape. */
export type ModelInput = TypedArray | { data: TypedArray; shape: number[] };

const DTYPE_OF: [new (...a: never[]) => TypedArray, DTypeName][] = [
  [Float32Array, 'f32'],
  [Int32Array, 'i32'],
  [Int8Array, 'i8'],
  [Uint8Array, 'u8'],
  [Uint16Array, 'f16'],
];

function dtypeOf(a: TypedArray): DTypeName | undefined {
  for (const [ctor, name] of DTYPE_OF) if (a instanceof ctor) return name;
  return undefined;
}

export class Model {
  private freed = false;
  private constructor(
    private readonly backend: Backend,
    private readonly handle: number,
    readonly inputs: readonly IoSpec[],
    readonly outputs: readonly IoSpec[],
    readonly metadata: Readonly<Record<string, string>>,
    readonly task: string,
  ) {}

  /** Loads a .perch file from a URL, a manifest, or bytes; SHA-256 verified when a manifest gives one. */
  static async load(source: ModelSource, options: ModelLoadOptions = {}): Promise<Model> {
    throwIfAborted(options.signal);
    const monitor = new CreateMonitor();
    options.monitor?.(monitor);
    const progress = new ProgressReporter(monitor, options.signal);
    const src = await resolveModelSource(source, readText, options.signal);
    let bytes: Uint8Array;
    if (src instanceof Uint8Array) {
      // A copy: a Worker backend takes (detaches) the buffer it is given.
      bytes = src.slice();
    } else {
      bytes = (
        await fetchModel(src, {
          signal: options.signal,
          cache: options.cache,
          onProgress: (p) => progress.report(Math.min(p.fraction, 1 - 2 ** -16), p.bytesLoaded, p.bytesTotal),
        })
      ).bytes;
    }
    const backend = await getEngine(options, { lane: 'model' });
    const info = await backend.load(bytes, 'model');
    progress.report(1, bytes.length, bytes.length);
    return new Model(backend, info.handle, info.inputs, info.outputs, info.metadata, info.task);
  }

  private toTensor(spec: IoSpec, value: ModelInput): TensorValue {
    const data = ArrayBuffer.isView(value) ? (value as TypedArray) : value.data;
    const dtype = dtypeOf(data);
    if (!dtype) throw new InvalidInputError(`input '${spec.name}': pass a Float32Array, Int32Array, Int8Array, Uint8Array or Uint16Array (f16)`);
    if (dtype !== spec.dtype && !(spec.dtype === 'f16' && dtype === 'f32')) {
      throw new InvalidInputError(`input '${spec.name}' is ${spec.dtype}, not ${dtype}; pass the matching typed array`);
    }
    let shape: number[];
    if (ArrayBuffer.isView(value)) {
      const dyn = spec.shape.filter((d) => d < 0).length;
      const fixed = spec.shape.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
      if (dyn > 1) throw new InvalidInputError(`input '${spec.name}' has ${dyn} dynamic dims [${spec.shape}]; pass {data, shape}`);
      if (dyn === 1) {
        if (fixed === 0 || data.length % fixed !== 0)
          throw new InvalidInputError(`input '${spec.name}' of shape [${spec.shape}] cannot hold ${data.length} elements`);
        shape = spec.shape.map((d) => (d < 0 ? data.length / fixed : d));
      } else {
        shape = [...spec.shape];
      }
    } else {
      shape = [...value.shape];
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || n !== data.length) {
      throw new InvalidInputError(`input '${spec.name}': shape [${shape}] needs ${n} elements, got ${data.length}`);
    }
    return { dtype, shape, data };
  }

  /** Runs the graph. Every declared input must be given; returns every output. */
  async run(inputs: Record<string, ModelInput>): Promise<Record<string, TensorValue>> {
    if (this.freed) throw new DestroyedError('Model');
    if (typeof inputs !== 'object' || inputs === null) throw new InvalidInputError('run() takes an object of named inputs');
    const tensors: Record<string, TensorValue> = {};
    for (const spec of this.inputs) {
      const v = inputs[spec.name];
      if (v === undefined) throw new InvalidInputError(`run(): input '${spec.name}' is missing (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
      tensors[spec.name] = this.toTensor(spec, v);
    }
    for (const name of Object.keys(inputs)) {
      if (!this.inputs.some((s) => s.name === name))
        throw new InvalidInputError(`run(): the model has no input '${name}' (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
    }
    return this.backend.run(this.handle, tensors);
  }

  /** Frees the model's memory in the engine. */
  async destroy(): Promise<void> {
    if (this.freed) return;
    this.freed = true;
    await this.backend.free(this.handle);
  }
}
