// BCP 47 handling of the Language Detector API: expectedInputLanguages are validated and
// canonicalized as ECMA-402 does (RangeError for a tag that is not structurally valid; 'EN' ->
// 'en'), deduplicated, then replaced by their best-fit match among the languages the model
// knows (lookup: drop private use and extensions, then trailing subtags: 'en-Latn-GB' -> 'en').

/** Web IDL sequence<DOMString> conversion, then ECMA-402 canonicalization. */
export function canonicalizeLanguageTags(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${where}: expectedInputLanguages must be a sequence of language tags`);
  }
  const tags = Array.from(value as Iterable<unknown>, (v) => `${v as string}`);
  return Intl.getCanonicalLocales(tags); // throws RangeError on an invalid tag; deduplicates
}

/**
 * Individual languages whose macrolanguage a model may label instead (ISO 639-3 macrolanguage
 * mappings that ECMA-402 canonicalization leaves alone: 'cmn', 'zsm', 'arb' already become
 * 'zh', 'ms', 'ar' there).
 */
const MACROLANGUAGE: Readonly<Record<string, string>> = { nb: 'no', nn: 'no' };

/** The best-fit match for `tag` among `supported` (canonical tags), or undefined. */
export function bestFitLanguage(supported: ReadonlySet<string>, tag: string): string | undefined {
  let candidate = tag.replace(/-x-.*$/i, '').replace(/-[0-9a-wyz](-[0-9a-z]{2,8})+/gi, '');
  for (;;) {
    if (supported.has(candidate)) return candidate;
    const dash = candidate.lastIndexOf('-');
    if (dash < 0) {
      // An individual language the model knows only as its macrolanguage: 'nb-NO' -> 'no'.
      const macro = MACROLANGUAGE[candidate];
      return macro !== undefined && supported.has(macro) ? macro : undefined;
    }
    candidate = candidate.slice(0, dash);
    if (candidate.length >= 2 && candidate[candidate.length - 2] === '-') candidate = candidate.slice(0, -2);
  }
}

/**
 * `requested` replaced by best-fit matches (deduplicated), or null when one has no match.
 * With `supported` unknown (a caller's model not yet read), the canonical tags as given.
 */
export function matchLanguages(requested: string[], supported: ReadonlySet<string> | undefined): string[] | null {
  if (!supported) return requested;
  const out = new Set<string>();
  for (const tag of requested) {
    const match = bestFitLanguage(supported, tag);
    if (match === undefined) return null;
    out.add(match);
  }
  return [...out];
}

const canonicalCache = new Map<string, string>();
/** Seeds canonicalLabel's cache with forms computed elsewhere (the shipped model's, at build time). */
export function rememberCanonicalLabels(labels: readonly string[], canonical: readonly string[]): void {
  labels.forEach((label, i) => canonicalCache.set(label, canonical[i]!));
}

/** A model label in canonical form ('iw' -> 'he'); labels that are not tags stay as they are. */
export function canonicalLabel(label: string): string {
  let c = canonicalCache.get(label);
  if (c === undefined) {
    try {
      c = label === 'und' ? label : (Intl.getCanonicalLocales(label)[0] ?? label);
    } catch {
      c = label;
    }
    canonicalCache.set(label, c);
  }
  return c;
}
