// Runs an async call for the newest input only: at most one call in flight per task, and when it
// returns, the latest input that arrived meanwhile (if any) is run next. Typing fast therefore
// never queues a backlog of stale requests, and each measured latency is one real call.

export class Coalescer {
  /** @param {(input: any) => Promise<void>} run */
  constructor(run) {
    this.runFn = run;
    this.busy = false;
    this.pending = undefined;
    this.hasPending = false;
  }

  push(input) {
    this.pending = input;
    this.hasPending = true;
    if (!this.busy) this.drain();
  }

  async drain() {
    this.busy = true;
    while (this.hasPending) {
      const input = this.pending;
      this.hasPending = false;
      this.pending = undefined;
      try {
        await this.runFn(input);
      } catch (err) {
        console.error(err);
      }
    }
    this.busy = false;
  }
}
