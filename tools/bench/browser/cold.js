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
    name: e.name.replace(location.origin, ''), start: e.startTime, end: e.responseEnd, bytes: e.transferSize,
  }));
  window.__cold = { moduleMs, createdMs, firstMs, lang: r[0].detectedLanguage, engine: d.engine, fromCache: d.loadedFromCache, resources };
} catch (e) {
  window.__cold = { error: String(e?.stack ?? e) };
}
