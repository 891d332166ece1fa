// The Language Detector API's result list, applied in JS until the engine returns it (the C++
// task takes this rule over; this file then goes). Idempotent: a list that already follows the
// rule comes back unchanged.
//
// Languages in descending confidence; stop once their cumulative confidence reaches 0.99 or the
// next is below the unknown score; then 'und' with the rest, so the confidences sum to exactly 1.
// 'und' is the unknown: no listed language may score at or below it, so the list is the longest
// such prefix whose smallest member beats what is left. Probability below float32 resolution
// (2^-24) is not a language: 'und' keeps at least that much, so it is never 0.
import type { LanguageResult } from './results.js';
import { canonicalLabel } from './language_tags.js';

const MIN_UNKNOWN = 2 ** -24;

export function languageResultList(raw: readonly LanguageResult[], maxLanguages = Infinity): LanguageResult[] {
  const unknown = raw.filter((r) => r.detectedLanguage === 'und').reduce((s, r) => s + r.confidence, 0);
  const known = raw
    .filter((r) => r.detectedLanguage !== 'und' && r.confidence > 0)
    .map((r) => ({ detectedLanguage: canonicalLabel(r.detectedLanguage), confidence: r.confidence }))
    .sort((a, b) => b.confidence - a.confidence);
  let keep = 0;
  let cumulative = 0;
  for (let i = 0; i < known.length && i < maxLanguages && cumulative < 0.99; i++) {
    const c = known[i]!.confidence;
    if (c < unknown) break;
    cumulative += c;
    if (c > Math.max(1 - cumulative, MIN_UNKNOWN)) keep = i + 1;
  }
  const out = known.slice(0, keep);
  let sum = 0;
  for (const r of out) sum += r.confidence;
  // (half: a list capped before, re-read, is within rounding of MIN_UNKNOWN and stays as it is)
  if (out.length > 0 && 1 - sum < MIN_UNKNOWN / 2) {
    out[0] = { ...out[0]!, confidence: out[0]!.confidence - (MIN_UNKNOWN - (1 - sum)) };
    sum = 0;
    for (const r of out) sum += r.confidence;
  }
  out.push({ detectedLanguage: 'und', confidence: 1 - sum });
  return out;
}
