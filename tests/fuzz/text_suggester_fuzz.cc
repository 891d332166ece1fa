// Fuzz target (d): TextSuggester::suggest with logits from the fuzz bytes (NaN, Inf, huge, equal
// values). A small synthetic suggest model is built per input: a tokenizer of 64 pieces, logits
// = L[token] + P[position] with L and P filled from the bytes, an optional lexicon. Byte 0:
// flags (lexicon, count, max_words), byte 1: threshold, bytes 2..: a value table (its length
// in byte 2), then the text. Every suggestion must be valid UTF-8 with a confidence in (0, 1].
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/format/writer.h"
#include "perch/tasks/text_suggester.h"
#include "perch/text/utf8.h"

using namespace perch;

namespace {

constexpr int kContext = 128;

std::vector<std::string> pieces() {
  std::vector<std::string> p = {"<unk>", "<s>", "</s>", "\xE2\x96\x81"};
  for (char c = 'a'; c <= 'z'; ++c) p.push_back(std::string(1, c));
  for (const char* w : {"th", "he", "in", "er", "an", "re", "ing", "ed", "nd", "ou", "en", "on", "at", "the", "and"})
    p.push_back(w);
  for (const char* w : {"the", "a", "an", "and", "in", "he", "her", "there", "then", "on", "at", "to", "of", "it", "is",
                        "we", "ring", "red"})
    p.push_back("\xE2\x96\x81" + std::string(w));
  p.push_back(",");
  p.push_back(".");
  p.push_back("'s");
  return p;
}

std::string tokenizer_json(const std::vector<std::string>& p) {
  nlohmann::json j;
  j["type"] = "bpe";
  j["pieces"] = p;
  std::vector<float> scores;
  std::vector<int> types;
  for (size_t i = 0; i < p.size(); ++i) {
    scores.push_back(i < 4 ? 0.f : -static_cast<float>(i));
    types.push_back(i == 0 ? 2 : i < 3 ? 3 : 1);
  }
  j["scores"] = scores;
  j["types"] = types;
  j["unk_id"] = 0;
  j["bos_id"] = 1;
  j["eos_id"] = 2;
  j["add_dummy_prefix"] = true;
  return j.dump();
}

float value_of(uint8_t b) {
  switch (b % 16) {
    case 0:
      return NAN;
    case 1:
      return INFINITY;
    case 2:
      return -INFINITY;
    case 3:
      return 3e38f;
    case 4:
      return -3e38f;
    case 5:
      return 0.f;
    default:
      return (static_cast<float>(b) - 128.f) / 16.f;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  static const std::vector<std::string> kPieces = pieces();
  static const std::string kTokenizer = tokenizer_json(kPieces);
  const int vocab = static_cast<int>(kPieces.size());
  const uint8_t flags = data[0];
  const size_t n_values = std::min<size_t>(1 + data[2], size - 3);
  const uint8_t* values = data + 3;
  const std::string_view text(reinterpret_cast<const char*>(data + 3 + n_values), size - 3 - n_values);

  std::vector<float> l(static_cast<size_t>(vocab * vocab)), p(static_cast<size_t>(kContext * vocab));
  for (size_t i = 0; i < l.size(); ++i) l[i] = value_of(static_cast<uint8_t>(values[i % n_values] + i / n_values));
  for (size_t i = 0; i < p.size(); ++i) p[i] = (flags & 0x80) ? value_of(values[(i * 7) % n_values]) : 0.f;
  const nlohmann::json graph = {
      {"inputs",
       {{{"name", "tokens"}, {"dtype", "i32"}, {"shape", {-1}}, {"max_shape", {kContext}}},
        {{"name", "positions"}, {"dtype", "i32"}, {"shape", {-1}}, {"max_shape", {kContext}}}}},
      {"outputs", {"logits"}},
      {"nodes",
       {{{"op", "Gather"}, {"inputs", {"L", "tokens"}}, {"outputs", {"a"}}},
        {{"op", "Gather"}, {"inputs", {"P", "positions"}}, {"outputs", {"b"}}},
        {{"op", "Add"}, {"inputs", {"a", "b"}}, {"outputs", {"logits"}}}}}};
  std::map<std::string, std::string> meta = {
      {"perch.format", "1"},
      {"perch.task", "text-suggestion"},
      {"perch.graph", graph.dump()},
      {"perch.tokenizer", kTokenizer},
      {"perch.decoding",
       R"({"heal_tokens":2,"max_context":128,"max_tokens_per_word":6,"search_extra_children":5,"search_steps":4,)"
       R"("tail_bytes":1024,"threshold":0.03,"window":96,"window_stride":32,"word_threshold":0.15})"}};
  if (flags & 1) meta["perch.lexicon"] = "a\nan\nand\nat\nhe\nher\nhere\nin\ning\nit\nthe\nthen\nthere\nto\nwe";
  auto bytes = write_perch_bytes({{"L", Tensor{DType::kF32, Shape{vocab, vocab}, l.data()}},
                                  {"P", Tensor{DType::kF32, Shape{kContext, vocab}, p.data()}}},
                                 meta);
  if (!bytes.is_ok()) std::abort();
  auto model = Model::load(bytes.value().data(), bytes.value().size());
  if (!model.is_ok()) std::abort();
  auto suggester = TextSuggester::create(model.value());
  if (!suggester.is_ok()) std::abort();
  static const double kThresholds[] = {-1, 0.0, 0.03, 0.5};
  const double threshold = kThresholds[data[1] % 4];
  if (threshold >= 0) suggester.value()->set_threshold(threshold);
  const int count = (flags >> 1) % 8, max_words = (flags >> 4) % 4;
  for (int call = 0; call < 2; ++call) {  // the second call exercises the remembered state
    auto out = suggester.value()->suggest(text, count, max_words);
    if (!out.is_ok()) continue;
    if (static_cast<int>(out.value().size()) > count) std::abort();
    for (const Suggestion& s : out.value()) {
      if (!text::validate_utf8(s.text).is_ok()) std::abort();
      if (!(s.confidence >= 0.0 && s.confidence <= 1.0)) std::abort();  // rounded: may be 0 at threshold 0
    }
  }
  return 0;
}
