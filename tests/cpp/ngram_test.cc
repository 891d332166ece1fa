#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "perch/text/ngram.h"
#include "perch/text/ngram_char_tables.inc"

using namespace perch;
using namespace perch::text;

namespace {
std::string source_dir() {
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  return env ? env : PERCH_SOURCE_DIR;
}
}  // namespace

TEST_CASE("C++ featurizer gives exactly the ids of the Python featurizer on the shared vectors", "[ngram]") {
  std::ifstream in(source_dir() + "/tests/data/ngram_vectors.jsonl");
  REQUIRE(in.good());
  std::string line;
  int n = 0;
  std::vector<int32_t> ids;
  while (std::getline(in, line)) {
    const auto rec = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!rec.is_discarded());
    auto params = NgramParams::from_json(rec["params"].dump());
    REQUIRE(params.is_ok());
    NgramFeaturizer fz(params.value());
    const std::string text = rec["text"].get<std::string>();
    REQUIRE(fz.featurize(text, &ids).is_ok());
    INFO("text: " << text.substr(0, 60) << " params: " << rec["params"].dump());
    REQUIRE(ids == rec["ids"].get<std::vector<int32_t>>());
    ++n;
  }
  REQUIRE(n >= 100);
}

TEST_CASE("fnv1a32 matches published values", "[ngram]") {
  REQUIRE(fnv1a32("", 0) == 0x811C9DC5u);
  REQUIRE(fnv1a32("a", 1) == 0xE40C292Cu);
  REQUIRE(fnv1a32("foobar", 6) == 0xBF9CF968u);
}

TEST_CASE("character tables lowercase and class letters", "[ngram]") {
  REQUIRE(ngram_lowercase('A') == 'a');
  REQUIRE(ngram_lowercase(0xC9) == 0xE9);      // É
  REQUIRE(ngram_lowercase(0x416) == 0x436);    // Ж
  REQUIRE(ngram_lowercase(0x3A3) == 0x3C3);    // Σ
  REQUIRE(ngram_lowercase(0x65E5) == 0x65E5);  // 日
  REQUIRE(ngram_is_letter('z'));
  REQUIRE(!ngram_is_letter('5'));
  REQUIRE(!ngram_is_letter(' '));
  REQUIRE(ngram_is_letter(0x65E5));
  REQUIRE(ngram_is_letter(0x93F));     // Devanagari vowel sign (a mark)
  REQUIRE(ngram_is_letter(0x200C));    // ZWNJ
  REQUIRE(!ngram_is_letter(0x1F600));  // emoji
  REQUIRE(!ngram_is_letter(0x661));    // Arabic-Indic digit one
}

TEST_CASE("character lookups agree with the generated tables on every code point", "[ngram]") {
  // The featurizer reads direct-lookup copies of the tables; the tables themselves, searched.
  const auto& lower = ngram_tables::kLowercase;
  const auto& ranges = ngram_tables::kLetterRanges;
  size_t li = 0, ri = 0;
  const size_t n_lower = sizeof(lower) / sizeof(lower[0]), n_ranges = sizeof(ranges) / sizeof(ranges[0]);
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    while (li < n_lower && lower[li][0] < cp) ++li;
    while (ri < n_ranges && ranges[ri][1] < cp) ++ri;
    const uint32_t want_lower = (li < n_lower && lower[li][0] == cp) ? lower[li][1] : cp;
    const bool want_letter = ri < n_ranges && ranges[ri][0] <= cp;
    if (ngram_lowercase(cp) != want_lower) REQUIRE(ngram_lowercase(cp) == want_lower);
    if (ngram_is_letter(cp) != want_letter) {
      INFO("cp = " << cp);
      REQUIRE(ngram_is_letter(cp) == want_letter);
    }
  }
}

TEST_CASE("featurizer rejects invalid UTF-8 and bad parameters", "[ngram]") {
  NgramFeaturizer fz(NgramParams{});
  std::vector<int32_t> ids = {1, 2, 3};
  const Status s = fz.featurize("bonjour \xC3\x28", &ids);
  REQUIRE(s.code() == StatusCode::kInvalidUtf8);
  REQUIRE(s.message() == "invalid UTF-8 at byte 8");
  REQUIRE(ids.empty());
  REQUIRE(fz.featurize("", &ids).is_ok());
  REQUIRE(ids.empty());
  REQUIRE(fz.featurize("2024-01-01 12:00 😀", &ids).is_ok());
  REQUIRE(ids.empty());

  REQUIRE(NgramParams::from_json("not json").status().code() == StatusCode::kInvalidModel);
  REQUIRE(NgramParams::from_json("[]").status().code() == StatusCode::kInvalidModel);
  REQUIRE(!NgramParams::from_json(R"({"buckets": 0})").is_ok());
  REQUIRE(!NgramParams::from_json(R"({"buckets": "big"})").is_ok());
  REQUIRE(!NgramParams::from_json(R"({"min_n": 3, "max_n": 2})").is_ok());
  REQUIRE(!NgramParams::from_json(R"({"max_n": 9})").is_ok());
  REQUIRE(!NgramParams::from_json(R"({"hash": "md5"})").is_ok());
  REQUIRE(!NgramParams::from_json(R"({"version": 2})").is_ok());
  auto p = NgramParams::from_json(NgramParams{}.to_json());
  REQUIRE(p.is_ok());
  REQUIRE(p.value().buckets == 32768);
  REQUIRE(p.value().max_n == 4);
}

TEST_CASE("a 1 MB text is featurized from a bounded prefix", "[ngram]") {
  NgramParams params;
  params.max_ids = 4096;
  NgramFeaturizer fz(params);
  std::string big;
  while (big.size() < (1u << 20)) big += "Le chat dort sur le canapé rouge. ";
  std::vector<int32_t> ids;
  REQUIRE(fz.featurize(big, &ids).is_ok());
  REQUIRE(ids.size() == 4096);
  // One word of a million letters (no separator anywhere) is streamed, not buffered.
  const std::string one_word(1u << 20, 'a');
  REQUIRE(fz.featurize(one_word, &ids).is_ok());
  REQUIRE(ids.size() == 4096);
  // An invalid byte at the very end is still found.
  const Status late = fz.featurize(big + "\xFF", &ids);
  REQUIRE(late.code() == StatusCode::kInvalidUtf8);
  REQUIRE(late.message() == "invalid UTF-8 at byte " + std::to_string(big.size()));
  REQUIRE(ids.empty());
}
