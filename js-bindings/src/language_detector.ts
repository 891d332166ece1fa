// LanguageDetector, shaped and behaving as the Language Detector API (W3C WebML CG, "Translator and
// Language Detector APIs"): create() / availability() statics, detect(), measureInputUsage(),
// inputQuota, expectedInputLanguages, destroy(); plus perch's options (placement, model, server).
import { availabilityOf, type Availability } from './availability.js';
import { shippedLanguages } from './default_models.js';
import { domException, quotaExceededError } from './errors.js';
import { languageResultList } from './language_result_rule.js';
import { canonicalizeLanguageTags, canonicalLabel, matchLanguages } from './language_tags.js';
import { getEnv } from './env.js';
import { remoteDetect } from './remote.js';
import type { LanguageResult } from './results.js';
import { checkCount, Task, type TaskCreateOptions } from './task.js';
import type { EngineDefaults } from './engine_registry.js';
import { CONSTRUCT, illegalConstructor, shapeAsInterface } from './webidl_shape.js';

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
  /** perch: at most this many languages before 'und' (default: as many as the result rule lists). */
  top?: number;
}

/** Largest input detect() takes, in UTF-8 bytes (the engine's limit). */
const INPUT_QUOTA = 1 << 20;
/** Languages asked of the engine: all of them; the result rule picks the list. */
const ENGINE_TOP = 1000;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Web IDL: a DOMString argument (ToString; a Symbol is a TypeError). */
function domString(value: unknown): string {
  return `${value as string}`;
}

/** Web IDL: an optional dictionary argument (undefined/null: empty; not an object: TypeError). */
function dictionary<T extends object>(value: unknown, where: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') throw new TypeError(`${where}: options must be an object`);
  return value as Partial<T>;
}

/** The shipped model's languages, when the options select it; undefined when not known up front. */
function knownLanguages(o: Partial<LanguageDetectorCreateOptions>): ReadonlySet<string> | undefined {
  return o.model === undefined ? shippedLanguages() : undefined;
}

/** Validated, canonical, best-fit expectedInputLanguages; null when one is not supported. */
function expectedLanguages(o: Partial<LanguageDetectorCreateOptions>, where: string): string[] | null {
  const tags = canonicalizeLanguageTags(o.expectedInputLanguages, where);
  return tags.length === 0 ? [] : matchLanguages(tags, knownLanguages(o));
}

/**
 * The detector objects. Callers see the interface object `LanguageDetector` below (a plain
 * function, as Web IDL's interface objects are), whose `prototype` is this class's.
 */
class LanguageDetectorObject extends Task {
  #expected: readonly string[] | null = null;
  #expectedTags = '';

  constructor(token: symbol, options: LanguageDetectorCreateOptions, langs: string[]) {
    if (token !== CONSTRUCT) throw illegalConstructor('LanguageDetector');
    super('language-detection', 'language-detection', options);
    this.#expected = langs.length > 0 ? Object.freeze([...langs]) : null;
    // What the engine is told to expect: expectedInputLanguages, then navigator.languages in browsers
    // (their priors are raised so short text in them is read as them, not as a small neighbour).
    const tags: string[] = [...langs];
    const nav = (globalThis as { navigator?: { languages?: readonly string[] } }).navigator;
    const runtime = getEnv().runtime;
    if (options.useBrowserLanguages !== false && (runtime === 'browser' || runtime === 'worker') && Array.isArray(nav?.languages)) {
      tags.push(...nav.languages);
    }
    this.#expectedTags = tags.filter((t) => typeof t === 'string' && /^[A-Za-z0-9_-]{1,35}$/.test(t)).join(',');
  }

  static availability(options: LanguageDetectorCreateOptions = {}): Promise<Availability> {
    let o: Partial<LanguageDetectorCreateOptions>;
    let langs: string[] | null;
    try {
      o = dictionary<LanguageDetectorCreateOptions>(options, 'availability()');
      langs = expectedLanguages(o, 'availability()');
    } catch (e) {
      return Promise.reject(e);
    }
    if (langs === null) return Promise.resolve('unavailable');
    return availabilityOf('language-detection', o);
  }

  static create(options: LanguageDetectorCreateOptions = {}): Promise<LanguageDetectorObject> {
    let o: LanguageDetectorCreateOptions;
    let langs: string[] | null;
    try {
      o = dictionary<LanguageDetectorCreateOptions>(options, 'create()') as LanguageDetectorCreateOptions;
      langs = expectedLanguages(o, 'create()');
    } catch (e) {
      return Promise.reject(e);
    }
    return Task.createModelObject(
      o,
      () => new LanguageDetectorObject(CONSTRUCT, o, langs ?? []),
      async (downloads) => (langs === null ? 'unavailable' : availabilityOf('language-detection', o, downloads)),
    );
  }

  protected defaultBudgetMs(): number {
    return 100;
  }

  /**
   * A detection takes microseconds: on the calling thread it costs less than a message to a
   * worker and never waits behind another task's call; one thread, so the plain simd build.
   */
  protected override engineDefaults(): EngineDefaults {
    return { numThreads: 1, worker: false, lane: 'language-detection' };
  }

