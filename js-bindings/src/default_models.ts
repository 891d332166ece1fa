// The models shipped inside the package, located like the .wasm files so bundlers emit them.
// Their SHA-256 and size are generated at build time (scripts/build.mjs).
import { canonicalLabel } from './language_tags.js';
import type { ModelManifest, TaskName } from './manifest.js';
import { SHIPPED_MODELS } from './generated/shipped_models.js';

export interface ShippedModel extends ModelManifest {
  /** Estimated FLOP of one call (placement). */
  flopsPerCall?: number;
}

let languages: ReadonlySet<string> | undefined;
/** The languages the shipped language detection model knows (canonical tags). */
export function shippedLanguages(): ReadonlySet<string> | undefined {
  const labels = SHIPPED_MODELS['language-detection']?.labels;
  if (!labels) return undefined;
  languages ??= new Set(labels.map(canonicalLabel));
  return languages;
}

export function shippedModel(task: TaskName): ShippedModel | undefined {
  const m = SHIPPED_MODELS[task];
  if (!m) return undefined;
  const url = task === 'language-detection' ? new URL('./models/langid.perch', import.meta.url).href : new URL('./models/suggest.perch', import.meta.url).href;
  return { ...m, url, task };
}
