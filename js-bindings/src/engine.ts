// The engine: perch's C ABI (src/perch/c_api/perch.h) driven from JS, synchronously, on one
// instantiated wasm module. Used in-process (Node, or worker: false) and inside the Worker.
import type { Backend, CallTiming, DTypeName, EngineInfo, IoSpec, LearnedOp, LoadedModelInfo, ModelKind, TensorValue, TypedArray } from './backend.js';
import { DTYPES, MAX_RANK, STATUS_NAMES } from './c_enums.js';
import { EngineError, InvalidInputError } from './errors.js';
import { writePerch } from './perch_file.js';
import { mark } from './trace.js';
import type { LanguageResult, SuggestionResult } from './results.js';
import type { WasmInstance } from './wasm_module.js';

/** The placement probe's runs: at least PROBE_MIN_RUNS, then more while under PROBE_MAX_MS in all. */
const PROBE_MIN_RUNS = 5;
const PROBE_MAX_RUNS = 40;
const PROBE_MAX_MS = 8;

interface Entry {
  kind: ModelKind;
  model: number; // perch_model*
  session: number; // perch_session* (kind 'model')
  task: number; // perch_language_detector* / perch_text_suggester*
  info: LoadedModelInfo;
  langid?: DetectorCall;
}

/** A language detector's per-call state, set up once: labels, and engine buffers reused by every detect(). */
interface DetectorCall {
  labels: string[];
  detectScores: WasmFn; // perch_language_detector_detect_scores
  text: number; // UTF-8 buffer (grown on demand)
  textCap: number;
  textView: Uint8Array | undefined; // over the text buffer, until the memory grows or the buffer moves
  out: number; // confidences f64[cap], then label indices i32[cap], then the count i32
  cap: number;
  expected: string; // the expected languages last set in the engine ('' = none)
}

type WasmFn = (...args: number[]) => number;

function arrayFor(dtype: DTypeName, bytes: Uint8Array): TypedArray {
  const buf = bytes.buffer as ArrayBuffer;
  switch (dtype) {
    case 'f32':
      return new Float32Array(buf, bytes.byteOffset, bytes.byteLength / 4);
    case 'i32':
      return new Int32Array(buf, bytes.byteOffset, bytes.byteLength / 4);
    case 'f16':
      return new Uint16Array(buf, bytes.byteOffset, bytes.byteLength / 2);
    case 'i8':
      return new Int8Array(buf, bytes.byteOffset, bytes.byteLength);
    case 'u8':
      return new Uint8Array(buf, bytes.byteOffset, bytes.byteLength);
  }
}

export class Engine implements Backend {
  readonly info: EngineInfo;
  private readonly entries = new Map<number, Entry>();
  private nextHandle = 1;
  private probeResult: { ms: number; flops: number } | undefined;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder();
  // Heap views, re-made only when the memory has grown (its buffer is then a new object).
  private heapBuffer: ArrayBufferLike | undefined;
  private heapU8 = new Uint8Array(0);
  private heapI32 = new Int32Array(0);
  private heapF64 = new Float64Array(0);

  constructor(private readonly wasm: WasmInstance) {
    this.info = {
      variant: wasm.variant,
      threads: wasm.threads,
      inWorker:
        typeof (globalThis as { document?: unknown }).document === 'undefined' &&
        typeof (globalThis as { importScripts?: unknown }).importScripts === 'function',
    };
  }

