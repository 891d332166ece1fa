// TextSuggester: as a person types, how the current word ends and what comes next.
//
// The pieces, one file each: the model steps with their KV cache and remembered distributions
// (suggest_step_cache.h: a keystroke runs only the tokens that changed, often none), the
// vocabulary as the search reads it (suggest_vocabulary.h), the lexicon (suggest_lexicon.h), and
// the best-first search for words (suggest_search.h); this file reads the text, runs the search
// and extends its words with next words. The answer depends only on the text, never on the call
// history (tests check incremental == from scratch).
//
// How a text is read (all of it deterministic in the text):
//   - invalid UTF-8 is an InvalidUtf8 error; empty or whitespace-only text gives no suggestions;
//   - only the last `tail_bytes` (perch.decoding) are read, cut at 512-byte-aligned block starts
//     and then at a word start, so a 100 KB text costs what a short one does;
//   - the text is split into context (every complete word, whitespace runs made one space) and
//     the partial last word (empty when the text ends with whitespace). The context is
//     tokenized (after <s> when the text starts within the tail) and keeps its last `window`
//     tokens, the window sliding in steps of `window_stride` tokens;
//   - the partial word is tokenized too and all but its last `heal_tokens` tokens join the
//     context (token healing: a search over every spelling of the whole prefix spends its few
//     steps on spellings the model never saw, " c" "l" "e"...);
//   - the search (suggest_search.h) finds the most probable words that complete it; when the
//     model has a `perch.lexicon` and the typed part begins one of its words, only lexicon words;
//   - each word may be followed greedily by up to max_words further words while each word's own
//     probability stays above `word_threshold` and the whole stays at least as likely as the
//     next-best word (so suggestions stay in the order of their words), and never below the
//     threshold or show_threshold when the word alone reaches it;
//     (a next word is not followed further once its probability can no longer pass);
//   - confidence = product of the step probabilities; lists hold `count` suggestions when the
//     search found that many words (see Decoding::threshold);
//   - case: "i" alone also completes to "I" (a `replace` suggestion); after a sentence end next
//     words are capitalised; contractions ("don't", "I'll") are words;
//   - what learn() saw (user_phrase_cache.h) is mixed in; without learn() or import_learned()
//     the answer is a function of the text alone.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perch/c_api/perch.h"  // PERCH_SUGGEST_* limits
#include "perch/core/status.h"
#include "perch/runtime/model.h"
#include "perch/tasks/suggest_lexicon.h"
#include "perch/tasks/suggest_search.h"
#include "perch/tasks/suggest_step_cache.h"
#include "perch/tasks/suggest_vocabulary.h"
#include "perch/tasks/user_phrase_cache.h"
#include "perch/text/tokenizer.h"

namespace perch {

struct Suggestion {
  std::string text;      // what to append to the text as typed (replace: what replaces the typed word)
  double confidence;     // P(this | text so far) in (0, 1], rounded to 4 decimals
  bool replace = false;  // text replaces the word being typed instead of following it ("i" -> "I")
};

class TextSuggester {
 public:
  // The model must be a text-suggestion model (perch.task, perch.tokenizer, perch.decoding,
  // inputs tokens/positions, output logits).
  static Result<std::unique_ptr<TextSuggester>> create(std::shared_ptr<const Model> model, int num_threads = 1);
  ~TextSuggester();

  // Up to `count` suggestions, best first. count and max_words outside the PERCH_SUGGEST_*
  // limits (perch.h) are InvalidArgument.
  Result<std::vector<Suggestion>> suggest(std::string_view text, int count = PERCH_SUGGEST_COUNT_DEFAULT,
                                          int max_words = PERCH_SUGGEST_MAX_WORDS_DEFAULT);
  // InvalidArgument naming the limit when count or max_words is outside it.
  static Status check_limits(int count, int max_words);

  // [{"text":"ing the","confidence":0.41}, {"text":"I","confidence":0.2,"replace":true}, ...]
  static std::string to_json(const std::vector<Suggestion>& suggestions);

