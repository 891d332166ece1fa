// LanguageDetector with the shape of the browser's Language Detector API
// (availability(), create({monitor, signal}), detect(text), destroy()).
import { availabilityOf, type Availability } from './availability.js';
import { getEnv } from './env.js';
import { InvalidInputError } from './errors.js';
import { remoteDetect } from './remote.js';
import type { LanguageResult } from './results.js';
import { checkCount, checkText, Task, type TaskCreateOptions } from './task.js';

export interface LanguageDetectorCreateOptions extends TaskCreateOptions {
  /** Languages the caller expects (BCP 47): the detector raises their prior, so short text in them
   *  is read as them rather than as a small neighbour. Readable back. */
  expectedInputLanguages?: string[];
  /** In browsers, the user's own languages (navigator.languages) are expected too; false turns
   *  that off (default true). */
  useBrowserLanguages?: boolean;
}

export interface DetectOptions {
  signal?: AbortSignal;
  /** How many languages to return before the final 'und' (default 10). */
  top?: number;
}

/** The list as the engine's task layer (and perch-server) gives it: sorted, ending with 'und',
 *  summing to 1 (src/perch/tasks/language_detector.h). Passed through as it is; only a list that
 *  does not end with 'und' (an older server) gets 'und' with the remaining probability. */
export function normalizeLanguageResults(results: LanguageResult[]): LanguageResult[] {
  if (results.length > 0 && results[results.length - 1].detectedLanguage === 'und') return results;
  const known = results.filter((r) => r.detectedLanguage !== 'und').sort((a, b) => b.confidence - a.confidence);
  const given = results.find((r) => r.detectedLanguage === 'und');
  const rest = Math.max(0, 1 - known.reduce((s, r) => s + r.confidence, 0));
  known.push({ detectedLanguage: 'und', confidence: given ? given.confidence : rest });
  return known;
}

export class LanguageDetector extends Task {
  readonly expectedInputLanguages: readonly string[] | null;
  /** Largest input (UTF-16 code units) detect() accepts. */
  readonly inputQuota = 1 << 20;
  /** What the engine is told to expect: expectedInputLanguages, then navigator.languages in browsers. */
  private readonly expectedTags: string;

  private constructor(options: LanguageDetectorCreateOptions) {
    super('language-detection', 'language-detection', options);
    this.expectedInputLanguages = options.expectedInputLanguages ? Object.freeze([...options.expectedInputLanguages]) : null;
    const tags = [...(options.expectedInputLanguages ?? [])];
    const nav = (globalThis as { navigator?: { languages?: readonly string[] } }).navigator;
    const runtime = getEnv().runtime;
    if (options.useBrowserLanguages !== false && (runtime === 'browser' || runtime === 'worker') && Array.isArray(nav?.languages)) {
      tags.push(...nav.languages);
    }
    this.expectedTags = tags.filter((t) => typeof t === 'string' && /^[A-Za-z0-9_-]{1,35}$/.test(t)).join(',');
  }

  static availability(options: LanguageDetectorCreateOptions = {}): Promise<Availability> {
    return availabilityOf('language-detection', options);
  }

  static async create(options: LanguageDetectorCreateOptions = {}): Promise<LanguageDetector> {
    const d = new LanguageDetector(options);
    await d.init();
    return d;
  }

  protected defaultBudgetMs(): number {
    return 100;
  }

  async measureInputUsage(text: string): Promise<number> {
    return checkText(text, 'measureInputUsage()').length;
  }

  /** Languages of `text`, most likely first, ending with 'und'. */
  async detect(text: string, options: DetectOptions = {}): Promise<LanguageResult[]> {
    this.checkAlive('LanguageDetector');
    const t = checkText(text, 'detect()');
    if (t.length > this.inputQuota) throw new InvalidInputError(`detect() accepts at most ${this.inputQuota} characters (got ${t.length}); pass a shorter excerpt`);
    const top = checkCount(options.top, 'top', 1, 1000, 10);
    const out = await this.dispatch(
      (m) => m.backend.detect(m.handle, t, top, this.expectedTags),
      (r) => remoteDetect(r, t, top, options.signal),
      options.signal,
    );
    return normalizeLanguageResults(out);
  }
}
