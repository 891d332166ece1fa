// Cold start: navigation → this module running (the package's module graph loaded) →
// LanguageDetector.create() → the first detect() result, as ms since navigation start.
import { LanguageDetector } from 'perch';

const moduleMs = performance.now();
const q = new URLSearchParams(location.search);
const variant = q.get('variant') ?? 'simd';
try {
  const d = await LanguageDetector.create({
    requireUserActivation: false,
    variant,
    numThreads: variant === 'simd-threads' ? 2 : 1,
  });
  const createdMs = performance.now();
  const r = await d.detect('The weather is lovely today, so we are going for a walk.');
  const firstMs = performance.now();
  const resources = performance.getEntriesByType('resource').map((e) => ({
    name: e.name.replace(location.origin, ''), start: e.startTime, request: e.requestStart, firstByte: e.responseStart,
    end: e.responseEnd, bytes: e.transferSize,
  }));
  // perch's own cold-start marks (trace.ts): the first of each, ms since navigation
  const marks = {};
  for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('perch:')) marks[m.name.slice(6)] ??= m.startTime;
  const nav = performance.getEntriesByType('navigation')[0];
  window.__cold = {
    moduleMs, createdMs, firstMs, lang: r[0].detectedLanguage, engine: d.engine, fromCache: d.loadedFromCache, resources, marks,
    htmlMs: nav?.responseEnd ?? NaN,
  };
} catch (e) {
  window.__cold = { error: String(e?.stack ?? e) };
}
