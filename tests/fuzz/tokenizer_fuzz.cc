// Fuzz target (b): Tokenizer::from_json + encode (+ decode). Byte 0 picks the tokenizer: odd,
// the shipped suggest model's (loaded once) encodes the rest as text; even, the rest is split at
// its first NUL into tokenizer JSON and text. Every id must be in [0, vocab), and decode must
// take what encode gave; invalid UTF-8 must be an InvalidUtf8 error, never a crash.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/text/tokenizer.h"
#include "perch/text/utf8.h"

using perch::text::Tokenizer;

namespace {

std::unique_ptr<Tokenizer> load_shipped() {
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  std::ifstream f(std::string(env ? env : PERCH_SOURCE_DIR) + "/models/suggest/suggest.perch", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.size() < 8) std::abort();
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  auto header = nlohmann::json::parse(bytes.substr(8, n), nullptr, false);
  auto t = Tokenizer::from_json(header["__metadata__"]["perch.tokenizer"].get<std::string>());
  if (!t.is_ok()) std::abort();
  return std::move(t.value());
}

void check(const Tokenizer& t, std::string_view text) {
  std::vector<int32_t> ids;
  Tokenizer::Scratch scratch;
  const perch::Status st = t.encode(text, &ids, &scratch);
  // Invalid UTF-8 is exactly the InvalidUtf8 error.
  const bool valid = perch::text::validate_utf8(text).is_ok();
  if (!valid && (st.is_ok() || st.code() != perch::StatusCode::kInvalidUtf8)) std::abort();
  if (valid && !st.is_ok() && st.code() == perch::StatusCode::kInvalidUtf8) std::abort();
  if (!st.is_ok()) return;
  for (int32_t id : ids)
    if (id < 0 || id >= t.vocab_size()) std::abort();
  (void)t.decode(ids.data(), ids.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    static const std::unique_ptr<Tokenizer> shipped = load_shipped();
    check(*shipped, rest);
    return 0;
  }
  const size_t nul = rest.find('\0');
  const std::string_view json = rest.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  auto t = Tokenizer::from_json(json);
  if (!t.is_ok()) return 0;
  check(*t.value(), text);
  return 0;
}
