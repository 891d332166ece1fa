// The models shipped inside the package, located like the .wasm files so bundlers emit them.
// Their SHA-256 and size are generated at build time (scripts/build.mjs).
import { canonicalLabel, rememberCanonicalLabels } from './language_tags.js';
import type { ModelManifest, TaskName } from './manifest.js';
import { SHIPPED_MODELS } from './generated/shipped_models.js';

export interface ShippedModel extends ModelManifest {
  /** Estimated FLOP of one call (placement). */
  flopsPerCall?: number;
}

let languages: ReadonlySet<string> | undefined;
/** The languages the shipped language detection model knows (canonical tags). */
export function shippedLanguages(): ReadonlySet<string> | undefined {
  const shipped = SHIPPED_MODELS['language-detection'];
  if (!shipped?.labels) return undefined;
  if (!languages) {
    // Canonical forms computed at build time (scripts/build.mjs): no Intl call per label here.
    const canonical = shipped.canonicalLabels?.length === shipped.labels.length ? shipped.canonicalLabels : shipped.labels.map(canonicalLabel);
    rememberCanonicalLabels(shipped.labels, canonical);
    languages = new Set(canonical);
  }
  return languages;
}

export function shippedModel(task: TaskName): ShippedModel | undefined {
  const m = SHIPPED_MODELS[task];
  if (!m) return undefined;
  const url = task === 'language-detection' ? new URL('./models/langid.perch', import.meta.url).href : new URL('./models/suggest.perch', import.meta.url).href;
  return { ...m, url, task };
}
