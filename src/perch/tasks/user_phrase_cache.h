// What a suggester learns from its user, on the device: a small cache model of the words and
// word pairs they type (names, jargon, their own phrasing), mixed with the language model.
//
// learn(text) counts the text's words (runs of word bytes, kept as typed) and the pairs of
// words that follow each other within a sentence. For the word being typed, given the previous
// word and the typed prefix, the cache proposes words w that start with the prefix:
//   P_cache(w) = (c(prev, w) + a * c(w) / C) / (c(prev, prefix*) + a),   C = sum of c(v), v in prefix*
// (a bigram backed off to the unigram, a = 2), and the mixing weight grows with the evidence:
//   lambda = max_lambda * E / (E + k),   E = c(prev, prefix*) + (prefix empty ? 0 : C).
// So a prefix the user has typed often leans on the cache; after a space only word pairs count
// (the unigram alone would offer the user's commonest word everywhere). Capacity is bounded
// (kMaxWords, kMaxPairs): the least recently seen entries go first. The cache never leaves the
// device by itself: export()/import() hand it to the caller (the browser binding keeps it in
// IndexedDB per origin).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "perch/core/status.h"

namespace perch {

class UserPhraseCache {
 public:
  static constexpr size_t kMaxWords = 4096, kMaxPairs = 16384;
  static constexpr double kBackoff = 2.0, kMaxLambda = 0.5, kEvidenceHalf = 3.0;

  struct Proposal {
    std::string word;
    double p;  // P_cache(word | previous word, prefix)
  };

  // Counts the words and word pairs of `text` (valid UTF-8, else InvalidUtf8).
  Status learn(std::string_view text);
  void forget();
  bool empty() const { return words_.empty(); }
  size_t num_words() const { return words_.size(); }

  // Words that extend `prefix` (longer than it), most probable first, at most `k`, after the
  // word `previous` ("" at a sentence start); *lambda gets the mixing weight (0: no evidence).
  void propose(std::string_view previous, std::string_view prefix, size_t k, std::vector<Proposal>* out,
               double* lambda) const;

  // {"version":1,"words":[["word",count],...],"pairs":[["previous","word",count],...]}
  std::string export_json() const;
  // Replaces the cache by an export_json() text; InvalidArgument when it is not one.
  Status import_json(std::string_view json);

 private:
  struct Count {
    double n = 0;
    uint64_t last = 0;  // recency: the learn() call that last saw it
  };
  // std::map rather than unordered_map: the wasm module is size-bound, and the tree code is
  // shared with the maps perch has already (an unordered_map cost ~2 KB gzip more).
  void add(std::map<std::string, Count>* map, const std::string& key, double n, size_t cap);
  static std::string pair_key(std::string_view previous, std::string_view word);

  std::map<std::string, Count> words_, pairs_;  // pairs_: "previous\tword"
  uint64_t clock_ = 0;
};

}  // namespace perch
