// Cold-start steps as User Timing marks ('perch:wasm-compiled', …): a page (or DevTools) reads
// where its cold start went with performance.getEntriesByName('perch:…'). A few marks per engine
// and model load, none per call. Marks made inside the inference worker stay in its timeline.
export function mark(step: string): void {
  try {
    (globalThis as { performance?: { mark?: (name: string) => unknown } }).performance?.mark?.(`perch:${step}`);
  } catch {
    /* no User Timing here */
  }
}

/** Marks `step` when `p` fulfils (a failure is reported where `p` is awaited). */
export function markWhen(p: Promise<unknown>, step: string): void {
  p.then(
    () => mark(step),
    () => {},
  );
}
