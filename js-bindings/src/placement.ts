// Placement (DESIGN §6): run a task on this device or on perch-server, and say why. The pure
// decision (decidePlacement), and TaskPlacement: the one place that applies it to a task — at
// create(), on Compute Pressure changes, and when a call fails on one side and falls back to the
// other.
import type { CallTiming } from './backend.js';
import { getEnv, type PerchEnv } from './env.js';
import { PerchError, RemoteError, throwIfAborted } from './errors.js';
import type { RemoteOptions } from './remote.js';

export type PlacementMode = 'auto' | 'local' | 'remote';

export interface Placement {
  where: 'local' | 'remote';
  reason: string;
}

export type PressureState = 'nominal' | 'fair' | 'serious' | 'critical';

/** What placement looks at. Detected values can be overridden (`device` option) to simulate devices. */
export interface DeviceProfile {
  simd: boolean;
  /** GiB (navigator.deviceMemory); undefined when the browser does not say. */
  deviceMemory: number | undefined;
  /** Engine speed from the probe, in FLOP per millisecond; undefined to measure it. */
  probeFlopsPerMs: number | undefined;
  /** Compute Pressure API's CPU state; undefined where the API is missing. */
  computePressure: PressureState | undefined;
}

export interface PlacementInput {
  mode: PlacementMode;
  serverUrl: string | undefined;
  device: DeviceProfile;
  /** Bytes of the model file (memory need ≈ 4×). */
  modelBytes: number;
  /** Estimated FLOP of one call. */
  flopsPerCall: number;
  latencyBudgetMs: number;
}

/** Memory a model needs on the device, and the share of device memory a page may take. */
export const MIN_MODEL_MEMORY = 64 * 2 ** 20;
export const DEVICE_MEMORY_SHARE = 1 / 8;

/** The decision, given a measured (or simulated) probe speed. Pure, so every branch is testable. */
export function decidePlacement(p: PlacementInput): Placement {
  if (p.mode === 'local') return { where: 'local', reason: "placement: 'local' was requested" };
  if (p.mode === 'remote') return { where: 'remote', reason: "placement: 'remote' was requested" };
  if (!p.serverUrl) return { where: 'local', reason: 'no serverUrl is configured, so the task runs on this device' };
  if (!p.device.simd) return { where: 'remote', reason: 'this browser has no WebAssembly SIMD, so the server runs the task' };
  const need = Math.max(MIN_MODEL_MEMORY, 4 * p.modelBytes);
  if (p.device.deviceMemory !== undefined && p.device.deviceMemory * 2 ** 30 * DEVICE_MEMORY_SHARE < need) {
    return {
      where: 'remote',
      reason: `device memory is low (${p.device.deviceMemory} GiB; the model needs about ${Math.ceil(need / 2 ** 20)} MiB), so the server runs the task`,
    };
  }
  if (p.device.computePressure === 'critical') {
    return { where: 'remote', reason: 'the Compute Pressure API reports critical CPU pressure, so the server runs the task' };
  }
  const speed = p.device.probeFlopsPerMs;
  if (speed !== undefined && speed > 0 && p.flopsPerCall > 0) {
    const predicted = p.flopsPerCall / speed;
    if (predicted > p.latencyBudgetMs) {
      return {
        where: 'remote',
        reason: `the probe predicts ${predicted.toFixed(1)} ms per call on this device, over the ${p.latencyBudgetMs} ms budget, so the server runs the task`,
      };
    }
    return { where: 'local', reason: `the probe predicts ${predicted.toFixed(1)} ms per call, within the ${p.latencyBudgetMs} ms budget` };
  }
  return { where: 'local', reason: 'WebAssembly SIMD and enough memory are available' };
}

export function detectDevice(env: PerchEnv): DeviceProfile {
  return { simd: env.simd, deviceMemory: env.deviceMemory, probeFlopsPerMs: undefined, computePressure: undefined };
}

interface PressureRecordLike {
  state: PressureState;
}
interface PressureObserverLike {
  observe(source: 'cpu', options?: { sampleInterval?: number }): Promise<void>;
  disconnect(): void;
}
type PressureObserverCtor = new (cb: (records: PressureRecordLike[]) => void) => PressureObserverLike;

