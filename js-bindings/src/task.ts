// What LanguageDetector and TextSuggester share: options, placement (local / remote, with
// fallbacks both ways and a `placementchange` event), model fetching and loading, and the
// Language Detector API's model-object algorithms: create() (validation, user activation,
// download progress, its signal destroying the object later), calls that reject with their
// signal's reason, destroy() aborting every pending and later call.
import { newCallTiming, type Backend, type CallTiming, type EngineInfo, type LoadedModelInfo, type ModelKind } from './backend.js';
import { shippedModel, type ShippedModel } from './default_models.js';
import { getEngine, type EngineDefaults, type EngineOptions } from './engine_registry.js';
import { anySignal, checkSignal, runAbortable } from './abort.js';
import type { Availability } from './availability.js';
import { domException, InvalidInputError, NotSupportedError, throwIfAborted } from './errors.js';
import { resolveModelSource, type ModelManifest, type ModelSource, type TaskName } from './manifest.js';
import { fetchModel, readText } from './model_fetch.js';
import { CreateMonitor, ProgressReporter } from './monitor.js';
import { estimateFlops, readPerchHeader } from './perch_file.js';
import { TaskPlacement, type DeviceProfile, type Placement, type PlacementMode } from './placement.js';
import type { RemoteOptions } from './remote.js';
import { mark } from './trace.js';

export interface TaskCreateOptions extends EngineOptions {
  /** Receives a CreateMonitor firing `downloadprogress` ProgressEvents (e.loaded: 0…1 in 1/65536 steps). */
  monitor?: (m: CreateMonitor) => void;
  /** Aborts creation; aborted later, it destroys the object (calls reject with its reason). */
  signal?: AbortSignal;
  /**
   * Browsers only: when the model must be downloaded, create() needs user activation (a click, a
   * key press); without it, a "NotAllowedError" DOMException. Default: true for LanguageDetector
   * (the Language Detector API asks for it), false for TextSuggester. false: a page downloading
   * its own model (perch's, from its own origin) may skip it.
   */
  requireUserActivation?: boolean;
  /** 'auto' (default): local unless the device is weak and a server is configured. */
  placement?: PlacementMode;
  /** perch-server base URL, e.g. 'https://example.com/' (needed for 'remote', enables fallback in 'auto'). */
  serverUrl?: string;
  /** Bearer key for perch-server. */
  apiKey?: string;
  /** Latency per call that 'auto' placement aims for; default 50 ms (suggestion) or 100 ms (detection). */
  latencyBudgetMs?: number;
  /** A .perch URL, a manifest URL (.json), a manifest object or the bytes; default: the model shipped in the package. */
  model?: ModelSource;
  /** Overrides detected device facts (simulate a weak device; apps that know better). */
  device?: Partial<DeviceProfile>;
  /** false: do not read or write the model cache. */
  cache?: boolean;
  /** Time limit of each server request in ms (default 10000). */
  remoteTimeoutMs?: number;
  /** 'perch' (default): perch-server's /v1 task endpoints; 'v2': any Open Inference Protocol v2 server. */
  serverProtocol?: 'perch' | 'v2';
  /** The model's name on a v2 server (default 'langid' / 'suggest'). */
  serverModel?: string;
}

export class PlacementChangeEvent extends Event {
  constructor(
    readonly placement: Placement,
    readonly previous: Placement,
  ) {
    super('placementchange');
  }
}

export interface LocalModel {
  backend: Backend;
  handle: number;
  info?: LoadedModelInfo;
}

/** Whether this page has transient user activation; true outside browsers (no such notion). */
function hasUserActivation(): boolean {
  const ua = (globalThis as { navigator?: { userActivation?: { isActive: boolean } } }).navigator?.userActivation;
  return ua === undefined ? true : ua.isActive;
}

/** Resolves in a task after this one: a message to ourselves, not a timer (no 1–4 ms clamp). */
function nextTask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise<void>((r) => g.setImmediate!(r));
  if (typeof MessageChannel !== 'function') return new Promise<void>((r) => setTimeout(r, 0));
  return new Promise<void>((r) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      r();
    };
    channel.port2.postMessage(null);
  });
}

