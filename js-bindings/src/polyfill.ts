// Opt-in: defines globalThis.LanguageDetector (perch's) where the browser has none.
import { LanguageDetector } from './language_detector.js';

/** Returns true when perch's LanguageDetector was installed, false when one already existed. */
export function installPolyfill(): boolean {
  const g = globalThis as { LanguageDetector?: unknown };
  if (g.LanguageDetector !== undefined) return false;
  Object.defineProperty(globalThis, 'LanguageDetector', { value: LanguageDetector, writable: true, configurable: true });
  return true;
}
