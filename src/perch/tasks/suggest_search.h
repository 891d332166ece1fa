// The best-first search of a text suggester: the most probable words that complete what is
// typed of the current word.
//
// Nodes are token paths after the context. A step constrained to spell the rest of the typed
// word takes only tokens that agree with it (a vocabulary group by first byte); past the typed
// part a node either ends the word (a new word, punctuation or the end comes next) or goes on
// with a piece that continues it. A word's probability is its path probability times the
// probability that it ends there, divided by z, the mass of all texts that spell the typed
// prefix (each counted where it first covers it): P(word | typed so far). Renormalising each
// constrained step instead would inflate unlikely spellings (" he" + "l"...).
// A word counts only in its tokenizer's own spelling (the model learnt words in that spelling
// only; " daught" as " da" "ught" ends words at random) and, when `use_lexicon`, only as a
// lexicon word (the search follows lexicon prefixes only). Each expansion queues its
// count + search_extra_children most probable children; at most search_steps * count + 4
// expansions. Children below threshold * z (or of probability 0: NaN logits, see
// finite_softmax) are never queued, so a page of candidates left empty ends a node's expansion.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perch/core/status.h"
#include "perch/tasks/suggest_lexicon.h"
#include "perch/tasks/suggest_step_cache.h"
#include "perch/tasks/suggest_vocabulary.h"
#include "perch/text/tokenizer.h"

namespace perch {

struct WordQuery {
  const std::vector<int32_t>* context;     // the tokens before the search, ending in word_start
  const std::vector<int32_t>* word_start;  // the typed word's tokens kept by healing
  std::string_view word_start_text;        // their text
  std::string_view required;               // what the generated text must start with
  int count = 3;
  double threshold = 0;
  bool keep_next_probs = false;   // keep each word's next-token distribution (for next words)
  bool allow_typed_word = false;  // the typed word itself may be a word (nothing to complete)
  bool use_lexicon = false;
  // Below count words: add the words completed on the way whose probability fell below the
  // threshold (no model steps), best first.
  bool fill = false;
};

struct SearchLimits {
  int search_steps = 4, search_extra_children = 5, max_tokens_per_word = 6, max_context = 128;
};

class WordSearch {
 public:
  WordSearch(StepCache* steps, const SuggestVocabulary* vocab, const Lexicon* lexicon, const text::Tokenizer* tokenizer)
      : steps_(steps), vocab_(vocab), lexicon_(lexicon), tokenizer_(tokenizer) {}

  // Finds up to query.count words, best first; valid until the next run.
  Status run(const WordQuery& query, const SearchLimits& limits);
  size_t num_words() const { return words_.size(); }
  // P(word i | typed so far), at most 1.
  double probability(size_t i) const;
  // The mass of all texts that spell the typed prefix (the probabilities' normaliser).
  double z() const { return z_; }
  // The generated text of word i (it starts with query.required) and its tokens.
  std::string_view text(size_t i) const;
  void path(size_t i, std::vector<int32_t>* out) const;
  // Word i's next-token distribution (null unless keep_next_probs).
  const double* next_probs(size_t i) const;

 private:
  struct Node {
    double p;
    uint32_t path_begin, path_size;        // generated tokens: path_pool_
    uint32_t surface_begin, surface_size;  // their text: surface_pool_
    bool complete;                         // a finished word (p includes the probability that it ends)
    int32_t probs_slot;                    // a finished word's next-token distribution in word_probs_ (-1: none)
  };
  struct Candidate {
    double p;
    int32_t id;
  };
  void push(const Node& node);
  // The tokens a node may take next into allowed_; returns how many. Constrained steps add to
  // z_; a node past the typed part may also finish its word.
  size_t allow_spelling(const Node& node, const double* probs);
  size_t allow_continuing(const Node& node, const double* probs, double* p_end);
  void finish_word(const Node& node, const double* probs, double p_end);
  // Queues the most probable of allowed_[0, n) that still spell a lexicon prefix.
  void push_children(const Node& node, size_t n);
  bool is_canonical(std::string_view word);

  StepCache* steps_;
  const SuggestVocabulary* vocab_;
  const Lexicon* lexicon_;
  const text::Tokenizer* tokenizer_;
  const WordQuery* q_ = nullptr;
  double z_ = 0;
  size_t wanted_ = 0;
  // Working memory, kept between runs so that a warm keystroke allocates almost nothing (the
  // search used to build strings and vectors per node: ~1 ms a keystroke under emmalloc).
  std::vector<Node> nodes_;
  std::vector<std::pair<double, uint32_t>> agenda_;  // (p, node) heap, most probable on top
  std::vector<uint32_t> words_;                      // complete nodes, best first
  std::vector<uint32_t> fill_;
  std::vector<int32_t> path_pool_, path_, seq_, canonical_;
  std::string surface_pool_, word_, form_;
  std::vector<double> word_probs_;  // finished words' next-token distributions, vocab each
  std::vector<Candidate> allowed_, head_;
  int32_t num_slots_ = 0;
  text::Tokenizer::Scratch tokenizer_scratch_;
};

}  // namespace perch