/**
 * Watches the Compute Pressure API where it exists: resolves with the first state seen within
 * `waitMs` (undefined without the API), and calls `onChange` on every later change.
 */
export async function watchComputePressure(
  waitMs: number,
  onChange: (s: PressureState) => void,
): Promise<{ first: PressureState | undefined; stop: () => void }> {
  const Ctor = (globalThis as { PressureObserver?: PressureObserverCtor }).PressureObserver;
  if (typeof Ctor !== 'function') return { first: undefined, stop: () => {} };
  let first: PressureState | undefined;
  let resolveFirst: (() => void) | undefined;
  const seen = new Promise<void>((r) => (resolveFirst = r));
  const observer = new Ctor((records) => {
    const last = records[records.length - 1];
    if (!last) return;
    if (first === undefined) {
      first = last.state;
      resolveFirst?.();
    } else {
      onChange(last.state);
    }
  });
  try {
    await observer.observe('cpu', { sampleInterval: 1000 });
  } catch {
    return { first: undefined, stop: () => {} };
  }
  await Promise.race([seen, new Promise((r) => setTimeout(r, waitMs))]);
  return { first, stop: () => observer.disconnect() };
}

/** What placement needs from its task: the model on this device, loaded and freed on request. */
export interface PlacementHost<M> {
  /**
   * Loads the model on this device, once (concurrent calls share the load); `forCreate`: the
   * load of create(), which reports download progress.
   */
  loadLocal(signal: AbortSignal | undefined, forCreate: boolean): Promise<M>;
  /** The model on this device, once loaded. */
  readonly localModel: M | undefined;
  releaseLocal(): Promise<void>;
  /** One call of the built-in probe workload on this device's engine. */
  probe(): Promise<{ ms: number; flops: number }>;
  /** FLOP of one call of the loaded model, from its header (0: unknown). */
  readonly localFlops: number;
  /** Aborted by the task's destroy(). */
  readonly destruction: AbortSignal;
}

export interface TaskPlacementConfig {
  mode: PlacementMode;
  remote: RemoteOptions | undefined;
  /** The `device` option: facts that override the detected ones. */
  device: Partial<DeviceProfile> | undefined;
  latencyBudgetMs: number;
  /** Size and cost of the shipped model, when the task uses it (undefined: the caller's model). */
  shipped(): { size?: number; flopsPerCall?: number } | undefined;
}

/**
 * Where one task's calls run. `onChange(next, previous)` hears every change; `previous` is given
 * only for the changes a `placementchange` event announces (not the decision of create()).
 */
export class TaskPlacement<M> {
  current: Placement = { where: 'local', reason: '' };
  private stopPressure: () => void = () => {};
  /** Compute Pressure moved the task to the server (and may move it back). */
  private pressureSwitched = false;

  constructor(
    private readonly config: TaskPlacementConfig,
    private readonly host: PlacementHost<M>,
    private readonly onChange: (next: Placement, previous: Placement | undefined) => void,
  ) {}

  private get destroyed(): boolean {
    return this.host.destruction.aborted;
  }

  /** Sets the placement; announced when it moves a task whose placement was already decided. */
  private move(p: Placement): void {
    const previous = this.current;
    this.current = p;
    this.onChange(p, previous.reason !== '' && previous.where !== p.where ? previous : undefined);
  }

  /** The decision of create(), without an event. */
  private decide(p: Placement): void {
    this.current = p;
    this.onChange(p, undefined);
  }

