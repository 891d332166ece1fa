// TextSuggester: continuations of what the user is typing, local or on perch-server.
import { availabilityOf, type Availability } from './availability.js';
import { InvalidInputError } from './errors.js';
import { CONSTRUCT, illegalConstructor } from './webidl_shape.js';
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

  /** Not callable: use TextSuggester.create(). */
  constructor(...args: unknown[]) {
    if (args[0] !== CONSTRUCT) throw illegalConstructor('TextSuggester');
    super('text-suggestion', 'text-suggestion', args[1] as TaskCreateOptions);
  }

  static availability(options: TaskCreateOptions = {}): Promise<Availability> {
    return availabilityOf('text-suggestion', options);
  }

  static create(options: TaskCreateOptions = {}): Promise<TextSuggester> {
    return Task.createModelObject(options, () => new TextSuggester(CONSTRUCT, options), () => availabilityOf('text-suggestion', options));
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
      if (t.length > this.inputQuota) throw new InvalidInputError(`suggest() accepts at most ${this.inputQuota} characters (got ${t.length}); pass the end of the text`);
      count = checkCount(options.count, 'count', 1, 10, 3);
      maxWords = checkCount(options.maxWords, 'maxWords', 1, 16, 3);
    } catch (e) {
      return Promise.reject(e);
    }
    const timing = this.newTiming();
    return this.operation(options.signal, 'suggest()', async (signal) => {
      const out = await this.dispatch(
        (m) => m.backend.suggest(m.handle, t, count, maxWords, timing),
        (r) => remoteSuggest(r, t, count, maxWords, signal),
        signal,
        timing,
      );
      return [...out].sort((a, b) => b.confidence - a.confidence);
    }, timing);
  }
}