export abstract class Task {
  /** Where calls run now, and why. */
  placement: Placement = { where: 'local', reason: '' };
  /** True when the model bytes came from the cache (or a local file) rather than the network. */
  loadedFromCache = false;
  onplacementchange: ((e: PlacementChangeEvent) => void) | null = null;
  /** The local engine in use (wasm build, threads, in a Worker or not); undefined while remote only. */
  engine: EngineInfo | undefined;
  /** Where the time of the last call to finish went (engine, queue, messages, end to end). */
  lastCallTiming: CallTiming | undefined;

  protected local: LocalModel | undefined;
  private localLoading: Promise<LocalModel> | undefined;
  // Not an EventTarget subclass (the Language Detector API's interface is none); events are
  // dispatched through this one.
  readonly #events = new EventTarget();
  readonly #destruction = new AbortController();
  #released: Promise<void> = Promise.resolve();
  protected readonly remote: RemoteOptions | undefined;
  protected readonly mode: PlacementMode;
  /** Decides `placement` (create(), Compute Pressure, fallbacks); see placement.ts. */
  readonly #placer: TaskPlacement<LocalModel>;
  /** create()'s download progress, for the loads placement asks for while create() runs. */
  #createProgress: ProgressReporter | undefined;

  protected constructor(
    protected readonly taskName: TaskName,
    protected readonly kind: ModelKind,
    protected readonly options: TaskCreateOptions,
  ) {
    this.mode = options.placement ?? 'auto';
    if (!['auto', 'local', 'remote'].includes(this.mode)) {
      throw new InvalidInputError(`placement must be 'auto', 'local' or 'remote' (got ${JSON.stringify(options.placement)})`);
    }
    if (options.serverUrl !== undefined && typeof options.serverUrl !== 'string' && !((options.serverUrl as unknown) instanceof URL)) {
      throw new InvalidInputError('serverUrl must be a URL string');
    }
    this.remote = options.serverUrl
      ? {
          serverUrl: String(options.serverUrl),
          apiKey: options.apiKey,
          timeoutMs: options.remoteTimeoutMs,
          protocol: options.serverProtocol,
          modelName: options.serverModel,
        }
      : undefined;
    if (options.serverProtocol !== undefined && !['perch', 'v2'].includes(options.serverProtocol)) {
      throw new InvalidInputError(`serverProtocol must be 'perch' or 'v2' (got ${JSON.stringify(options.serverProtocol)})`);
    }
    if (this.mode === 'remote' && !this.remote) {
      throw new NotSupportedError("placement: 'remote' needs a serverUrl (the perch-server base URL)");
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's getters read this task
    const task = this;
    this.#placer = new TaskPlacement<LocalModel>(
      {
        mode: this.mode,
        remote: this.remote,
        device: options.device,
        latencyBudgetMs: options.latencyBudgetMs ?? this.defaultBudgetMs(),
        shipped: () => (options.model === undefined ? shippedModel(taskName) : undefined),
      },
      {
        loadLocal: (signal, forCreate) => this.loadLocal(forCreate ? this.#createProgress : undefined, signal),
        get localModel() {
          return task.local;
        },
        releaseLocal: () => this.releaseLocal(),
        probe: async () => (await this.localEngine()).probe(),
        get localFlops() {
          return task.localFlops;
        },
        destruction: this.#destruction.signal,
      },
      (next, previous) => {
        this.placement = next;
        if (previous) {
          const e = new PlacementChangeEvent(next, previous);
          this.onplacementchange?.(e);
          this.dispatchEvent(e);
        }
      },
    );
  }

  protected abstract defaultBudgetMs(): number;
  /** Dense rows processed per call (tokens for generators), for the cost estimate. */
  protected rowsPerCall(): number {
    return 1;
  }

  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    this.#events.addEventListener(type, listener, options);
  }
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
    this.#events.removeEventListener(type, listener, options);
  }
  dispatchEvent(event: Event): boolean {
    return this.#events.dispatchEvent(event);
  }

  private get destroyed(): boolean {
    return this.#destruction.signal.aborted;
  }

  /**
   * A call's work under the spec's abort rules: rejected at once with the reason of the call's
   * signal or of destroy() (whichever aborts first), before or while it runs.
   */
  protected operation<T>(signal: unknown, where: string, work: (signal: AbortSignal) => Promise<T>, timing?: CallTiming): Promise<T> {
    const t0 = timing ? performance.now() : 0;
    let composite: AbortSignal;
    try {
      const own = checkSignal(signal, where);
      composite = own ? anySignal([this.#destruction.signal, own]) : this.#destruction.signal;
    } catch (e) {
      return Promise.reject(e);
    }
    if (!timing) return runAbortable(composite, () => work(composite));
    return runAbortable(composite, async () => {
      const result = await work(composite);
      timing.totalMs = performance.now() - t0;
      this.lastCallTiming = timing;
      return result;
    });
  }

  /** A fresh record for one call's timing (see lastCallTiming). */
  protected newTiming(): CallTiming {
    return newCallTiming();
  }

  /**
   * create() of the Language Detector API: options validated (by `construct`), the signal checked,
   * the monitor called, availability ('unavailable': NotSupportedError), user activation where
   * the model must be downloaded, progress events, and the signal wired to destroy() afterwards.
   * `availability(downloads)`: with downloads false, whether a download is needed is not asked.
   */
  protected static async createModelObject<T extends Task>(
    options: TaskCreateOptions,
    construct: () => T,
    availability: (downloads: boolean) => Promise<Availability>,
  ): Promise<T> {
    const activated = hasUserActivation();
    const task = construct();
    const signal = checkSignal(options.signal, 'create()');
    throwIfAborted(signal);
    let monitor: CreateMonitor | undefined;
    if (options.monitor !== undefined) {
      if (typeof options.monitor !== 'function') throw new TypeError('create(): "monitor" must be a function');
      monitor = new CreateMonitor();
      options.monitor(monitor); // what it throws rejects create()
    }
    // Whether the model must be downloaded matters only without user activation where one is
    // needed: otherwise the cache is not listed here (fetching the model looks it up anyway).
    const needsActivation = (options.requireUserActivation ?? task.requiresUserActivation()) && !activated;
    const state = await availability(needsActivation);
    mark('availability');
    throwIfAborted(signal);
    if (state === 'unavailable') {
      throw domException(
        'NotSupportedError',
        `${task.constructor.name} is unavailable here for these options (languages, model, or no WebAssembly and no serverUrl)`,
      );
    }
    if ((state === 'downloadable' || state === 'downloading') && needsActivation) {
      throw domException(
        'NotAllowedError',
        `${task.constructor.name}.create() must download its model, which needs user activation: call it from a click or key handler`,
      );
    }
    const progress = new ProgressReporter(monitor, signal);
    const loading = task.init(progress, signal).then(async () => {
      progress.finish();
      // With a monitor, the final progress event is seen in a task before create() settles (the
      // spec's order); without one there is nothing to order, and in Node that task waited
      // behind the event loop's other work for 5–30 ms of a cold start.
      if (monitor) await nextTask();
    });
    loading.catch(() => {}); // after an abort its failure is no longer anyone's
    try {
      await (signal ? runAbortable(signal, () => loading) : loading);
    } catch (e) {
      task.destroyWith(signal?.aborted ? signal.reason : e);
      throw signal?.aborted ? signal.reason : e;
    }
    signal?.addEventListener('abort', () => task.destroyWith(signal.reason), { once: true });
    return task;
  }

  /** Whether create() asks for user activation before a download by default (the spec's APIs do). */
  protected requiresUserActivation(): boolean {
    return false;
  }

  /** Checks that run once the model is loaded (e.g. languages a caller's model must know). */
  protected afterLoad(): void {}

  private async modelManifest(signal?: AbortSignal): Promise<ShippedModel | Uint8Array> {
    if (this.options.model !== undefined) return (await resolveModelSource(this.options.model, readText, signal)) as ModelManifest | Uint8Array;
    const shipped = shippedModel(this.taskName);
    if (!shipped) {
      throw new NotSupportedError(`this build of the package ships no ${this.taskName} model; pass the "model" option (a .perch URL or manifest)`);
    }
    return shipped;
  }

  /** Engine choices of this task kind where the options are silent: a worker lane of its own. */
  protected engineDefaults(): EngineDefaults {
    return { lane: this.taskName };
  }

  private localEngine(): Promise<Backend> {
    return getEngine(this.options, this.engineDefaults());
  }

  private async loadLocal(monitor: ProgressReporter | undefined, signal?: AbortSignal): Promise<LocalModel> {
    this.localLoading ??= (async () => {
      // The engine starts (worker, wasm compile) while the model downloads.
      const starting = this.localEngine();
      starting.catch(() => {}); // its failure is thrown where it is awaited, below
      const src = await this.modelManifest(signal);
      let bytes: Uint8Array;
      if (src instanceof Uint8Array) {
        bytes = src.slice(); // the caller keeps its bytes; a Worker backend detaches what it gets
        this.loadedFromCache = true;
        monitor?.report(0, 0, bytes.length);
      } else {
        const got = await fetchModel(src, {
          signal,
          cache: this.options.cache,
          // 1 only once the model is loaded (ProgressReporter.finish), never twice
          onProgress: (p) => monitor?.report(Math.min(p.fraction, 1 - 2 ** -16), p.bytesLoaded, p.bytesTotal),
        });
        bytes = got.bytes;
        this.loadedFromCache = got.source !== 'network';
        mark('model-fetched');
      }
      throwIfAborted(signal);
      this.noteModelBytes(bytes);
      const backend = await starting;
      throwIfAborted(signal);
      const info = await backend.load(bytes, this.kind);
      mark('model-loaded');
      this.engine = backend.info;
      if (this.destroyed) {
        await backend.free(info.handle);
        throw this.#destruction.signal.reason;
      }
      return { backend, handle: info.handle, info };
    })();
    try {
      this.local = await this.localLoading;
      return this.local;
    } catch (e) {
      this.localLoading = undefined;
      throw e;
    }
  }

  /** Decides where to run and gets the model ready there. Called once by create(). */
  protected async init(monitor: ProgressReporter, signal: AbortSignal | undefined): Promise<void> {
    this.#createProgress = monitor;
    try {
      await this.#placer.place(signal);
    } finally {
      this.#createProgress = undefined;
    }
    if (this.local) this.afterLoad();
  }

  private localFlops = 0;
  /** The loaded model's labels (its `perch.labels` metadata), when it has them. */
  protected modelLabels: string[] | undefined;
  /** Cost of one call and labels, from the model header (set when a model is loaded). */
  protected noteModelBytes(bytes: Uint8Array): void {
    try {
      const header = readPerchHeader(bytes);
      this.localFlops = estimateFlops(header, this.rowsPerCall());
      const labels: unknown = JSON.parse(header.metadata['perch.labels'] ?? 'null');
      this.modelLabels = Array.isArray(labels) ? labels.map(String) : undefined;
    } catch {
      this.localFlops = 0;
    }
  }

  private async releaseLocal(): Promise<void> {
    const l = this.local;
    this.local = undefined;
    this.localLoading = undefined;
    if (l) await l.backend.free(l.handle).catch(() => {});
  }

  /** Runs a call where the placement says, falling back (in 'auto') to the other side on failure. */
  protected dispatch<T>(
    local: (m: LocalModel) => Promise<T>,
    remote: (r: RemoteOptions) => Promise<T>,
    signal: AbortSignal | undefined,
    timing?: CallTiming,
  ): Promise<T> {
    return this.#placer.dispatch(local, remote, signal, timing);
  }

  /**
   * Frees the model's memory in the engine. Pending and later calls reject with an "AbortError"
   * DOMException.
   */
  destroy(): void {
    this.destroyWith(domException('AbortError', `the ${this.constructor.name} was destroyed; create a new one with ${this.constructor.name}.create()`));
  }

  /** destroy() with this reason (the create() signal's, when that aborts). */
  protected destroyWith(reason: unknown): void {
    if (this.destroyed) return;
    this.#destruction.abort(reason);
    this.#placer.stop();
    this.#released = this.releaseLocal();
  }

  /** Like destroy(), and resolves once the engine has freed the model. */
  async destroyAsync(): Promise<void> {
    this.destroy();
    await this.#released;
  }
}

export function checkText(text: unknown, what: string): string {
  if (typeof text !== 'string') throw new InvalidInputError(`${what} needs a string (got ${text === null ? 'null' : typeof text})`);
  return text;
}

export function checkCount(v: unknown, name: string, min: number, max: number, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidInputError(`${name} must be an integer from ${min} to ${max} (got ${String(v)})`);
  }
  return v;
}
