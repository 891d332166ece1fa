// A suggestion model's vocabulary as the search reads it: what each token does to a word, its
// text, and the tokens grouped by their first byte (a step constrained to spell the rest of a
// typed word looks only at the tokens that start with its next byte).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "perch/text/tokenizer.h"

namespace perch {

enum TokenKind : uint8_t {
  kOtherToken = 0,  // unknown, byte
  kNewWord = 1,     // starts a new word (" the")
  kContinues = 2,   // continues a word ("ing", "'s")
  kEndsWord = 3,    // ends a word without a space (",", ".")
  kControl = 4,     // control (ends the text)
};

class SuggestVocabulary {
 public:
  // Views into the tokenizer's surfaces, which must outlive this.
  explicit SuggestVocabulary(const text::Tokenizer& tokenizer);
  int size() const { return static_cast<int>(kinds_.size()); }
  const uint8_t* kinds() const { return kinds_.data(); }
  std::string_view surface(int id) const { return surfaces_[static_cast<size_t>(id)]; }
  bool is_byte(int id) const { return is_byte_[static_cast<size_t>(id)] != 0; }
  // The ids that can spell text and whose surface starts with byte b, in id order.
  const int32_t* starting_with(unsigned char b) const { return ids_.data() + start_[b]; }
  const int32_t* starting_with_end(unsigned char b) const { return ids_.data() + start_[b + 1]; }

 private:
  std::vector<uint8_t> kinds_, is_byte_;
  std::vector<std::string_view> surfaces_;
  std::vector<int32_t> ids_;  // grouped by first byte
  uint32_t start_[257] = {};  // group b is ids_[start_[b], start_[b + 1])
};

}  // namespace perch
