// The result objects every task returns, local or remote.

/** One language hypothesis; `detectedLanguage` is a BCP 47 tag, or 'und' for "undetermined". */
export interface LanguageResult {
  detectedLanguage: string;
  confidence: number;
}

/** One continuation of the text. */
export interface SuggestionResult {
  text: string;
  confidence: number;
}
