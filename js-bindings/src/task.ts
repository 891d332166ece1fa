// What LanguageDetector and TextSuggester share: options, placement (local / remote, with
// fallbacks both ways and a `placementchange` event), model fetching and loading, destroy().
import type { Backend, EngineInfo, ModelKind } from './backend.js';
import { shippedModel, type ShippedModel } from './default_models.js';
import { getEngine, type EngineOptions } from './engine_registry.js';
import { getEnv } from './env.js';
import { AbortError, DestroyedError, InvalidInputError, NotSupportedError, PerchError, RemoteError, throwIfAborted } from './errors.js';
import { resolveModelSource, type ModelManifest, type ModelSource, type TaskName } from './manifest.js';
import { fetchModel, readText } from './model_fetch.js';
import { CreateMonitor } from './monitor.js';
import { estimateFlops, readPerchHeader } from './perch_file.js';
import {
  decidePlacement,
  detectDevice,
  watchComputePressure,
  type DeviceProfile,
  type Placement,
  type PlacementMode,
  type PressureState,
} from './placement.js';
import type { RemoteOptions } from './remote.js';

export interface TaskCreateOptions extends EngineOptions {
  /** Receives an EventTarget firing `downloadprogress` (e.loaded is a 0…1 fraction). */
  monitor?: (m: CreateMonitor) => void;
  /** Aborts creation (download, loading). */
  signal?: AbortSignal;
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
  constructor(readonly placement: Placement, readonly previous: Placement) {
    super('placementchange');
  }
}

interface LocalModel {
  backend: Backend;
  handle: number;
}

export abstract class Task extends EventTarget {
  /** Where calls run now, and why. */
  placement: Placement = { where: 'local', reason: '' };
  /** True when the model bytes came from the cache (or a local file) rather than the network. */
  loadedFromCache = false;
  onplacementchange: ((e: PlacementChangeEvent) => void) | null = null;
  /** The local engine in use (wasm build, threads, in a Worker or not); undefined while remote only. */
  engine: EngineInfo | undefined;

  protected local: LocalModel | undefined;
  private localLoading: Promise<LocalModel> | undefined;
  private destroyed = false;
  private stopPressure: () => void = () => {};
  private pressureSwitched = false;
  protected readonly remote: RemoteOptions | undefined;
  protected readonly mode: PlacementMode;

  protected constructor(
    protected readonly taskName: TaskName,
    protected readonly kind: ModelKind,
    protected readonly options: TaskCreateOptions,
  ) {
    super();
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
  }

  protected abstract defaultBudgetMs(): number;
  /** Dense rows processed per call (tokens for generators), for the cost estimate. */
  protected rowsPerCall(): number {
    return 1;
  }

  protected checkAlive(what: string): void {
    if (this.destroyed) throw new DestroyedError(what);
  }

  private async modelManifest(signal?: AbortSignal): Promise<ShippedModel | Uint8Array> {
    if (this.options.model !== undefined) return (await resolveModelSource(this.options.model, readText, signal)) as ModelManifest | Uint8Array;
    const shipped = shippedModel(this.taskName);
    if (!shipped) {
      throw new NotSupportedError(`this build of the package ships no ${this.taskName} model; pass the "model" option (a .perch URL or manifest)`);
    }
    return shipped;
  }

  private async loadLocal(monitor: CreateMonitor | undefined, signal?: AbortSignal): Promise<LocalModel> {
    this.localLoading ??= (async () => {
      const backend = await getEngine(this.options);
      const src = await this.modelManifest(signal);
      let bytes: Uint8Array;
      if (src instanceof Uint8Array) {
        bytes = src.slice(); // the caller keeps its bytes; a Worker backend detaches what it gets
        this.loadedFromCache = true;
        monitor?.emit(0, 0, bytes.length);
        monitor?.emit(1, bytes.length, bytes.length);
      } else {
        const got = await fetchModel(src, {
          signal,
          cache: this.options.cache,
          onProgress: (p) => monitor?.emit(p.fraction, p.bytesLoaded, p.bytesTotal),
        });
        bytes = got.bytes;
        this.loadedFromCache = got.source !== 'network';
      }
      throwIfAborted(signal);
      this.noteModelBytes(bytes);
      const info = await backend.load(bytes, this.kind);
      this.engine = backend.info;
      if (this.destroyed) {
        await backend.free(info.handle);
        throw new DestroyedError(this.constructor.name);
      }
      return { backend, handle: info.handle };
    })();
    try {
      this.local = await this.localLoading;
      return this.local;
    } catch (e) {
      this.localLoading = undefined;
      throw e;
    }
  }

  private setPlacement(p: Placement): void {
    const previous = this.placement;
    this.placement = p;
    if (previous.reason !== '' && previous.where !== p.where) {
      const e = new PlacementChangeEvent(p, previous);
      this.onplacementchange?.(e);
      this.dispatchEvent(e);
    }
  }

