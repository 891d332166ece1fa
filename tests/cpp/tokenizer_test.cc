// The C++ BPE tokenizer against Python's sentencepiece: identical ids on every line of
// tests/data/tokenizer_vectors.jsonl (made by tools/suggest/make_tokenizer_vectors.py from the
// shipped model's tokenizer), and a clear error on bad input and bad tokenizer JSON.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/text/tokenizer.h"

using namespace perch;
using perch::text::Tokenizer;

namespace {

std::string source_path(const std::string& rel) {
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  return std::string(env ? env : PERCH_SOURCE_DIR) + "/" + rel;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The perch.tokenizer metadata of the shipped model, read straight from the safetensors header.
std::string shipped_tokenizer_json() {
  const std::string bytes = read_all(source_path("models/suggest/suggest.perch"));
  REQUIRE(bytes.size() > 8);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  REQUIRE(n <= bytes.size() - 8);
  auto header = nlohmann::json::parse(bytes.substr(8, n), nullptr, false);
  REQUIRE(!header.is_discarded());
  REQUIRE(header["__metadata__"]["perch.tokenizer"].is_string());
  return header["__metadata__"]["perch.tokenizer"].get<std::string>();
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

TEST_CASE("tokenizer reproduces sentencepiece ids on every test vector", "[tokenizer]") {
  auto tok = Tokenizer::from_json(shipped_tokenizer_json());
  REQUIRE(tok.is_ok());
  const Tokenizer& t = **tok;
  REQUIRE(t.vocab_size() == 4096);

  std::ifstream f(source_path("tests/data/tokenizer_vectors.jsonl"));
  REQUIRE(f.good());
  std::string line;
  int n_valid = 0, n_invalid = 0, n_mismatch = 0, n_scratch_mismatch = 0;
  Tokenizer::Scratch scratch;  // one for every line, as a per-keystroke caller keeps it
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!j.is_discarded());
    std::vector<int32_t> ids;
    if (j.contains("hex")) {
      const Status s = t.encode(from_hex(j["hex"].get<std::string>()), &ids);
      REQUIRE(s.code() == StatusCode::kInvalidUtf8);
      REQUIRE(s.message().find("invalid UTF-8 at byte") != std::string::npos);
      REQUIRE(t.encode(from_hex(j["hex"].get<std::string>()), &ids, &scratch).code() == StatusCode::kInvalidUtf8);
      ++n_invalid;
      continue;
    }
    const std::string text = j["text"].get<std::string>();
    const std::vector<int32_t> expected = j["ids"].get<std::vector<int32_t>>();
    REQUIRE(t.encode(text, &ids).is_ok());
    std::vector<int32_t> reused = {7};  // encode appends
    REQUIRE(t.encode(text, &reused, &scratch).is_ok());
    if (reused.size() != expected.size() + 1 || !std::equal(expected.begin(), expected.end(), reused.begin() + 1))
      ++n_scratch_mismatch;
    if (ids != expected) {
      ++n_mismatch;
      if (n_mismatch <= 5) {
        INFO("text: " << text);
        CHECK(ids == expected);
      }
    }
    // Decoding gives the text back exactly (byte fallback keeps every byte).
    // (An input that already holds U+2581 decodes to a space, as in sentencepiece.)
    if (!text.empty() && text.find("\xE2\x96\x81") == std::string::npos)
      CHECK(t.decode(ids.data(), ids.size()) == text);
    ++n_valid;
  }
  REQUIRE(n_mismatch == 0);
  REQUIRE(n_scratch_mismatch == 0);
  REQUIRE(n_valid >= 3000);
  REQUIRE(n_invalid >= 100);
}

TEST_CASE("tokenizer basics: empty text, word-by-word ids, surfaces", "[tokenizer]") {
  auto tok = Tokenizer::from_json(shipped_tokenizer_json());
  REQUIRE(tok.is_ok());
  const Tokenizer& t = **tok;
  std::vector<int32_t> ids;
  REQUIRE(t.encode("", &ids).is_ok());
  REQUIRE(ids.empty());
  REQUIRE(t.encode("the", &ids).is_ok());
  REQUIRE(ids.size() == 1);
  REQUIRE(t.piece(ids[0]) == "\xE2\x96\x81the");
  REQUIRE(t.surface(ids[0]) == " the");
  REQUIRE(t.type(t.bos_id()) == Tokenizer::kControl);
  REQUIRE(t.surface(t.bos_id()).empty());
  // Appends rather than replaces.
  REQUIRE(t.encode(" the", &ids).is_ok());
  REQUIRE(ids.size() >= 2);
  REQUIRE(t.encode("ok", nullptr).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("tokenizer rejects malformed tokenizer JSON with a clear error", "[tokenizer]") {
  const char* bad[] = {
      "",
      "[]",
      "{\"type\":\"unigram\"}",
      "{\"type\":\"bpe\"}",
      "{\"type\":\"bpe\",\"pieces\":[\"a\"],\"scores\":[0],\"types\":[1]}",                          // no unknown piece
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"a\"],\"scores\":[0],\"types\":[2,1]}",              // lengths
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"a\",\"a\"],\"scores\":[0,0,0],\"types\":[2,1,1]}",  // duplicate
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"<0x41>\"],\"scores\":[0,0],\"types\":[2,6]}",       // 1 of 256 bytes
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"<0xZZ>\"],\"scores\":[0,0],\"types\":[2,6]}",
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"\"],\"scores\":[0,0],\"types\":[2,1]}",
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"a\"],\"scores\":[0,\"x\"],\"types\":[2,1]}",
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"a\"],\"scores\":[0,0],\"types\":[2,9]}",
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"a\"],\"scores\":[0,0],\"types\":[2,1],\"bos_id\":7}",
  };
  for (const char* j : bad) {
    INFO(j);
    auto t = Tokenizer::from_json(j);
    REQUIRE(!t.is_ok());
    REQUIRE(!t.status().message().empty());
  }
  // Without byte pieces, an unknown character is the unknown id.
  auto t = Tokenizer::from_json(
      "{\"type\":\"bpe\",\"pieces\":[\"<unk>\",\"\xE2\x96\x81\",\"a\",\"b\",\"\xE2\x96\x81"
      "a\"],"
      "\"scores\":[0,0,0,0,-1],\"types\":[2,1,1,1,1]}");
  REQUIRE(t.is_ok());
  std::vector<int32_t> ids;
  REQUIRE((*t)->encode("ab z", &ids).is_ok());
  REQUIRE(ids == std::vector<int32_t>{4, 3, 1, 0});
}
