// Download progress as the browser's built-in AI APIs report it: a `monitor(m)` callback gets an
// EventTarget that fires `downloadprogress` events whose `loaded` is a fraction (total is 1).

export class DownloadProgressEvent extends Event {
  /** Fraction downloaded, 0 … 1. */
  readonly loaded: number;
  /** Always 1, as in the Language Detector API. */
  readonly total = 1;
  readonly bytesLoaded: number;
  /** 0 while unknown. */
  readonly bytesTotal: number;
  constructor(loaded: number, bytesLoaded: number, bytesTotal: number) {
    super('downloadprogress');
    this.loaded = loaded;
    this.bytesLoaded = bytesLoaded;
    this.bytesTotal = bytesTotal;
  }
}

export class CreateMonitor extends EventTarget {
  /** Also settable as a property, like `ondownloadprogress` in browsers. */
  ondownloadprogress: ((e: DownloadProgressEvent) => void) | null = null;
  emit(loaded: number, bytesLoaded: number, bytesTotal: number): void {
    const e = new DownloadProgressEvent(loaded, bytesLoaded, bytesTotal);
    this.ondownloadprogress?.(e);
    this.dispatchEvent(e);
  }
}