  /** Decides where to run and gets the model ready there. Called once by create(). */
  protected async init(): Promise<void> {
    const { signal } = this.options;
    throwIfAborted(signal);
    const monitor = new CreateMonitor();
    this.options.monitor?.(monitor);
    if (this.mode === 'local') {
      await this.loadLocal(monitor, signal);
      this.placement = { where: 'local', reason: "placement: 'local' was requested" };
      return;
    }
    if (this.mode === 'remote') {
      this.placement = { where: 'remote', reason: "placement: 'remote' was requested" };
      return;
    }
    // auto
    const env = getEnv();
    const device: DeviceProfile = { ...detectDevice(env), ...this.options.device };
    const budget = this.options.latencyBudgetMs ?? this.defaultBudgetMs();
    if (!this.remote) {
      await this.loadLocal(monitor, signal);
      this.placement = { where: 'local', reason: 'no serverUrl is configured, so the task runs on this device' };
      return;
    }
    if (device.computePressure === undefined && this.options.device?.computePressure === undefined) {
      const watch = await watchComputePressure(100, (s) => this.onPressure(s));
      device.computePressure = watch.first;
      this.stopPressure = watch.stop;
    }
    const src = this.options.model === undefined ? shippedModel(this.taskName) : undefined;
    const input = {
      mode: this.mode,
      serverUrl: this.remote.serverUrl,
      device,
      modelBytes: src?.size ?? 0,
      flopsPerCall: src?.flopsPerCall ?? 0,
      latencyBudgetMs: budget,
    };
    // Cheap checks first: a device that cannot run the model never downloads it.
    let decision = decidePlacement(input);
    if (decision.where === 'remote') {
      this.placement = decision;
      return;
    }
    try {
      if (device.probeFlopsPerMs === undefined) {
        const backend = await getEngine(this.options);
        const probe = await backend.probe();
        device.probeFlopsPerMs = probe.flops / Math.max(probe.ms, 1e-3);
      }
      if (input.flopsPerCall === 0 && src === undefined) {
        // A model given by the caller: its cost is known once its header is read.
        await this.loadLocal(monitor, signal);
      }
      decision = decidePlacement({ ...input, device, flopsPerCall: input.flopsPerCall || this.localFlops });
      if (decision.where === 'remote') {
        await this.releaseLocal();
        this.placement = decision;
        return;
      }
      await this.loadLocal(monitor, signal);
      this.placement = decision;
    } catch (e) {
      if (e instanceof AbortError || e instanceof DestroyedError) throw e;
      await this.releaseLocal();
      this.placement = { where: 'remote', reason: `loading the model on this device failed (${(e as Error).message}), so the server runs the task` };
    }
  }

  private localFlops = 0;
  /** Cost of one call from the model header (set when a caller-provided model is loaded). */
  protected noteModelBytes(bytes: Uint8Array): void {
    try {
      this.localFlops = estimateFlops(readPerchHeader(bytes), this.rowsPerCall());
    } catch {
      this.localFlops = 0;
    }
  }

  private onPressure(state: PressureState): void {
    if (this.destroyed || this.mode !== 'auto' || !this.remote) return;
    if (state === 'critical' && this.placement.where === 'local') {
      this.pressureSwitched = true;
      this.setPlacement({ where: 'remote', reason: 'the Compute Pressure API reports critical CPU pressure, so the server runs the task' });
    } else if (state !== 'critical' && state !== 'serious' && this.pressureSwitched && this.placement.where === 'remote') {
      this.pressureSwitched = false;
      this.setPlacement({ where: 'local', reason: `CPU pressure is back to ${state}, so the task runs on this device again` });
    }
  }

  private async releaseLocal(): Promise<void> {
    const l = this.local;
    this.local = undefined;
    this.localLoading = undefined;
    if (l) await l.backend.free(l.handle).catch(() => {});
  }

  /** Runs a call where the placement says, falling back (in 'auto') to the other side on failure. */
  protected async dispatch<T>(
    local: (m: LocalModel) => Promise<T>,
    remote: (r: RemoteOptions) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    this.checkAlive(this.constructor.name);
    throwIfAborted(signal);
    if (this.placement.where === 'remote' && this.remote) {
      try {
        return await remote(this.remote);
      } catch (e) {
        const unreachable = e instanceof RemoteError && (e.status === 0 || e.status >= 500);
        if (this.mode !== 'auto' || !unreachable) throw e;
        let m: LocalModel;
        try {
          m = await this.loadLocal(undefined, signal);
        } catch (le) {
          throw new PerchError(`the server failed (${(e as Error).message}) and running locally failed too (${(le as Error).message})`, { cause: le });
        }
        this.setPlacement({ where: 'local', reason: `the server failed (${(e as Error).message}), so the task runs on this device` });
        this.checkAlive(this.constructor.name);
        return local(m);
      }
    }
    let m = this.local;
    if (!m) {
      try {
        m = await this.loadLocal(undefined, signal);
      } catch (e) {
        if (this.mode !== 'auto' || !this.remote || e instanceof AbortError) throw e;
        this.setPlacement({ where: 'remote', reason: `loading the model on this device failed (${(e as Error).message}), so the server runs the task` });
        return remote(this.remote);
      }
    }
    const result = await local(m);
    throwIfAborted(signal);
    return result;
  }

  /** Frees the model's memory in the engine; the task cannot be used afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopPressure();
    void this.releaseLocal();
  }

  /** Like destroy(), and resolves once the engine has freed the model. */
  async destroyAsync(): Promise<void> {
    this.destroyed = true;
    this.stopPressure();
    await this.releaseLocal();
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
