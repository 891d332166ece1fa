// Node cold start, one fresh process per figure: import of the package → LanguageDetector.create()
// → first detect() result, in ms. argv: dist/index.js path, variant.
import { pathToFileURL } from 'node:url';

const [index, variant] = process.argv.slice(2);
const t0 = performance.now();
const { LanguageDetector } = await import(pathToFileURL(index).href);
const imported = performance.now();
const d = await LanguageDetector.create({ variant, numThreads: variant === 'simd-threads' ? 2 : 1 });
const created = performance.now();
const r = await d.detect('The weather is lovely today, so we are going for a walk.');
const first = performance.now();
// perch's cold-start marks (trace.ts), ms since the import began
const marks = {};
for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('perch:')) marks[m.name.slice(6)] ??= m.startTime - t0;
console.log(JSON.stringify({ importMs: imported - t0, createMs: created - imported, firstMs: first - t0, lang: r[0].detectedLanguage, marks }));
process.exit(0);