  // Learning from the user (user_phrase_cache.h): what learn() saw is mixed into later answers;
  // without learn() or import_learned() the answer is a function of the text alone.
  Status learn(std::string_view text) { return learned_.learn(text); }
  void forget() { learned_.forget(); }
  std::string export_learned() const { return learned_.export_json(); }
  Status import_learned(std::string_view json) { return learned_.import_json(json); }

  // Forgets the KV cache (the next call runs its context from scratch).
  void reset() { steps_->reset(); }
  const SuggesterStats& stats() const { return steps_->stats(); }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

  struct Decoding {
    int max_context = 128, window = 96, window_stride = 32, tail_bytes = 1024;
    // threshold: set_threshold(t) drops suggestions below t and stops the search there (0: a full
    // search, every word it finds). Unset (< 0, the default) the search stops below
    // next_word_floor, which keeps a keystroke's model steps bounded, and the list is filled with
    // every word the search completed on the way, however unlikely. next_word_floor
    // (perch.decoding "threshold"): also the least confidence a suggestion keeps when next words
    // extend it.
    // word_threshold: the least probability of each next word on its own. show_threshold: the
    // confidence from which a UI shows the first suggestion as ghost text (tuned on held-out
    // text by tools/bench/suggest_ghost_tuning.mjs).
    double threshold = -1, next_word_floor = 0.03, word_threshold = 0.15,
           show_threshold = PERCH_SUGGEST_SHOW_THRESHOLD_DEFAULT;
    int max_tokens_per_word = 6;
    // The typed part of the current word is read as tokenized but for its last heal_tokens
    // tokens, which the search spells anew (0: the search spells all of it).
    int heal_tokens = 2;
    // Search budget: at most search_steps * count + 4 model steps to find the words; each step
    // queues its count + search_extra_children most probable next tokens.
    int search_steps = 4, search_extra_children = 5;
  };
  const Decoding& decoding() const { return decoding_; }
  // Drops suggestions below `threshold` (clamped to [0, 1)) and stops the search there; 0 keeps
  // every candidate of a full search (the keystroke benchmark's protocol).
  void set_threshold(double threshold) { decoding_.threshold = std::clamp(threshold, 0.0, 0.999999); }

 private:
  TextSuggester() = default;
  // The text read as the search needs it (see the header comment); false: nothing to suggest.
  Result<bool> read_text(std::string_view text);
  // Word i of the search followed by up to max_words next words; floor: the least confidence
  // the whole may have.
  Result<Suggestion> with_next_words(size_t i, int max_words, double floor);
  // The likeliest next word after seq_ (its tokens into next_word_, its probability), or false
  // (also as soon as its probability falls below `least`).
  Result<bool> next_word(const double* first_probs, double least, double* word_p);
  // Case: "i" alone also completes to "I" (a replace suggestion, its share of the mass taken from
  // the others); at a sentence start next words are capitalised (duplicates merged).
  Status add_capital_i(std::vector<Suggestion>* results);
  void capitalise_sentence_start(std::vector<Suggestion>* results) const;
  bool at_sentence_start() const;
  // The learned words' share: P = (1 - lambda) P_model + lambda P_cache (user_phrase_cache.h).
  void mix_learned(int count, std::vector<Suggestion>* results);

  std::shared_ptr<const Model> model_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::unique_ptr<SuggestVocabulary> vocab_;
  std::unique_ptr<StepCache> steps_;
  std::unique_ptr<WordSearch> search_;
  Lexicon lexicon_;  // views into the model's metadata, which model_ keeps alive
  UserPhraseCache learned_;
  std::vector<UserPhraseCache::Proposal> proposals_;
  Decoding decoding_;

  // Working memory of suggest(), kept between calls (one caller at a time).
  std::string context_, partial_, required_, word_start_text_, spelled_, word_, form_;
  std::vector<int32_t> ctx_, typed_, word_start_, path_, seq_, next_word_;
  text::Tokenizer::Scratch tokenizer_scratch_;
};

}  // namespace perch
