// The words a text-suggestion model's completions may end in (perch.lexicon: one lower-case word
// a line). Completions must end in a lexicon word when the typed part begins one, so the search
// spends its steps on words, not on fragments the model happens to end ("magnific", "preof").
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace perch {

// Letters, digits, apostrophes and any non-ASCII byte continue a word; other ASCII ends it.
inline bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c >= 0x80;
}

class Lexicon {
 public:
  Lexicon() = default;
  // Views into `lines`, which must outlive the lexicon (the model's metadata does).
  explicit Lexicon(std::string_view lines);
  bool empty() const { return words_.empty(); }
  // Whether `form` (a lexicon form) is a word: a listed word, a possessive of one ("kafka's"),
  // or anything with a digit (numbers are not listed).
  bool has(std::string_view form) const;
  // Whether some listed word starts with `form` (digits again pass).
  bool has_prefix(std::string_view form) const;
  // The last word of `s` as the lexicon spells it: its last run of word bytes, ASCII letters
  // lower-cased ("(The" -> "the", "out-of-to" -> "to", "roy'." -> "roy'"), written to *out (a
  // buffer the caller reuses); returns it.
  static const std::string& form(std::string_view s, std::string* out);

 private:
  std::vector<std::string_view> words_;  // sorted, unique
};

}  // namespace perch
