#include "perch/tasks/user_phrase_cache.h"

#include <algorithm>

#include "perch/format/json.h"
#include "perch/tasks/suggest_lexicon.h"
#include "perch/text/utf8.h"

namespace perch {

std::string UserPhraseCache::pair_key(std::string_view previous, std::string_view word) {
  std::string key(previous);
  key += '\t';
  key += word;
  return key;
}

void UserPhraseCache::add(std::map<std::string, Count>* map, const std::string& key, double n, size_t cap) {
  Count& c = (*map)[key];
  c.n += n;
  c.last = clock_;
  if (map->size() <= cap) return;
  // Over capacity: drop the least recently seen eighth (whole learn() calls at a time).
  std::vector<uint64_t> lasts;
  lasts.reserve(map->size());
  for (const auto& [k, v] : *map) lasts.push_back(v.last);
  std::nth_element(lasts.begin(), lasts.begin() + static_cast<std::ptrdiff_t>(lasts.size() / 8), lasts.end());
  const uint64_t cut = lasts[lasts.size() / 8];
  for (auto it = map->begin(); it != map->end();)
    it = it->second.last <= cut && it->first != key ? map->erase(it) : std::next(it);
}

Status UserPhraseCache::learn(std::string_view text) {
  PERCH_RETURN_IF_ERROR(text::validate_utf8(text));
  ++clock_;
  std::string previous, word;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_word_byte(c)) {
      if (c == '.' || c == '!' || c == '?' || c == '\n') previous.clear();  // pairs stay within sentences
      ++i;
      continue;
    }
    size_t e = i;
    while (e < text.size() && is_word_byte(static_cast<unsigned char>(text[e]))) ++e;
    word.assign(text.substr(i, e - i));
    i = e;
    if (word.size() > 64) continue;
    add(&words_, word, 1, kMaxWords);
    if (!previous.empty()) add(&pairs_, pair_key(previous, word), 1, kMaxPairs);
    previous = word;
  }
  return Status::ok();
}

void UserPhraseCache::forget() {
  words_.clear();
  pairs_.clear();
  clock_ = 0;
}

void UserPhraseCache::propose(std::string_view previous, std::string_view prefix, size_t k, std::vector<Proposal>* out,
                              double* lambda) const {
  out->clear();
  *lambda = 0;
  struct Seen {
    const std::string* word;
    double pair, unigram;
  };
  std::vector<Seen> seen;
  double total = 0, pair_total = 0;  // C and c(prev, prefix*)
  std::string key = pair_key(previous, "");
  const size_t key_size = key.size();
  for (const auto& [w, c] : words_) {
    if (w.size() <= prefix.size() || w.compare(0, prefix.size(), prefix) != 0) continue;
    double pair = 0;
    if (!previous.empty()) {
      key.resize(key_size);
      key += w;
      auto it = pairs_.find(key);
      if (it != pairs_.end()) pair = it->second.n;
    }
    total += c.n;
    pair_total += pair;
    seen.push_back({&w, pair, c.n});
  }
  const double evidence = pair_total + (prefix.empty() ? 0 : total);
  if (evidence <= 0) return;
  *lambda = kMaxLambda * evidence / (evidence + kEvidenceHalf);
  for (Seen& s : seen) s.pair = (s.pair + kBackoff * s.unigram / total) / (pair_total + kBackoff);  // now P_cache
  const size_t n = std::min(k, seen.size());
  std::partial_sort(
      seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n), seen.end(),
      [](const Seen& a, const Seen& b) { return a.pair > b.pair || (a.pair == b.pair && *a.word < *b.word); });
  for (size_t i = 0; i < n; ++i) out->push_back({*seen[i].word, seen[i].pair});
}

std::string UserPhraseCache::export_json() const {
  std::string out = "{\"pairs\":[";
  for (const auto& [key, c] : pairs_) {
    const size_t tab = key.find('\t');
    if (out.back() != '[') out += ',';
    out += '[';
    json_append_string(std::string_view(key).substr(0, tab), &out);
    out += ',';
    json_append_string(std::string_view(key).substr(tab + 1), &out);
    out += ',';
    json_append_number(c.n, &out);
    out += ']';
  }
  out += "],\"version\":1,\"words\":[";
  for (const auto& [w, c] : words_) {
    if (out.back() != '[') out += ',';
    out += '[';
    json_append_string(w, &out);
    out += ',';
    json_append_number(c.n, &out);
    out += ']';
  }
  return out + "]}";
}

Status UserPhraseCache::import_json(std::string_view text) {
  auto bad = [](const std::string& why) { return invalid_argument("learned suggestions: " + why); };
  JsonValue j;
  JsonParseError error;
  if (!parse_json(text, &j, &error)) return bad("not valid JSON (" + error.describe() + ")");
  const JsonValue* version = j.find("version");
  if (!version || !version->is_number() || version->as_double() != 1) return bad("not a version 1 export");
  const JsonValue* words = j.find("words");
  const JsonValue* pairs = j.find("pairs");
  if (!words || !words->is_array() || !pairs || !pairs->is_array()) return bad("needs arrays 'words' and 'pairs'");
  // Strings are valid UTF-8 once parsed.
  auto word_ok = [](const JsonValue& w) {
    return w.is_string() && !w.as_string().empty() && w.as_string().size() <= 64 &&
           w.as_string().find('\t') == std::string::npos;
  };
  auto count_ok = [](const JsonValue& n) { return n.is_number() && n.as_double() > 0 && n.as_double() < 1e9; };
  UserPhraseCache fresh;
  fresh.clock_ = 1;
  for (const JsonValue& e : words->items()) {
    if (!e.is_array() || e.size() != 2 || !word_ok(e[0]) || !count_ok(e[1])) return bad("bad entry in 'words'");
    fresh.add(&fresh.words_, e[0].as_string(), e[1].as_double(), kMaxWords);
  }
  for (const JsonValue& e : pairs->items()) {
    if (!e.is_array() || e.size() != 3 || !word_ok(e[0]) || !word_ok(e[1]) || !count_ok(e[2]))
      return bad("bad entry in 'pairs'");
    fresh.add(&fresh.pairs_, pair_key(e[0].as_string(), e[1].as_string()), e[2].as_double(), kMaxPairs);
  }
  *this = std::move(fresh);
  return Status::ok();
}

}  // namespace perch
