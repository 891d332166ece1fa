// Fuzz target (c): UTF-8 validation and decoding against an independent reference decoder
// (the well-formed byte sequences of Unicode's Table 3-7, written here from the table), and the
// n-gram featurizer on the same text with parameters from the fuzz bytes. Byte 0..3 are the
// featurizer's parameters, the rest is the text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "perch/text/ngram.h"
#include "perch/text/utf8.h"

namespace {

// Length of the well-formed sequence at s[i] (Table 3-7), or 0.
size_t reference_length(const unsigned char* s, size_t n, size_t i, uint32_t* cp) {
  const unsigned b0 = s[i];
  auto in = [&](size_t k, unsigned lo, unsigned hi) { return i + k < n && s[i + k] >= lo && s[i + k] <= hi; };
  if (b0 <= 0x7F) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    len = in(1, 0x80, 0xBF) ? 2 : 0;
  else if (b0 == 0xE0)
    len = in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF)
    len = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  else if (b0 == 0xED)
    len = in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  else if (b0 == 0xF0)
    len = in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  else if (b0 >= 0xF1 && b0 <= 0xF3)
    len = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  else if (b0 == 0xF4)
    len = in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (len == 0) return 0;
  static const unsigned kLeadMask[] = {0, 0, 0x1F, 0x0F, 0x07};
  uint32_t v = b0 & kLeadMask[len];
  for (size_t k = 1; k < len; ++k) v = v << 6 | (s[i + k] & 0x3F);
  *cp = v;
  return len;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());

  // The reference: code points, and the offset of the first bad sequence (size when none).
  std::vector<uint32_t> ref;
  size_t bad = text.size();
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t len = reference_length(s, text.size(), i, &cp);
    if (len == 0) {
      bad = i;
      break;
    }
    ref.push_back(cp);
    i += len;
  }
  const bool valid = bad == text.size();

  size_t offset = 12345;
  const perch::Status st = perch::text::validate_utf8(text, &offset);
  if (st.is_ok() != valid || offset != bad) std::abort();
  auto decoded = perch::text::decode_utf8(text);
  if (decoded.is_ok() != valid) std::abort();
  if (valid) {
    if (decoded.value() != ref) std::abort();
    // Encoding the code points again gives the same bytes; the iterator walks the same ones.
    std::string again;
    for (uint32_t cp : ref) perch::text::append_utf8(cp, &again);
    if (again != text) std::abort();
    size_t k = 0;
    for (perch::text::Utf8Iterator it(text); !it.done(); it.next(), ++k)
      if (k >= ref.size() || it.code_point() != ref[k]) std::abort();
    if (k != ref.size()) std::abort();
  }
  // decode_one agrees with the reference at every position where a sequence may start.
  for (size_t i = 0; i < text.size() && i < 64; ++i) {
    uint32_t a = 0, b = 0;
    const size_t la = perch::text::decode_one(text, i, &a), lb = reference_length(s, text.size(), i, &b);
    if (la != lb || (la && a != b)) std::abort();
  }

  perch::text::NgramParams p;
  // Within what NgramParams::from_json accepts (buckets 1..2^24, n 1..8, max_ids 1..2^20).
  static const uint32_t kBuckets[] = {1, 2, 97, 32768, 65536, 1u << 20, 1u << 24, 7};
  p.buckets = kBuckets[data[0] % 8];
  p.min_n = 1 + data[1] % 5;
  p.max_n = p.min_n + (data[1] >> 4) % 4;
  p.word_features = data[2] & 1;
  p.max_ids = 1 + (static_cast<size_t>(data[3]) << (data[2] >> 5));
  const perch::text::NgramFeaturizer f(p);
  std::vector<int32_t> ids;
  const perch::Status fs = f.featurize(text, &ids);
  if (fs.is_ok() != valid) std::abort();
  if (!valid && (fs.code() != perch::StatusCode::kInvalidUtf8 || !ids.empty())) std::abort();
  if (ids.size() > p.max_ids) std::abort();
  for (int32_t id : ids)
    if (id < 0 || static_cast<uint32_t>(id) >= p.buckets) std::abort();
  // The allocation-free form gives the same ids.
  std::vector<int32_t> fixed(p.max_ids);
  size_t count = 0;
  if (f.featurize(text, fixed.data(), fixed.size(), &count).is_ok() != valid || count != ids.size()) std::abort();
  for (size_t i = 0; i < count; ++i)
    if (fixed[i] != ids[i]) std::abort();
  return 0;
}
