#include "perch/tasks/suggest_lexicon.h"

#include <algorithm>

namespace perch {
namespace {

bool has_digit(std::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Lexicon::Lexicon(std::string_view lines) {
  for (size_t i = 0; i < lines.size();) {
    size_t e = lines.find('\n', i);
    if (e == std::string_view::npos) e = lines.size();
    if (e > i) words_.push_back(lines.substr(i, e - i));
    i = e + 1;
  }
  std::sort(words_.begin(), words_.end());
  words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
}

bool Lexicon::has_prefix(std::string_view w) const {
  if (w.empty() || has_digit(w)) return true;
  auto it = std::lower_bound(words_.begin(), words_.end(), w);
  return it != words_.end() && it->substr(0, w.size()) == w;
}

bool Lexicon::has(std::string_view w) const {
  if (w.empty() || has_digit(w)) return true;
  if (std::binary_search(words_.begin(), words_.end(), w)) return true;
  return w.size() > 2 && w.substr(w.size() - 2) == "'s" &&
         std::binary_search(words_.begin(), words_.end(), w.substr(0, w.size() - 2));
}

const std::string& Lexicon::form(std::string_view s, std::string* out) {
  size_t e = s.size();
  while (e > 0 && !is_word_byte(static_cast<unsigned char>(s[e - 1]))) --e;
  size_t b = e;
  while (b > 0 && is_word_byte(static_cast<unsigned char>(s[b - 1]))) --b;
  out->assign(s.data() + b, e - b);
  for (char& c : *out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return *out;
}

}  // namespace perch
