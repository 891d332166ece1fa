// Opt-in: defines globalThis.LanguageDetector (perch's) where the platform has none, and
// QuotaExceededError where that is missing too (what detect() rejects with over inputQuota).
// A native LanguageDetector always wins: perch never replaces the browser's own.
import { PerchQuotaExceededError } from './errors.js';
import { LanguageDetector } from './language_detector.js';

/** Returns true when perch's LanguageDetector was installed, false when one already existed. */
export function installPolyfill(): boolean {
  const g = globalThis as { LanguageDetector?: unknown; QuotaExceededError?: unknown };
  if (g.LanguageDetector !== undefined) return false;
  const define = (name: string, value: unknown) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  define('LanguageDetector', LanguageDetector);
  if (g.QuotaExceededError === undefined) define('QuotaExceededError', PerchQuotaExceededError);
  return true;
}
