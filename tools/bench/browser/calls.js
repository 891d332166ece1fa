// The plain page: a detector and a suggester made with default options (plus the layout under
// test), then (1) back-to-back detect() and suggest() calls over the prefixes of a few sentences,
// as typing would send them, and (2) a detect() issued right after a suggest(), both in flight.
// Every call's end-to-end time and perch's own breakdown go to window.__bench.
import { LanguageDetector, TextSuggester } from 'perch';
import { callRecord, engineOptions } from './configs.js';

const q = new URLSearchParams(location.search);
const config = q.get('config') ?? 'default';
const SENTENCES = [
  'I would like to book a table for two people tomorrow evening.',
  'Thank you very much for your help with the project last week.',
  'Bonjour, je voudrais réserver une table pour deux personnes ce soir.',
  'Das Wetter ist heute herrlich, also machen wir einen langen Spaziergang.',
];
const prefixes = SENTENCES.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.slice(0, i + 1)));

async function timed(task, kind, text) {
  const t0 = performance.now();
  if (kind === 'langid') await task.detect(text);
  else await task.suggest(text, { count: 3, maxWords: 3 });
  return callRecord(kind, performance.now() - t0, task.lastCallTiming);
}

try {
  const base = { requireUserActivation: false, placement: 'local' };
  const detector = await LanguageDetector.create({ ...base, ...engineOptions(config, 'langid') });
  const suggester = await TextSuggester.create({ ...base, ...engineOptions(config, 'suggest') });
  const calls = [];
  // warm-up: JIT tiers, engine caches
  for (const p of prefixes.slice(0, 40)) { await detector.detect(p); await suggester.suggest(p); }
  for (const p of prefixes) calls.push({ phase: 'detect', ...(await timed(detector, 'langid', p)) });
  for (const p of prefixes) calls.push({ phase: 'suggest', ...(await timed(suggester, 'suggest', p)) });
  // A language call issued while a suggestion runs.
  for (const p of prefixes) {
    const s = timed(suggester, 'suggest', p);
    const d = timed(detector, 'langid', p);
    const [sr, dr] = await Promise.all([s, d]);
    calls.push({ phase: 'overlap', ...dr }, { phase: 'overlap', ...sr });
  }
  window.__bench = { calls, engines: { langid: detector.engine, suggest: suggester.engine } };
} catch (e) {
  window.__bench = { error: String(e?.stack ?? e) };
}
