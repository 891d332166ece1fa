// The demo page: wires the compose box, language badge, model downloads, placement panel,
// latency meters and server status to the two perch tasks.
import { GhostTextCompose } from './compose.js';
import { LanguageBadge } from './language-badge.js';
import { DownloadProgress } from './download-progress.js';
import { PlacementPanel } from './placement-panel.js';
import { LatencyMeter } from './latency-meter.js';
import { ServerStatus } from './server-status.js';
import { Coalescer } from './coalescer.js';
import { createTask, engineInfo } from './perch-tasks.js';
import { registerOfflineSupport } from './offline.js';

const SUGGESTIONS = { count: 3, maxWords: 2 };
const serverUrl = location.origin;

const $ = (sel) => document.querySelector(sel);
const badge = new LanguageBadge($('#language-badge'));
const downloads = {
  suggest: new DownloadProgress($('.download[data-task="suggest"]')),
  langid: new DownloadProgress($('.download[data-task="langid"]')),
};
const latency = {
  suggest: new LatencyMeter($('.latency[data-task="suggest"]')),
  langid: new LatencyMeter($('.latency[data-task="langid"]')),
};
const panel = new PlacementPanel($('#placement-title').closest('section'), {
  onWeakDeviceChange: (weak) => loadTasks(weak),
});
const compose = new GhostTextCompose($('.compose-card'), {
  // Detection first: microseconds on this thread, it never waits for the suggestion.
  onTextChange: (text) => { detectRuns.push(text); suggestRuns.push(text); },
});

/** The live tasks; replaced as a whole when the weak-device switch flips. */
const tasks = { suggest: null, langid: null };
let generation = 0;

const taskStatus = $('#compose-status');
const failures = { suggest: '', langid: '' };
function showFailure(kind, err) {
  failures[kind] = err ? `${kind === 'suggest' ? 'Suggestions' : 'Language detection'} failed: ${err.message}` : '';
  taskStatus.textContent = [failures.suggest, failures.langid].filter(Boolean).join(' · ');
}

const suggestRuns = new Coalescer(async (text) => {
  const task = tasks.suggest;
  if (!task) return;
  if (text.trim() === '') { compose.setSuggestions(text, []); return; }
  const t0 = performance.now();
  try {
    const results = await task.suggest(text, SUGGESTIONS);
    latency.suggest.record(performance.now() - t0, task.placement.where, task.lastCallTiming);
    compose.setSuggestions(text, results);
    showFailure('suggest', null);
  } catch (err) {
    if (task !== tasks.suggest) return;  // replaced (weak-device switch) while the call ran
    showFailure('suggest', err);
    throw err;
  }
});

const detectRuns = new Coalescer(async (text) => {
  const task = tasks.langid;
  if (!task) return;
  if (text.trim() === '') { badge.clear(); return; }
  const t0 = performance.now();
  try {
    const results = await task.detect(text);
    latency.langid.record(performance.now() - t0, task.placement.where, task.lastCallTiming);
    if (text === compose.text) badge.show(results);
    showFailure('langid', null);
  } catch (err) {
    if (task !== tasks.langid) return;  // replaced (weak-device switch) while the call ran
    showFailure('langid', err);
    throw err;
  }
});

async function loadTasks(weakDevice) {
  const mine = ++generation;
  for (const kind of ['suggest', 'langid']) {
    const old = tasks[kind];
    tasks[kind] = null;
    old?.destroy?.();
    panel.showLoading(kind, weakDevice ? 're-planning for a weak device' : 'loading');
  }
  await Promise.all(['suggest', 'langid'].map(async (kind) => {
    try {
      const { task, source, bytes } = await createTask(kind, {
        serverUrl,
        weakDevice,
        onProgress: (fraction, loaded, total) => downloads[kind].progress(fraction, loaded, total),
      });
      if (mine !== generation) { task.destroy?.(); return; }
      tasks[kind] = task;
      if (kind === 'suggest') compose.showThreshold = task.showThreshold;
      downloads[kind].done(source, bytes);
      panel.showPlacement(kind, task.placement);
      task.addEventListener?.('placementchange', () => panel.showPlacement(kind, task.placement));
    } catch (err) {
      if (mine !== generation) return;
      console.error(err);
      downloads[kind].failed('failed');
      panel.showFailure(kind, err.message);
    }
  }));
  if (mine !== generation) return;
  const engine = await engineInfo({ tasks });
  if (mine !== generation) return;
  panel.showEngine(engine);
  document.body.dataset.ready = weakDevice ? 'weak' : 'normal';
  // Re-run on whatever is typed already, so the switch's effect shows at once.
  compose.onTextChange(compose.text);
}

const server = new ServerStatus({
  serverUrl,
  onChange: ({ up, taskRequests }) => {
    const chip = $('#connection');
    chip.dataset.state = up ? 'up' : 'down';
    chip.textContent = up ? 'Server reachable' : 'Offline: server gone, running on this device';
    panel.showServer(up
      ? `reachable${taskRequests != null ? `, ${taskRequests} task request${taskRequests === 1 ? '' : 's'} served` : ''}`
      : 'gone (offline)');
  },
});

registerOfflineSupport();
server.start();
loadTasks(false);
