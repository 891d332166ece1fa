// The result objects every task returns, local or remote.

/** One language hypothesis; `detectedLanguage` is a BCP 47 tag, or 'und' for "undetermined". */
export interface LanguageResult {
  detectedLanguage: string;
  confidence: number;
}

/** One continuation of the text. */
export interface SuggestionResult {
  /** What to append to the text (with `replace`: what replaces the word being typed). */
  text: string;
  /** P(this continuation | the text so far), 0 to 1. */
  confidence: number;
  /** Present and true when `text` replaces the word being typed ("i" -> "I"): offer it in a list, not as ghost text. */
  replace?: boolean;
}
