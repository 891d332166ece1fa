// AbortSignal plumbing the Language Detector API's algorithms use: a dependent signal that aborts
// when any of its sources does (the model's destruction signal plus the call's own signal), and
// checking that an option really is an AbortSignal.

export function checkSignal(signal: unknown, where: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new TypeError(`${where}: "signal" must be an AbortSignal`);
  return signal;
}

/** A signal that aborts with the reason of the first of `signals` to abort. */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  if (signals.length === 1) return signals[0]!;
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any.call(AbortSignal, signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/**
 * Runs `work` after the current task and settles with its result, unless `signal` aborts first:
 * then the promise rejects with the signal's reason at once and the result is dropped.
 */
export function runAbortable<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    queueMicrotask(() => {
      if (signal.aborted) return;
      work()
        .then(
          (v) => (signal.aborted ? reject(signal.reason) : resolve(v)),
          (e) => reject(signal.aborted ? signal.reason : e),
        )
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  });
}
