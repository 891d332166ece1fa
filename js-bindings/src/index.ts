// perch: client-side inference for the web. The package's public API.
import { getEnv, type PerchEnv } from './env.js';

export { LanguageDetector, type LanguageDetectorCreateOptions, type DetectOptions } from './language_detector.js';
export type { Availability } from './availability.js';
export { TextSuggester, type SuggestOptions, type TextSuggesterCreateOptions } from './text_suggester.js';
export { Model, type ModelInput, type ModelLoadOptions } from './model.js';
export { installPolyfill } from './polyfill.js';
export { cache, cacheStats, setModelStore } from './model_fetch.js';
export { downloadLimits, type DownloadLimits } from './download_limits.js';
export { CacheApiStore, DirectoryStore, IndexedDbStore, type CacheEntry, type ModelStore } from './cache.js';
export { PlacementChangeEvent, type TaskCreateOptions } from './task.js';
export { decidePlacement, type DeviceProfile, type Placement, type PlacementMode } from './placement.js';
export { CreateMonitor, DownloadProgressEvent } from './monitor.js';
export { disposeEngines, getEngine, type EngineOptions } from './engine_registry.js';
export type { ModelManifest, ModelSource } from './manifest.js';
export type { LanguageResult, SuggestionResult } from './results.js';
export type { TensorValue, IoSpec, DTypeName } from './backend.js';
export type { PerchEnv, WasmVariant } from './env.js';
export { writePerch, readPerchHeader } from './perch_file.js';
export * from './errors.js';

/** What this environment supports and what perch will use (threads, build, cache), with reasons. */
export const env: PerchEnv = getEnv();
