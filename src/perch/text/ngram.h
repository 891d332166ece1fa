// Hashed character n-grams: the language detector's featurizer. The Python trainer
// (tools/langid/ngram_featurizer.py) implements the same spec and must give identical ids;
// tests/data/ngram_vectors.jsonl is checked by both (tests/cpp/ngram_test.cc,
// tests/python/test_ngram_vectors.py).
//
// Spec, version 1 (parameters from the model's `perch.ngram` metadata, see NgramParams):
//  1. The text must be valid UTF-8 (else InvalidUtf8).
//  2. Each code point is lowercased with a generated table of simple BMP mappings
//     (ngram_char_tables.inc, from Python's str.lower; no ICU, no NFC), then classed: a letter
//     (Unicode L*, M*, ZWNJ, ZWJ per the generated ranges) or a separator (digits, punctuation,
//     spaces, symbols, emoji: everything else).
//  3. A word is a maximal run of letters. Word w becomes the token " w " (U+0020 each side).
//     For each start position i of the token, for n = min_n..max_n with i + n <= len(token),
//     token[i, i+n) is an n-gram, except the lone boundary " ". id = fnv1a32(utf8(n-gram)) %
//     buckets.
//  4. With word_features, after its n-grams each word adds fnv1a32(0xFF, utf8(w)) % buckets
//     (0xFF never occurs in UTF-8, so a word is hashed apart from every n-gram string).
//  5. Emission stops after max_ids ids: huge texts are featurized from a bounded prefix.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "perch/core/status.h"

namespace perch::text {

struct NgramParams {
  int version = 1;
  uint32_t buckets = 32768;
  int min_n = 1;
  int max_n = 4;
  bool word_features = true;
  size_t max_ids = 4096;

  // Parses the `perch.ngram` JSON: {"version":1,"hash":"fnv1a32","buckets":32768,"min_n":1,
  // "max_n":4,"word_features":true,"max_ids":4096}; absent keys keep the defaults above.
  static Result<NgramParams> from_json(std::string_view json);
  std::string to_json() const;
};

constexpr uint32_t kFnv1a32Offset = 0x811C9DC5u;
constexpr uint32_t kFnv1a32Prime = 0x01000193u;

inline uint32_t fnv1a32(const void* data, size_t n, uint32_t h = kFnv1a32Offset) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnv1a32Prime;
  return h;
}

// The featurizer's character tables (exposed for tests).
uint32_t ngram_lowercase(uint32_t cp);
bool ngram_is_letter(uint32_t cp);

class NgramFeaturizer {
 public:
  explicit NgramFeaturizer(const NgramParams& params) : params_(params) {}
  const NgramParams& params() const { return params_; }

  // Writes the text's feature ids (each in [0, buckets)) to ids[0, *count); ids must have room
  // for params().max_ids. InvalidUtf8 on bad input, with *count = 0. Allocates nothing.
  Status featurize(std::string_view utf8, int32_t* ids, size_t capacity, size_t* count) const;
  // The same into a vector (resized to the ids; empty on error).
  Status featurize(std::string_view utf8, std::vector<int32_t>* ids) const;

 private:
  NgramParams params_;
};

}  // namespace perch::text
