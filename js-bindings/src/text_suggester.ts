// TextSuggester: continuations of what the user is typing, local or on perch-server; learns the
// user's words on the device when asked to (learn()), never on the server.
import { availabilityOf, type Availability } from './availability.js';
import { InvalidInputError } from './errors.js';
import { clearLearned, loadLearned, saveLearned } from './learned_store.js';
import { CONSTRUCT, illegalConstructor } from './webidl_shape.js';
import { remoteSuggest } from './remote.js';
import type { SuggestionResult } from './results.js';
import {
  SUGGEST_COUNT_DEFAULT,
  SUGGEST_COUNT_MAX,
  SUGGEST_COUNT_MIN,
  SUGGEST_MAX_WORDS_DEFAULT,
  SUGGEST_MAX_WORDS_MAX,
  SUGGEST_MAX_WORDS_MIN,
  SUGGEST_SHOW_THRESHOLD_DEFAULT,
} from './suggest_limits.js';
import { checkCount, checkText, Task, type LocalModel, type TaskCreateOptions } from './task.js';

export interface SuggestOptions {
  signal?: AbortSignal;
  /** How many suggestions: 1 to 16, default 3 (PERCH_SUGGEST_COUNT_* in perch.h). */
  count?: number;
  /** Further words after the current word's completion: 0 to 8, default 2 (PERCH_SUGGEST_MAX_WORDS_*). */
  maxWords?: number;
}

export interface TextSuggesterCreateOptions extends TaskCreateOptions {
  /** false: learn() does nothing and nothing learnt earlier is read (default true). */
  learn?: boolean;
}

// Texts learn() got while no local model was loaded (remote placement), at most this many.
const MAX_PENDING = 64;

export class TextSuggester extends Task {
  readonly inputQuota = 1 << 16;
  readonly #learning: boolean;
  #pending: string[] = [];
  #syncedHandle = -1;

  /** Not callable: use TextSuggester.create(). */
  constructor(...args: unknown[]) {
    if (args[0] !== CONSTRUCT) throw illegalConstructor('TextSuggester');
    super('text-suggestion', 'text-suggestion', args[1] as TaskCreateOptions);
    this.#learning = (args[1] as TextSuggesterCreateOptions | undefined)?.learn !== false;
  }

  static availability(options: TaskCreateOptions = {}): Promise<Availability> {
    return availabilityOf('text-suggestion', options);
  }

  static create(options: TextSuggesterCreateOptions = {}): Promise<TextSuggester> {
    return Task.createModelObject(
      options,
      () => new TextSuggester(CONSTRUCT, options),
      (downloads) => availabilityOf('text-suggestion', options, downloads),
    );
  }

  /**
   * The confidence from which a UI shows the first suggestion as ghost text: the local model's
   * tuned show_threshold, else perch.h's default. A `replace` suggestion is never ghost text.
   */
  get showThreshold(): number {
    return this.local?.info?.showThreshold ?? SUGGEST_SHOW_THRESHOLD_DEFAULT;
  }

  protected defaultBudgetMs(): number {
    return 50;
  }

  protected override rowsPerCall(): number {
    return 8; // ~ tokens decoded per call with the default maxWords
  }

  /** Up to `count` continuations of `text`, most likely first. */
  suggest(text: string, options: SuggestOptions = {}): Promise<SuggestionResult[]> {
    let t: string, count: number, maxWords: number;
    try {
      t = checkText(text, 'suggest()');
      if (t.length > this.inputQuota)
        throw new InvalidInputError(`suggest() accepts at most ${this.inputQuota} characters (got ${t.length}); pass the end of the text`);
      count = checkCount(options.count, 'count', SUGGEST_COUNT_MIN, SUGGEST_COUNT_MAX, SUGGEST_COUNT_DEFAULT);
      maxWords = checkCount(options.maxWords, 'maxWords', SUGGEST_MAX_WORDS_MIN, SUGGEST_MAX_WORDS_MAX, SUGGEST_MAX_WORDS_DEFAULT);
    } catch (e) {
      return Promise.reject(e);
    }
    const timing = this.newTiming();
    return this.operation(
      options.signal,
      'suggest()',
      async (signal) => {
        const out = await this.dispatch(
          async (m) => {
            await this.syncLearned(m);
            return m.backend.suggest(m.handle, t, count, maxWords, timing);
          },
          (r) => remoteSuggest(r, t, count, maxWords, signal),
          signal,
          timing,
        );
        return [...out].sort((a, b) => b.confidence - a.confidence);
      },
      timing,
    );
  }

  /**
   * Learns the words and word pairs of `text` (what the user wrote): later suggestions on this
   * device mix them in. Kept per origin in IndexedDB in browsers, in memory in Node; never sent
   * to a server. Does nothing when created with `learn: false`.
   */
  async learn(text: string): Promise<void> {
    const t = checkText(text, 'learn()');
    if (!this.#learning) return;
    const m = this.local;
    if (!m) {
      this.#pending.push(t);
      if (this.#pending.length > MAX_PENDING) this.#pending.shift();
      return;
    }
    await this.syncLearned(m);
    await m.backend.learned(m.handle, 'learn', t);
    await saveLearned(await m.backend.learned(m.handle, 'export'));
  }

  /** Forgets everything learnt, here and in the browser's storage. */
  async forget(): Promise<void> {
    this.#pending = [];
    await clearLearned();
    const m = this.local;
    if (m) await m.backend.learned(m.handle, 'forget');
  }

  /** Once per loaded model: what earlier sessions learnt (IndexedDB), then texts learnt meanwhile. */
  private async syncLearned(m: LocalModel): Promise<void> {
    if (!this.#learning || this.#syncedHandle === m.handle) return;
    this.#syncedHandle = m.handle;
    const saved = await loadLearned();
    if (saved !== undefined) await m.backend.learned(m.handle, 'import', saved).catch(() => clearLearned());
    const pending = this.#pending;
    this.#pending = [];
    for (const t of pending) await m.backend.learned(m.handle, 'learn', t);
    if (pending.length > 0) await saveLearned(await m.backend.learned(m.handle, 'export'));
  }
}
