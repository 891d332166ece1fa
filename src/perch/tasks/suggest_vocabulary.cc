#include "perch/tasks/suggest_vocabulary.h"

#include <algorithm>

#include "perch/tasks/suggest_lexicon.h"

namespace perch {

SuggestVocabulary::SuggestVocabulary(const text::Tokenizer& tokenizer) {
  const int vocab = tokenizer.vocab_size();
  const auto n = static_cast<size_t>(vocab);
  kinds_.assign(n, kOtherToken);
  is_byte_.assign(n, 0);
  surfaces_.resize(n);
  for (int id = 0; id < vocab; ++id) {
    const auto i = static_cast<size_t>(id);
    surfaces_[i] = tokenizer.surface(id);
    is_byte_[i] = tokenizer.type(id) == text::Tokenizer::kByte;
    if (tokenizer.type(id) == text::Tokenizer::kNormal && !surfaces_[i].empty()) {
      const auto c = static_cast<unsigned char>(surfaces_[i][0]);
      kinds_[i] = c == ' ' ? kNewWord : is_word_byte(c) ? kContinues : kEndsWord;
    } else if (tokenizer.type(id) == text::Tokenizer::kControl) {
      kinds_[i] = kControl;
    }
  }
  // The tokens a constrained step may take: words' pieces and bytes.
  auto spells = [&](size_t i) {
    return !surfaces_[i].empty() &&
           (kinds_[i] == kNewWord || kinds_[i] == kContinues || kinds_[i] == kEndsWord || is_byte_[i]);
  };
  uint32_t counts[256] = {};
  for (size_t i = 0; i < n; ++i)
    if (spells(i)) ++counts[static_cast<unsigned char>(surfaces_[i][0])];
  for (int b = 0; b < 256; ++b) start_[b + 1] = start_[b] + counts[b];
  ids_.resize(start_[256]);
  uint32_t next[256];
  std::copy(start_, start_ + 256, next);
  for (size_t i = 0; i < n; ++i)
    if (spells(i)) ids_[next[static_cast<unsigned char>(surfaces_[i][0])]++] = static_cast<int32_t>(i);
}

}  // namespace perch
