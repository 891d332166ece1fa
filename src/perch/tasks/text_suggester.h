// TextSuggester: as a person types, how the current word ends and what comes next.
//
// One Session per suggester keeps the KV cache between calls, so a keystroke runs only the
// tokens that changed: the new text's tokens are compared with the cached ones, the cache is
// rolled back to the common prefix (deletions) and only the rest is run; the next-token
// distributions of the last 16 sequences are remembered, so a keystroke within a word often runs
// no model step at all. The answer depends only on the text, never on the call history (tests
// check incremental == from scratch).
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
//     context (token healing); the next tokens are constrained to spell the rest of it, and
//     among those a best-first search (at most search_steps * count + 4 model steps) finds the
//     most probable complete words (path probability times the probability that the word ends
//     there, divided by the mass of all texts that spell the typed prefix). A word counts only
//     in its tokenizer's own spelling (the one the model was trained on) and, when the model
//     has a `perch.lexicon` and the typed part begins one of its words, only when it is a
//     lexicon word (the search follows lexicon prefixes only);
//   - each word may be followed greedily by up to max_words further words while each word's own
//     probability stays above `word_threshold` and the whole stays at least as likely as the
//     next-best word (so suggestions stay in the order of their words);
//   - confidence = product of the step probabilities; suggestions below `threshold` are dropped.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perch/core/status.h"
#include "perch/runtime/model.h"
#include "perch/runtime/session.h"
#include "perch/text/tokenizer.h"

namespace perch {

struct Suggestion {
  std::string text;   // what to append to the text as typed
  double confidence;  // in (0, 1], rounded to 4 decimals
};

struct SuggesterStats {
  int tokens_run = 0;      // tokens the model ran in the last call (context + search)
  int context_tokens = 0;  // tokens of context in the last call
  int forward_calls = 0;   // Session::run calls in the last call
};

class TextSuggester {
 public:
  // The model must be a text-suggestion model (perch.task, perch.tokenizer, perch.decoding,
  // inputs tokens/positions, output logits).
  static Result<std::unique_ptr<TextSuggester>> create(std::shared_ptr<const Model> model, int num_threads = 1);
  ~TextSuggester();

  // Up to `count` suggestions (count is clamped to [0, 16], max_words to [0, 8]), best first.
  Result<std::vector<Suggestion>> suggest(std::string_view text, int count = 3, int max_words = 2);

  // [{"text":"ing the","confidence":0.41}, ...]
  static std::string to_json(const std::vector<Suggestion>& suggestions);

  // Forgets the KV cache (the next call runs its context from scratch).
  void reset();
  const SuggesterStats& stats() const { return stats_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

  struct Decoding {
    int max_context = 128, window = 96, window_stride = 32, tail_bytes = 1024;
    double threshold = 0.03, word_threshold = 0.15;
    int max_tokens_per_word = 6;
    // The typed part of the current word is read as tokenized but for its last heal_tokens
    // tokens, which the search spells anew (0: the search spells all of it).
    int heal_tokens = 2;
    // Search budget: at most search_steps * count + 4 model steps to find the words; each step
    // queues its count + search_extra_children most probable next tokens.
    int search_steps = 4, search_extra_children = 5;
  };
  const Decoding& decoding() const { return decoding_; }
  // Overrides the model's confidence threshold (clamped to [0, 1)); 0 keeps every candidate,
  // as a top-k suggestion strip does.
  void set_threshold(double threshold) { decoding_.threshold = std::clamp(threshold, 0.0, 0.999999); }

 private:
  TextSuggester() = default;
  // Logits after the token sequence `seq` (positions 0..): syncs the KV cache to `seq` by
  // common prefix, runs only the rest. The returned pointer is valid until the next call.
  Result<const float*> logits_after(const std::vector<int32_t>& seq);

  std::shared_ptr<const Model> model_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  Decoding decoding_;
  int vocab_ = 0;
  std::vector<int32_t> cached_;        // tokens whose keys/values are in the KV cache
  std::vector<float> last_logits_;     // logits after cached_ (valid when have_logits_)
  bool have_logits_ = false;
  std::vector<int32_t> positions_;     // scratch for the positions input
  // The next-token distribution after `seq`, from the last kRemembered sequences asked about
  // when it is one of them (the search revisits them keystroke after keystroke: typing within a
  // word asks again about the same context and spellings; 16 x vocab doubles, 512 KB here),
  // else by logits_after and a softmax. The pointer is valid until the next call.
  Result<const double*> probs_after(const std::vector<int32_t>& seq);
  struct Remembered {
    uint64_t hash = 0, last_use = 0;
    std::vector<int32_t> seq;  // empty: unused
    std::vector<double> probs;
  };
  static constexpr size_t kRemembered = 16;
  std::vector<Remembered> remembered_;
  uint64_t uses_ = 0;
  // Per token: 0 other (unknown, byte), 1 starts a new word (" the"), 2 continues a word
  // ("ing", "'s"), 3 ends a word without a space (",", "."), 4 control (ends the text).
  std::vector<uint8_t> kind_;
  // perch.lexicon: the words completions may end in (lower case, sorted); empty: any word.
  // Views into the model's metadata, which model_ keeps alive and never changes.
  std::vector<std::string_view> lexicon_;
  bool lexicon_has(std::string_view word) const;
  bool lexicon_has_prefix(std::string_view prefix) const;
  // Token surfaces as views (tokenizer_->surface), and the ids whose surface starts with each
  // byte, in id order: a step constrained to spell the rest of the word looks only at those.
  std::vector<std::string_view> surfaces_;
  std::vector<int32_t> ids_by_first_byte_;      // ids grouped by first byte of their surface
  uint32_t first_byte_start_[257] = {};         // group b is [start[b], start[b + 1])
  SuggesterStats stats_;

  // Working memory of suggest(), kept between calls (one caller at a time) so that a keystroke
  // allocates almost nothing once warm: the search used to build strings and vectors for every
  // node it expanded, which cost ~1 ms a keystroke under the wasm build's emmalloc.
  struct SearchNode {
    double p;
    uint32_t path_begin, path_size;        // generated tokens: scratch_.path_pool
    uint32_t surface_begin, surface_size;  // their text: scratch_.surface_pool
    bool complete;                         // a finished word (p includes the probability that it ends)
    int32_t probs_slot;                    // a finished word: its next-token distribution in
                                           // scratch_.word_probs (-1: none kept)
  };
  struct Candidate {
    double p;
    int32_t id;
  };
  struct Scratch {
    std::string context, partial, required, spelled, word_start_text;
    std::string word, form;  // a candidate " word" and its lexicon form
    std::vector<int32_t> ctx, typed, word_start, canonical, seq, path, next_word;
    std::vector<double> word_probs;  // finished words' next-token distributions, vocab each
    std::vector<Candidate> allowed, head;  // a step's next tokens (vocab long); the best of them
    std::vector<SearchNode> nodes;
    std::vector<std::pair<double, uint32_t>> agenda;  // (p, node) heap, most probable on top
    std::vector<uint32_t> words;                      // complete nodes, best first
    std::vector<int32_t> path_pool;
    std::string surface_pool;
    text::Tokenizer::Scratch tokenizer;
  };
  Scratch scratch_;
};

}  // namespace perch
