// Download progress as the Language Detector API reports it: `create({monitor})` gets a
// CreateMonitor (an EventTarget) that fires `downloadprogress` ProgressEvents with
// lengthComputable true, total 1 and `loaded` a fraction rounded down to 1/65536, starting at 0,
// strictly increasing, and ending with exactly one event at 1; none after the create() signal
// aborts. perch adds the byte counts (`bytesLoaded`, `bytesTotal`).

type ProgressEventCtor = new (
  type: string,
  init?: { lengthComputable?: boolean; loaded?: number; total?: number },
) => Event & {
  readonly lengthComputable: boolean;
  readonly loaded: number;
  readonly total: number;
};

/** ProgressEvent for runtimes without one (Node): the same three read-only attributes. */
class ProgressEventFallback extends Event {
  readonly #lengthComputable: boolean;
  readonly #loaded: number;
  readonly #total: number;
  constructor(type: string, init: { lengthComputable?: boolean; loaded?: number; total?: number } = {}) {
    super(type);
    this.#lengthComputable = init.lengthComputable ?? false;
    this.#loaded = init.loaded ?? 0;
    this.#total = init.total ?? 0;
  }
  get lengthComputable(): boolean {
    return this.#lengthComputable;
  }
  get loaded(): number {
    return this.#loaded;
  }
  get total(): number {
    return this.#total;
  }
}

const ProgressEventBase: ProgressEventCtor =
  (globalThis as { ProgressEvent?: ProgressEventCtor }).ProgressEvent ?? (ProgressEventFallback as unknown as ProgressEventCtor);

export class DownloadProgressEvent extends ProgressEventBase {
  /** Bytes downloaded so far (0 when nothing is downloaded: a cached or in-memory model). */
  readonly bytesLoaded: number;
  /** Bytes to download; 0 while unknown. */
  readonly bytesTotal: number;
  constructor(loaded: number, bytesLoaded: number, bytesTotal: number) {
    super('downloadprogress', { lengthComputable: true, loaded, total: 1 });
    this.bytesLoaded = bytesLoaded;
    this.bytesTotal = bytesTotal;
  }
}

export class CreateMonitor extends EventTarget {
  #handler: ((e: DownloadProgressEvent) => unknown) | null = null;
  #listening = false;

  /** The `ondownloadprogress` event handler attribute. */
  get ondownloadprogress(): ((e: DownloadProgressEvent) => unknown) | null {
    return this.#handler;
  }
  set ondownloadprogress(f: ((e: DownloadProgressEvent) => unknown) | null) {
    this.#handler = typeof f === 'function' ? f : null;
    if (!this.#listening) {
      this.#listening = true;
      this.addEventListener('downloadprogress', (e) => void this.#handler?.call(this, e as DownloadProgressEvent));
    }
  }
}
Object.defineProperty(CreateMonitor.prototype, Symbol.toStringTag, { value: 'CreateMonitor', configurable: true });

const STEPS = 0x10000;

/** Turns raw download fractions into the events the spec allows (see the file comment). */
export class ProgressReporter {
  #last = -1;
  #done = false;
  #bytesTotal = 0;
  constructor(
    private readonly monitor: CreateMonitor | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  report(fraction: number, bytesLoaded = 0, bytesTotal = 0): void {
    if (this.#done || !this.monitor || this.signal?.aborted) return;
    if (bytesTotal > 0) this.#bytesTotal = bytesTotal;
    const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    const loaded = Math.floor(clamped * STEPS) / STEPS;
    if (this.#last < 0 && loaded > 0) this.#fire(0, 0, bytesTotal);
    if (loaded <= this.#last) return;
    this.#fire(loaded, bytesLoaded, bytesTotal);
    if (loaded === 1) this.#done = true;
  }

  /** The model is ready: the final event at 1 (and the 0 before it when nothing was reported). */
  finish(): void {
    this.report(1, this.#bytesTotal, this.#bytesTotal);
  }

  #fire(loaded: number, bytesLoaded: number, bytesTotal: number): void {
    this.#last = loaded;
    this.monitor?.dispatchEvent(new DownloadProgressEvent(loaded, bytesLoaded, bytesTotal));
  }
}
