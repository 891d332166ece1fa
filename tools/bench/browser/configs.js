// The engine layouts the browser benchmark compares, as create() options per task:
//   default  the package's defaults
//   shared   both tasks' calls in one worker, one at a time (the package's layout before lanes)
//   lanes    a worker per task: a detection never waits behind a suggestion
//   inline   the detector on the calling thread (worker: false), the suggester in its worker
//   main     both on the calling thread: no messages at all, but the page waits for each call
export const CONFIGS = ['default', 'shared', 'lanes', 'inline', 'main'];

export function engineOptions(config, task) {
  switch (config) {
    case 'shared': return { worker: true, lane: 'shared' };
    case 'lanes': return { worker: true, lane: task };
    case 'inline': return task === 'langid' ? { worker: false } : { worker: true, lane: task };
    case 'main': return { worker: false };
    default: return {};
  }
}

/** Every number a call's timing gives, plus what the caller saw (ms). */
export function callRecord(task, e2eMs, timing) {
  const t = timing ?? {};
  return {
    task,
    e2e: e2eMs,
    engine: t.engineMs ?? NaN,
    queued: t.queuedMs ?? NaN,
    toWorker: t.toWorkerMs ?? NaN,
    fromWorker: t.fromWorkerMs ?? NaN,
    // after perch had the result, until the caller's await resumed
    callback: t.totalMs === undefined ? NaN : Math.max(0, e2eMs - t.totalMs),
    where: t.where ?? '',
  };
}
