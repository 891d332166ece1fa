// Placement (DESIGN §6): run a task on this device or on perch-server, and say why.
import type { PerchEnv } from './env.js';

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
