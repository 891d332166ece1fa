// TextSuggester: continuations of what the user is typing, local or on perch-server.
import { availabilityOf, type Availability } from './availability.js';
import { InvalidInputError } from './errors.js';
import { remoteSuggest } from './remote.js';
import type { SuggestionResult } from './results.js';
import { checkCount, checkText, Task, type TaskCreateOptions } from './task.js';

export interface SuggestOptions {
  signal?: AbortSignal;
  /** How many suggestions (default 3, at most 10). */
  count?: number;
  /** Words per suggestion at most (default 3, at most 16). */
  maxWords?: number;
}

export class TextSuggester extends Task {
  readonly inputQuota = 1 << 16;

  private constructor(options: TaskCreateOptions) {
    super('text-suggestion', 'text-suggestion', options);
  }

  static availability(options: TaskCreateOptions = {}): Promise<Availability> {
    return availabilityOf('text-suggestion', options);
  }

  static async create(options: TaskCreateOptions = {}): Promise<TextSuggester> {
    const s = new TextSuggester(options);
    await s.init();
    return s;
  }

  protected defaultBudgetMs(): number {
    return 50;
  }

  protected override rowsPerCall(): number {
    return 8; // ~ tokens decoded per call with the default maxWords
  }

  /** Up to `count` continuations of `text`, most likely first. */
  async suggest(text: string, options: SuggestOptions = {}): Promise<SuggestionResult[]> {
    this.checkAlive('TextSuggester');
    const t = checkText(text, 'suggest()');
    if (t.length > this.inputQuota) throw new InvalidInputError(`suggest() accepts at most ${this.inputQuota} characters (got ${t.length}); pass the end of the text`);
    const count = checkCount(options.count, 'count', 1, 10, 3);
    const maxWords = checkCount(options.maxWords, 'maxWords', 1, 16, 3);
    const out = await this.dispatch(
      (m) => m.backend.suggest(m.handle, t, count, maxWords),
      (r) => remoteSuggest(r, t, count, maxWords, options.signal),
      options.signal,
    );
    return [...out].sort((a, b) => b.confidence - a.confidence);
  }
}