  protected override requiresUserActivation(): boolean {
    return true;
  }

  /** A caller's model: its labels must cover expectedInputLanguages. */
  protected override afterLoad(): void {
    if (!this.modelLabels || !this.#expected) return;
    const matched = matchLanguages([...this.#expected], new Set(this.modelLabels.map(canonicalLabel)));
    if (matched === null) {
      throw domException('NotSupportedError', `the model does not detect every language of expectedInputLanguages (${this.#expected.join(', ')})`);
    }
    this.#expected = Object.freeze(matched);
  }

  /** Web IDL's brand check: `this` must be a LanguageDetector. */
  static #check(o: unknown, what: string): void {
    if (typeof o !== 'object' || o === null || !(#expected in o)) throw new TypeError(`Illegal invocation: ${what} needs a LanguageDetector`);
  }

  /** The expected input languages given to create() (canonical, matched), or null. */
  get expectedInputLanguages(): readonly string[] | null {
    LanguageDetectorObject.#check(this, 'expectedInputLanguages');
    return this.#expected;
  }

  /** Largest input detect() accepts, in the units of measureInputUsage() (UTF-8 bytes). */
  get inputQuota(): number {
    LanguageDetectorObject.#check(this, 'inputQuota');
    return INPUT_QUOTA;
  }

  /** How much of inputQuota `input` uses: its length in UTF-8 bytes. */
  measureInputUsage(input: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    let text: string;
    let o: Partial<DetectOptions>;
    try {
      LanguageDetectorObject.#check(this, 'measureInputUsage()');
      if (arguments.length < 1) throw new TypeError('measureInputUsage() needs an input string');
      text = domString(input);
      o = dictionary<DetectOptions>(options, 'measureInputUsage()');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.operation(o.signal, 'measureInputUsage()', async () => utf8Length(text));
  }

  /**
   * Languages of `input`, most likely first, then 'und' (the unknown) with the rest: confidences
   * sum to 1 and every listed language scores above 'und'.
   */
  detect(input: string, options: DetectOptions = {}): Promise<LanguageResult[]> {
    let text: string;
    let o: Partial<DetectOptions>;
    let top: number;
    try {
      LanguageDetectorObject.#check(this, 'detect()');
      if (arguments.length < 1) throw new TypeError('detect() needs an input string');
      text = domString(input);
      o = dictionary<DetectOptions>(options, 'detect()');
      top = o.top === undefined ? Infinity : checkCount(o.top, 'top', 1, 1000, 10);
    } catch (e) {
      return Promise.reject(e);
    }
    const timing = this.newTiming();
    return this.operation(
      o.signal,
      'detect()',
      async (signal) => {
        const requested = utf8Length(text);
        if (requested > INPUT_QUOTA) {
          throw quotaExceededError(
            requested,
            INPUT_QUOTA,
            `detect() input uses ${requested} of inputQuota ${INPUT_QUOTA} (UTF-8 bytes); pass a shorter excerpt`,
          );
        }
        const raw = await this.dispatch(
          (m) => m.backend.detect(m.handle, text, ENGINE_TOP, this.#expectedTags, timing),
          (r) => remoteDetect(r, text, ENGINE_TOP, signal),
          signal,
          timing,
        );
        return languageResultList(raw, top);
      },
      timing,
    );
  }
}

// The interface inherits from nothing (not EventTarget): the prototype object gets Task's members
// (placement, events, destroy) and Object.prototype as its prototype.
for (const key of Reflect.ownKeys(Task.prototype)) {
  if (key === 'constructor' || Object.prototype.hasOwnProperty.call(LanguageDetectorObject.prototype, key)) continue;
  Object.defineProperty(LanguageDetectorObject.prototype, key, Object.getOwnPropertyDescriptor(Task.prototype, key)!);
}
Object.setPrototypeOf(LanguageDetectorObject.prototype, Object.prototype);

interface LanguageDetectorInterface {
  readonly prototype: LanguageDetectorObject;
  create(options?: LanguageDetectorCreateOptions): Promise<LanguageDetectorObject>;
  availability(options?: LanguageDetectorCreateOptions): Promise<Availability>;
}

/** The interface object: not callable or constructible (use create()); a Function's child. */
export const LanguageDetector = function LanguageDetector(): never {
  throw illegalConstructor('LanguageDetector');
} as unknown as LanguageDetectorInterface;
export type LanguageDetector = LanguageDetectorObject;
Object.defineProperty(LanguageDetector, 'prototype', { value: LanguageDetectorObject.prototype, writable: false });
Object.defineProperty(LanguageDetectorObject.prototype, 'constructor', { value: LanguageDetector, writable: true, configurable: true, enumerable: false });
for (const name of ['create', 'availability'] as const) {
  Object.defineProperty(LanguageDetector, name, { value: LanguageDetectorObject[name], writable: true, configurable: true, enumerable: true });
}

shapeAsInterface(LanguageDetectorObject, 'LanguageDetector', {
  operations: ['detect', 'measureInputUsage', 'destroy'],
  attributes: ['expectedInputLanguages', 'inputQuota'],
});