  /** Decides where to run and gets the model ready there. Called once, by create(). */
  async place(signal: AbortSignal | undefined): Promise<void> {
    const { mode, remote } = this.config;
    const host = this.host;
    if (mode === 'local') {
      await host.loadLocal(signal, true);
      this.decide({ where: 'local', reason: "placement: 'local' was requested" });
      return;
    }
    if (mode === 'remote') {
      this.decide({ where: 'remote', reason: "placement: 'remote' was requested" });
      return;
    }
    // auto
    const device: DeviceProfile = { ...detectDevice(getEnv()), ...this.config.device };
    if (!remote) {
      await host.loadLocal(signal, true);
      this.decide({ where: 'local', reason: 'no serverUrl is configured, so the task runs on this device' });
      return;
    }
    if (device.computePressure === undefined && this.config.device?.computePressure === undefined) {
      const watch = await watchComputePressure(100, (s) => this.onPressure(s));
      device.computePressure = watch.first;
      this.stopPressure = watch.stop;
    }
    const src = this.config.shipped();
    const input: PlacementInput = {
      mode,
      serverUrl: remote.serverUrl,
      device,
      modelBytes: src?.size ?? 0,
      flopsPerCall: src?.flopsPerCall ?? 0,
      latencyBudgetMs: this.config.latencyBudgetMs,
    };
    // Cheap checks first: a device that cannot run the model never downloads it.
    let decision = decidePlacement(input);
    if (decision.where === 'remote') {
      this.decide(decision);
      return;
    }
    try {
      if (device.probeFlopsPerMs === undefined) {
        const probe = await host.probe();
        device.probeFlopsPerMs = probe.flops / Math.max(probe.ms, 1e-3);
      }
      if (input.flopsPerCall === 0 && src === undefined) {
        // A model given by the caller: its cost is known once its header is read.
        await host.loadLocal(signal, true);
      }
      decision = decidePlacement({ ...input, device, flopsPerCall: input.flopsPerCall || host.localFlops });
      if (decision.where === 'remote') {
        await host.releaseLocal();
        this.decide(decision);
        return;
      }
      await host.loadLocal(signal, true);
      this.decide(decision);
    } catch (e) {
      if (signal?.aborted || this.destroyed) throw e;
      await host.releaseLocal();
      this.decide({ where: 'remote', reason: `loading the model on this device failed (${(e as Error).message}), so the server runs the task` });
    }
  }

  private onPressure(state: PressureState): void {
    if (this.destroyed || this.config.mode !== 'auto' || !this.config.remote) return;
    if (state === 'critical' && this.current.where === 'local') {
      this.pressureSwitched = true;
      this.move({ where: 'remote', reason: 'the Compute Pressure API reports critical CPU pressure, so the server runs the task' });
    } else if (state !== 'critical' && state !== 'serious' && this.pressureSwitched && this.current.where === 'remote') {
      this.pressureSwitched = false;
      this.move({ where: 'local', reason: `CPU pressure is back to ${state}, so the task runs on this device again` });
    }
  }

  /** Runs a call where the placement says, falling back (in 'auto') to the other side on failure. */
  async dispatch<T>(
    local: (m: M) => Promise<T>,
    remoteCall: (r: RemoteOptions) => Promise<T>,
    signal: AbortSignal | undefined,
    timing?: CallTiming,
  ): Promise<T> {
    const { mode, remote } = this.config;
    const host = this.host;
    throwIfAborted(host.destruction);
    throwIfAborted(signal);
    if (timing) timing.where = 'local';
    if (this.current.where === 'remote' && remote) {
      if (timing) timing.where = 'remote';
      try {
        return await remoteCall(remote);
      } catch (e) {
        if (mode !== 'auto' || !(e instanceof RemoteError && e.unusable)) throw e;
        let m: M;
        try {
          m = await host.loadLocal(signal, false);
        } catch (le) {
          throw new PerchError(`the server failed (${e.message}) and running locally failed too (${(le as Error).message})`, { cause: le });
        }
        this.move({ where: 'local', reason: `the server failed (${e.message}), so the task runs on this device` });
        throwIfAborted(host.destruction);
        if (timing) timing.where = 'local';
        return local(m);
      }
    }
    let m = host.localModel;
    if (!m) {
      try {
        m = await host.loadLocal(signal, false);
      } catch (e) {
        if (mode !== 'auto' || !remote || signal?.aborted || this.destroyed) throw e;
        this.move({ where: 'remote', reason: `loading the model on this device failed (${(e as Error).message}), so the server runs the task` });
        if (timing) timing.where = 'remote';
        return remoteCall(remote);
      }
    }
    const result = await local(m);
    throwIfAborted(signal);
    return result;
  }

  /** Stops watching Compute Pressure (destroy()). */
  stop(): void {
    this.stopPressure();
  }
}
