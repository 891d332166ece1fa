// The typing page: the demo's markup and its own compose box (ghost text), language badge and
// latency meters (demo-web/src), wired like demo-web/src/main.js to the two tasks made with the
// layout under test. The benchmark types into it with real key events; every call's end-to-end
// time and perch's breakdown go to window.__calls.
import { LanguageDetector, TextSuggester } from 'perch';
import { GhostTextCompose } from '../../../demo-web/src/compose.js';
import { LanguageBadge } from '../../../demo-web/src/language-badge.js';
import { LatencyMeter } from '../../../demo-web/src/latency-meter.js';
import { Coalescer } from '../../../demo-web/src/coalescer.js';
import { callRecord, engineOptions } from './configs.js';

const config = new URLSearchParams(location.search).get('config') ?? 'default';
const $ = (sel) => document.querySelector(sel);
const badge = new LanguageBadge($('#language-badge'));
const latency = {
  suggest: new LatencyMeter($('.latency[data-task="suggest"]')),
  langid: new LatencyMeter($('.latency[data-task="langid"]')),
};
const tasks = { suggest: null, langid: null };
window.__calls = [];

const suggestRuns = new Coalescer(async (text) => {
  const task = tasks.suggest;
  if (!task) return;
  if (text.trim() === '') { compose.setSuggestions(text, []); return; }
  const t0 = performance.now();
  const results = await task.suggest(text, { count: 3, maxWords: 3 });
  const ms = performance.now() - t0;
  window.__calls.push(callRecord('suggest', ms, task.lastCallTiming));
  latency.suggest.record(ms, task.placement.where, task.lastCallTiming);
  compose.setSuggestions(text, results);
});
const detectRuns = new Coalescer(async (text) => {
  const task = tasks.langid;
  if (!task) return;
  if (text.trim() === '') { badge.clear(); return; }
  const t0 = performance.now();
  const results = await task.detect(text);
  const ms = performance.now() - t0;
  window.__calls.push(callRecord('langid', ms, task.lastCallTiming));
  latency.langid.record(ms, task.placement.where, task.lastCallTiming);
  if (text === compose.text) badge.show(results);
});
const compose = new GhostTextCompose($('.compose-card'), {
  // Detection first: microseconds on this thread, it never waits for the suggestion.
  onTextChange: (text) => { detectRuns.push(text); suggestRuns.push(text); },
});

try {
  const base = { requireUserActivation: false, placement: 'local' };
  tasks.langid = await LanguageDetector.create({ ...base, ...engineOptions(config, 'langid') });
  tasks.suggest = await TextSuggester.create({ ...base, ...engineOptions(config, 'suggest') });
  document.body.dataset.ready = 'normal';
} catch (e) {
  window.__error = String(e?.stack ?? e);
}