  // ---- memory helpers (views are re-made each time: the memory may have grown) ----
  private u8(): Uint8Array {
    return new Uint8Array(this.wasm.memory.buffer);
  }
  /**
   * UTF-8 of text into dst (room for 3 bytes per UTF-16 unit); bytes written. Short ASCII text
   * is copied by a loop: cheaper than the encodeInto() builtin for a few dozen characters.
   * Browsers refuse encodeInto() on views of shared memory (the simd-threads build): there the
   * text is encoded into a private buffer and copied.
   */
  private encodeUtf8(text: string, dst: Uint8Array): number {
    const n = text.length;
    if (n <= 64) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) break;
        dst[i] = c;
      }
      if (i === n) return n;
    }
    if (typeof SharedArrayBuffer !== 'undefined' && dst.buffer instanceof SharedArrayBuffer) {
      if (this.encodeScratch.length < 3 * n) this.encodeScratch = new Uint8Array(Math.max(3 * n, 2 * this.encodeScratch.length));
      const written = this.enc.encodeInto(text, this.encodeScratch).written;
      dst.set(this.encodeScratch.subarray(0, written));
      return written;
    }
    return this.enc.encodeInto(text, dst).written;
  }
  private encodeScratch = new Uint8Array(1024);

  private refreshViews(): void {
    const buf = this.wasm.memory.buffer;
    if (buf === this.heapBuffer) return;
    this.heapBuffer = buf;
    this.heapU8 = new Uint8Array(buf);
    this.heapI32 = new Int32Array(buf);
    this.heapF64 = new Float64Array(buf);
  }
  private view(): DataView {
    return new DataView(this.wasm.memory.buffer);
  }
  private malloc(n: number): number {
    const p = this.wasm.fn('malloc')(Math.max(1, n));
    if (p === 0) throw new EngineError('OutOfMemory', `the engine could not allocate ${n} bytes; free models with destroy() or use a smaller one`);
    return p;
  }
  private freePtr(p: number): void {
    if (p) this.wasm.fn('free')(p);
  }
  private cstring(p: number, max = 1 << 20): string {
    if (!p) return '';
    const heap = this.u8();
    let end = p;
    while (end < heap.length && end - p < max && heap[end] !== 0) end++;
    // Copy first: TextDecoder refuses views of shared memory.
    return this.dec.decode(heap.slice(p, end));
  }
  private allocString(s: string): { ptr: number; len: number } {
    const bytes = this.enc.encode(s);
    const ptr = this.malloc(bytes.length + 1);
    const heap = this.u8();
    heap.set(bytes, ptr);
    heap[ptr + bytes.length] = 0;
    return { ptr, len: bytes.length };
  }
  private check(status: number, what: string): void {
    if (status === 0) return;
    const code = STATUS_NAMES[status] ?? `Status${status}`;
    const msg = this.cstring(this.wasm.fn('perch_last_error')());
    throw new EngineError(code, `${what}: ${msg || code}`);
  }
  /** Calls fn with a pointer slot, returns what it wrote there. */
  private withOut(fn: (out: number) => number, what: string): number {
    const out = this.malloc(4);
    try {
      this.view().setUint32(out, 0, true);
      this.check(fn(out), what);
      return this.view().getUint32(out, true);
    } finally {
      this.freePtr(out);
    }
  }

  private ioInfo(model: number, index: number, output: boolean): IoSpec {
    const scratch = this.malloc(16 + 8 * MAX_RANK);
    try {
      const fn = this.wasm.fn(output ? 'perch_model_output_info' : 'perch_model_input_info');
      this.check(fn(model, index, scratch, scratch + 4, scratch + 8, scratch + 16), 'reading the model signature');
      const v = this.view();
      const rank = v.getInt32(scratch + 8, true);
      const shape: number[] = [];
      for (let i = 0; i < rank; i++) shape.push(Number(v.getBigInt64(scratch + 16 + 8 * i, true)));
      return { name: this.cstring(v.getUint32(scratch, true)), dtype: DTYPES[v.getInt32(scratch + 4, true)] ?? 'f32', shape };
    } finally {
      this.freePtr(scratch);
    }
  }

  private describe(model: number, kind: ModelKind, handle: number): LoadedModelInfo {
    const f = this.wasm.fn;
    const inputs: IoSpec[] = [];
    const outputs: IoSpec[] = [];
    for (let i = 0; i < f('perch_model_num_inputs')(model); i++) inputs.push(this.ioInfo(model, i, false));
    for (let i = 0; i < f('perch_model_num_outputs')(model); i++) outputs.push(this.ioInfo(model, i, true));
    const metadata: Record<string, string> = {};
    for (const key of ['perch.task', 'perch.license', 'perch.source', 'perch.labels', 'perch.format']) {
      const k = this.allocString(key);
      try {
        const p = f('perch_model_metadata')(model, k.ptr);
        if (p) metadata[key] = this.cstring(p);
      } finally {
        this.freePtr(k.ptr);
      }
    }
    return { handle, kind, task: this.cstring(f('perch_model_task')(model)), inputs, outputs, metadata };
  }

  async load(bytes: Uint8Array, kind: ModelKind): Promise<LoadedModelInfo> {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidInputError('a model needs non-empty bytes (a Uint8Array of a .perch file)');
    // Each session starts threads-1 threads at its first parallel job: have workers loading for
    // them, in the background. Not for a language detector: its jobs are too small to split (a
    // worker loading beside the first detection only took a core from it).
    if (kind !== 'language-detection') this.wasm.reserveThreads(this.wasm.threads - 1);
    const ptr = this.malloc(bytes.length);
    let model = 0;
    try {
      this.u8().set(bytes, ptr);
      model = this.withOut((out) => this.wasm.fn('perch_model_load')(ptr, bytes.length, out), 'the model was rejected');
      mark('model-parsed');
    } finally {
      this.freePtr(ptr);
    }
    const handle = this.nextHandle++;
    const entry: Entry = { kind, model, session: 0, task: 0, info: undefined as unknown as LoadedModelInfo };
    try {
      entry.info = this.describe(model, kind, handle);
      const threads = this.wasm.threads;
      if (kind === 'model') {
        entry.session = this.withOut((out) => this.wasm.fn('perch_session_create')(model, threads, out), 'could not create a session');
      } else {
        if (entry.info.task !== kind) {
          throw new InvalidInputError(`this model's task is '${entry.info.task || 'none'}', not '${kind}'; pass a ${kind} model`);
        }
        const prefix = kind === 'language-detection' ? 'perch_language_detector' : 'perch_text_suggester';
        entry.task = this.withOut((out) => this.wasm.fn(`${prefix}_create`)(model, threads, out), `could not create the ${kind} task`);
        if (kind === 'text-suggestion') entry.info.showThreshold = this.wasm.fn('perch_text_suggester_show_threshold')(entry.task);
        if (kind === 'language-detection') entry.langid = this.detectorCall(entry.task);
      }
    } catch (e) {
      this.release(entry);
      throw e;
    }
    this.entries.set(handle, entry);
    if (this.wasm.threads > 1) this.wasm.unrefWorkers();
    return entry.info;
  }

  private detectorCall(task: number): DetectorCall {
    const f = this.wasm.fn;
    const n = f('perch_language_detector_num_labels')(task);
    const labels: string[] = [];
    for (let i = 0; i < n; i++) labels.push(this.cstring(f('perch_language_detector_label')(task, i)));
    const cap = n + 1; // any top_k: every label, then und
    const call: DetectorCall = {
      labels,
      detectScores: f('perch_language_detector_detect_scores'),
      text: 0,
      textCap: 0,
      textView: undefined,
      out: 0,
      cap,
      expected: '',
    };
    call.out = this.malloc(12 * cap + 4);
    call.textCap = 1024;
    call.text = this.malloc(call.textCap);
    return call;
  }

  private release(e: Entry): void {
    const f = this.wasm.fn;
    if (e.langid) {
      this.freePtr(e.langid.text);
      this.freePtr(e.langid.out);
      e.langid = undefined;
    }
    if (e.session) f('perch_session_free')(e.session);
    if (e.task) f(e.kind === 'language-detection' ? 'perch_language_detector_free' : 'perch_text_suggester_free')(e.task);
    if (e.model) f('perch_model_free')(e.model);
    e.session = e.task = e.model = 0;
  }

  private entry(handle: number, kind: ModelKind): Entry {
    const e = this.entries.get(handle);
    if (!e) throw new InvalidInputError('this model was destroyed or never loaded');
    if (e.kind !== kind) throw new InvalidInputError(`handle ${handle} is a ${e.kind}, not a ${kind}`);
    return e;
  }

  async run(handle: number, inputs: Record<string, TensorValue>): Promise<Record<string, TensorValue>> {
    return this.runSync(handle, inputs);
  }

  runSync(handle: number, inputs: Record<string, TensorValue>): Record<string, TensorValue> {
    const e = this.entry(handle, 'model');
    const f = this.wasm.fn;
    const allocs: number[] = [];
    try {
      for (const [name, t] of Object.entries(inputs)) {
        const code = DTYPES.indexOf(t.dtype);
        if (code < 0) throw new InvalidInputError(`input '${name}': unknown dtype ${t.dtype}`);
        if (t.shape.length > MAX_RANK) throw new InvalidInputError(`input '${name}': rank ${t.shape.length} is over ${MAX_RANK}`);
        const n = this.allocString(name);
        allocs.push(n.ptr);
        const dims = this.malloc(8 * Math.max(1, t.shape.length));
        allocs.push(dims);
        const nbytes = t.data.byteLength;
        const data = this.malloc(nbytes);
        allocs.push(data);
        const v = this.view();
        t.shape.forEach((d, i) => v.setBigInt64(dims + 8 * i, BigInt(d), true));
        this.u8().set(new Uint8Array(t.data.buffer, t.data.byteOffset, nbytes), data);
        this.check(f('perch_session_set_input')(e.session, n.ptr, code, dims, t.shape.length, data, nbytes), `input '${name}'`);
      }
      this.check(f('perch_session_run')(e.session), 'run');
      const out: Record<string, TensorValue> = {};
      const scratch = this.malloc(16 + 8 * MAX_RANK);
      allocs.push(scratch);
      for (const spec of e.info.outputs) {
        const n = this.allocString(spec.name);
        allocs.push(n.ptr);
        // dtype @0, rank @4, data @8, nbytes @12, dims @16
        this.check(f('perch_session_get_output')(e.session, n.ptr, scratch, scratch + 4, scratch + 16, scratch + 8, scratch + 12), `output '${spec.name}'`);
        const v = this.view();
        const dtype = DTYPES[v.getInt32(scratch, true)] ?? 'f32';
        const rank = v.getInt32(scratch + 4, true);
        const shape: number[] = [];
        for (let i = 0; i < rank; i++) shape.push(Number(v.getBigInt64(scratch + 16 + 8 * i, true)));
        const ptr = v.getUint32(scratch + 8, true);
        const nbytes = v.getUint32(scratch + 12, true);
        out[spec.name] = { dtype, shape, data: arrayFor(dtype, this.u8().slice(ptr, ptr + nbytes)) };
      }
      return out;
    } finally {
      for (const p of allocs) this.freePtr(p);
    }
  }

  /** Calls a task function that writes a JSON string it owns (valid until its next call). */
  private taskJson(fnName: string, obj: number, text: string, args: number[]): unknown {
    const t = this.allocString(text);
    try {
      const p = this.withOut((out) => this.wasm.fn(fnName)(obj, t.ptr, t.len, ...args, out), fnName.replace(/^perch_/, ''));
      return JSON.parse(this.cstring(p, 1 << 26));
    } finally {
      this.freePtr(t.ptr);
    }
  }

  async detect(handle: number, text: string, top: number, expected = '', timing?: CallTiming): Promise<LanguageResult[]> {
    if (!timing) return this.detectSync(handle, text, top, expected);
    const t0 = performance.now();
    const out = this.detectSync(handle, text, top, expected);
    timing.engineMs = performance.now() - t0;
    return out;
  }

  /**
   * detect() without the promise: per call, the text is encoded straight into a reused engine
   * buffer and the C ABI writes (label index, confidence) pairs into another; no allocation in
   * the engine, no JSON. The same answer as perch_language_detector_detect's JSON.
   */
  detectSync(handle: number, text: string, top: number, expected = ''): LanguageResult[] {
    const e = this.entry(handle, 'language-detection');
    const c = e.langid as DetectorCall;
    // The expected languages raise those languages' priors in the task layer; set only on change.
    if (expected !== c.expected) {
      const t = this.allocString(expected);
      try {
        this.check(this.wasm.fn('perch_language_detector_set_expected_languages')(e.task, t.ptr), 'language_detector_set_expected_languages');
      } finally {
        this.freePtr(t.ptr);
      }
      c.expected = expected;
    }
    // UTF-16 to UTF-8: at most 3 bytes per code unit (a lone surrogate becomes U+FFFD, 3 bytes).
    if (3 * text.length > c.textCap) {
      const cap = Math.max(3 * text.length, 2 * c.textCap);
      const p = this.malloc(cap);
      this.freePtr(c.text);
      c.text = p;
      c.textCap = cap;
      c.textView = undefined;
    }
    // Views are re-made only when needed: a grown memory detaches a non-shared buffer (length 0);
    // a shared one stays valid over what it covered, which includes both buffers.
    let view = c.textView;
    if (view === undefined || view.byteLength === 0) {
      this.refreshViews();
      view = c.textView = this.heapU8.subarray(c.text, c.text + c.textCap);
    }
    const written = this.encodeUtf8(text, view);
    const conf = c.out,
      labels = c.out + 8 * c.cap,
      count = labels + 4 * c.cap;
    this.check(c.detectScores(e.task, c.text, written, top, labels, conf, c.cap, count), 'language_detector_detect');
    if (this.heapI32.byteLength === 0 || this.heapI32.byteLength < count + 4) this.refreshViews();
    const n = this.heapI32[count >> 2];
    const out: LanguageResult[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const label = this.heapI32[(labels >> 2) + i];
      out[i] = { detectedLanguage: label < 0 ? 'und' : c.labels[label], confidence: this.heapF64[(conf >> 3) + i] };
    }
    return out;
  }

  async learned(handle: number, op: LearnedOp, text = ''): Promise<string> {
    const e = this.entry(handle, 'text-suggestion');
    const f = this.wasm.fn;
    if (op === 'forget') {
      f('perch_text_suggester_forget')(e.task);
      return '';
    }
    if (op === 'export')
      return this.cstring(
        this.withOut((out) => f('perch_text_suggester_export_learned')(e.task, out), 'export learned words'),
        1 << 26,
      );
    const t = this.allocString(text);
    try {
      this.check(f(op === 'learn' ? 'perch_text_suggester_learn' : 'perch_text_suggester_import_learned')(e.task, t.ptr, t.len), `${op} learned words`);
    } finally {
      this.freePtr(t.ptr);
    }
    return '';
  }

  async suggest(handle: number, text: string, count: number, maxWords: number, timing?: CallTiming): Promise<SuggestionResult[]> {
    return this.suggestSync(handle, text, count, maxWords, timing);
  }

  suggestSync(handle: number, text: string, count: number, maxWords: number, timing?: CallTiming): SuggestionResult[] {
    const t0 = timing ? performance.now() : 0;
    const e = this.entry(handle, 'text-suggestion');
    const out = this.taskJson('perch_text_suggester_suggest', e.task, text, [count, maxWords]) as SuggestionResult[];
    if (timing) timing.engineMs = performance.now() - t0;
    return out;
  }

  async free(handle: number): Promise<void> {
    const e = this.entries.get(handle);
    if (!e) return;
    this.entries.delete(handle);
    // Freeing a session joins its threads: only once their workers have loaded (a worker that
    // failed to load never runs its thread: that session's memory is left to the instance).
    if (await this.wasm.threadsReady()) this.release(e);
  }

  /**
   * One FullyConnected [8×256]·[256×256]ᵀ (1 MFLOP), the best of 5 to 40 runs within about 8 ms:
   * enough runs that the result measures the device, not a wasm function the JIT has not tiered
   * up yet or a moment's preemption on a busy machine (both made placement pick the server).
   */
  async probe(): Promise<{ ms: number; flops: number }> {
    if (this.probeResult) return this.probeResult;
    const M = 8,
      K = 256,
      N = 256;
    const w = new Float32Array(N * K);
    for (let i = 0; i < w.length; i++) w[i] = ((i * 7919) % 997) / 997 - 0.5;
    const graph = {
      inputs: [{ name: 'x', dtype: 'f32', shape: [M, K] }],
      outputs: ['y'],
      nodes: [{ op: 'FullyConnected', inputs: ['x', 'w', ''], outputs: ['y'], attrs: {} }],
    };
    const bytes = writePerch({ w: { dtype: 'F32', shape: [N, K], data: w } }, { 'perch.format': '1', 'perch.graph': JSON.stringify(graph) });
    const info = await this.load(bytes, 'model');
    try {
      const x = { dtype: 'f32' as const, shape: [M, K], data: new Float32Array(M * K).fill(0.5) };
      let best = Infinity;
      const start = performance.now();
      for (let i = 0; i < PROBE_MAX_RUNS && (i < PROBE_MIN_RUNS || performance.now() - start < PROBE_MAX_MS); i++) {
        const t0 = performance.now();
        this.runSync(info.handle, { x });
        best = Math.min(best, performance.now() - t0);
      }
      this.probeResult = { ms: Math.max(best, 0.001), flops: 2 * M * N * K };
      return this.probeResult;
    } finally {
      await this.free(info.handle);
    }
  }

  async memoryBytes(): Promise<number> {
    return this.wasm.memory.buffer.byteLength;
  }

  dispose(): void {
    // The instance goes away with its memory: frees are only courtesy, skipped while a thread's
    // worker is still loading (joining it would block for good, see free()).
    if (this.wasm.threadsReadyNow()) for (const e of this.entries.values()) this.release(e);
    this.entries.clear();
    this.wasm.terminate();
  }
}
