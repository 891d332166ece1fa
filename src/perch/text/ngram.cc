#include "perch/text/ngram.h"

#include <algorithm>
#include <memory>

#include "perch/format/json.h"
#include "perch/text/ngram_char_tables.inc"
#include "perch/text/utf8.h"

namespace perch::text {

namespace {
constexpr int kMaxN = 8;        // the ring below holds the last max_n token characters
constexpr uint32_t kRing = 16;  // power of two > kMaxN

// A code point's UTF-8 bytes packed little-endian (first byte lowest) and their count.
struct PackedChar {
  uint32_t bytes;
  uint32_t len;
};

inline PackedChar pack_utf8(uint32_t cp) {
  if (cp < 0x80) return {cp, 1};
  if (cp < 0x800) return {(0xC0 | (cp >> 6)) | (0x80 | (cp & 0x3F)) << 8, 2};
  if (cp < 0x10000) return {(0xE0 | (cp >> 12)) | (0x80 | ((cp >> 6) & 0x3F)) << 8 | (0x80 | (cp & 0x3F)) << 16, 3};
  return {(0xF0 | (cp >> 18)) | (0x80 | ((cp >> 12) & 0x3F)) << 8 | (0x80 | ((cp >> 6) & 0x3F)) << 16 |
              (0x80 | (cp & 0x3F)) << 24,
          4};
}

// fnv1a32 continued over one packed character's bytes.
inline uint32_t fnv1a32_char(uint32_t h, PackedChar c) {
  h = (h ^ (c.bytes & 0xFF)) * kFnv1a32Prime;
  for (uint32_t j = 1, b = c.bytes >> 8; j < c.len; ++j, b >>= 8) h = (h ^ (b & 0xFF)) * kFnv1a32Prime;
  return h;
}

constexpr PackedChar kSpace{0x20, 1};

// Streams one word's token " w " and emits its n-grams by start position, each start as soon
// as its max_n characters are known, so no word is ever buffered whole. Ids go straight into
// the caller's array up to its end (the max_ids limit).
class Emitter {
 public:
  Emitter(const NgramParams& p, int32_t* out, int32_t* end)
      : buckets_(p.buckets),
        out_(out),
        end_(end),
        min_n_(static_cast<uint32_t>(p.min_n)),
        max_n_(static_cast<uint32_t>(p.max_n)),
        word_features_(p.word_features) {}
  bool full() const { return out_ == end_; }
  int32_t* out() const { return out_; }

  void begin_word() {
    pos_ = next_start_ = 0;
    word_hash_ = (kFnv1a32Offset ^ 0xFFu) * kFnv1a32Prime;  // fnv1a32("\xff")
    push(kSpace);
  }
  void letter(uint32_t cp) {
    const PackedChar c = pack_utf8(cp);
    word_hash_ = fnv1a32_char(word_hash_, c);
    push(c);
  }
  void end_word() {
    push(kSpace);
    while (!full() && next_start_ < pos_) emit_start(next_start_++);
    if (word_features_ && !full()) *out_++ = static_cast<int32_t>(word_hash_ % buckets_);
  }

 private:
  void push(PackedChar c) {
    ring_[pos_ & (kRing - 1)] = c;
    ++pos_;
    if (next_start_ + max_n_ <= pos_ && !full()) emit_start(next_start_++);
  }
  void emit_start(uint32_t i) {
    uint32_t h = kFnv1a32Offset;
    const uint32_t last = std::min(max_n_, pos_ - i);
    for (uint32_t n = 1; n <= last; ++n) {
      const PackedChar c = ring_[(i + n - 1) & (kRing - 1)];
      h = fnv1a32_char(h, c);
      if (n < min_n_ || (n == 1 && c.bytes == 0x20)) continue;  // the lone boundary " " is no n-gram
      *out_++ = static_cast<int32_t>(h % buckets_);
      if (out_ == end_) return;
    }
  }

  // A plain 32-bit remainder: in wasm it beat a multiply-based one (Lemire's fastmod needs three
  // i64 multiplies, slower in V8 than one i32.rem_u).
  const uint32_t buckets_;
  int32_t* out_;
  int32_t* const end_;
  const uint32_t min_n_, max_n_;
  const bool word_features_;
  PackedChar ring_[kRing];
  uint32_t pos_ = 0, next_start_ = 0;
  uint32_t word_hash_ = 0;
};
}  // namespace

namespace {
// The generated tables as direct lookups for the BMP, built once: a bit per code point for
// "letter", and 256-entry pages of lowercase mappings (a null page maps to itself). Code points
// above U+FFFF (never lowercased) use a binary search of the letter ranges.
struct CharLookup {
  uint32_t letter_bits[0x10000 / 32] = {};
  std::unique_ptr<uint16_t[]> lower_pages[256];

  CharLookup() {
    for (const auto& range : ngram_tables::kLetterRanges) {
      for (uint32_t cp = range[0]; cp <= range[1] && cp < 0x10000; ++cp) letter_bits[cp >> 5] |= 1u << (cp & 31);
    }
    for (const auto& pair : ngram_tables::kLowercase) {
      auto& page = lower_pages[pair[0] >> 8];
      if (!page) {
        page.reset(new uint16_t[256]);
        for (uint32_t i = 0; i < 256; ++i) page[i] = static_cast<uint16_t>((pair[0] & 0xFF00u) | i);
      }
      page[pair[0] & 0xFF] = pair[1];
    }
  }
  uint32_t lower(uint32_t cp) const {
    if (cp > 0xFFFF) return cp;
    const uint16_t* page = lower_pages[cp >> 8].get();
    return page ? page[cp & 0xFF] : cp;
  }
  bool letter(uint32_t cp) const {
    if (cp <= 0xFFFF) return (letter_bits[cp >> 5] >> (cp & 31)) & 1u;
    const auto& r = ngram_tables::kLetterRanges;
    size_t lo = 0, hi = sizeof(r) / sizeof(r[0]);  // first range whose end is >= cp
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (r[mid][1] < cp)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo < sizeof(r) / sizeof(r[0]) && r[lo][0] <= cp;
  }
};

const CharLookup& char_lookup() {
  static const CharLookup lookup;
  return lookup;
}
}  // namespace

uint32_t ngram_lowercase(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  return char_lookup().lower(cp);
}

bool ngram_is_letter(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  return char_lookup().letter(cp);
}

Result<NgramParams> NgramParams::from_json(std::string_view text) {
  JsonValue j;
  JsonParseError error;
  if (!parse_json(text, &j, &error)) return invalid_model("perch.ngram: not valid JSON (" + error.describe() + ")");
  if (!j.is_object()) return invalid_model("perch.ngram: not a JSON object");
  NgramParams p;
  auto get_int = [&](const char* key, int64_t lo, int64_t hi, int64_t* out) -> Status {
    const JsonValue* v = j.find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_integer()) return invalid_model(std::string("perch.ngram: '") + key + "' must be an integer");
    const int64_t x = v->as_int64();
    if (x < lo || x > hi) {
      return invalid_model(std::string("perch.ngram: '") + key + "' = " + std::to_string(x) + " outside [" +
                           std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    *out = x;
    return Status::ok();
  };
  int64_t version = p.version, buckets = p.buckets, min_n = p.min_n, max_n = p.max_n,
          max_ids = static_cast<int64_t>(p.max_ids);
  PERCH_RETURN_IF_ERROR(get_int("version", 1, 1, &version));
  PERCH_RETURN_IF_ERROR(get_int("buckets", 1, 1 << 24, &buckets));
  PERCH_RETURN_IF_ERROR(get_int("min_n", 1, kMaxN, &min_n));
  PERCH_RETURN_IF_ERROR(get_int("max_n", 1, kMaxN, &max_n));
  PERCH_RETURN_IF_ERROR(get_int("max_ids", 1, 1 << 20, &max_ids));
  if (min_n > max_n) return invalid_model("perch.ngram: min_n > max_n");
  const JsonValue* hash = j.find("hash");
  if (hash && !(hash->is_string() && hash->as_string() == "fnv1a32")) {
    return invalid_model("perch.ngram: 'hash' must be \"fnv1a32\"");
  }
  if (const JsonValue* word_features = j.find("word_features")) {
    if (!word_features->is_bool()) return invalid_model("perch.ngram: 'word_features' must be a boolean");
    p.word_features = word_features->as_bool();
  }
  p.version = static_cast<int>(version);
  p.buckets = static_cast<uint32_t>(buckets);
  p.min_n = static_cast<int>(min_n);
  p.max_n = static_cast<int>(max_n);
  p.max_ids = static_cast<size_t>(max_ids);
  return p;
}

std::string NgramParams::to_json() const {
  // Keys in byte order, as this text has always been written.
  std::string out = "{\"buckets\":";
  json_append_int(buckets, &out);
  out += ",\"hash\":\"fnv1a32\",\"max_ids\":";
  json_append_int(static_cast<int64_t>(max_ids), &out);
  out += ",\"max_n\":";
  json_append_int(max_n, &out);
  out += ",\"min_n\":";
  json_append_int(min_n, &out);
  out += ",\"version\":";
  json_append_int(version, &out);
  out += word_features ? ",\"word_features\":true}" : ",\"word_features\":false}";
  return out;
}

Status NgramFeaturizer::featurize(std::string_view utf8, int32_t* ids, size_t capacity, size_t* count) const {
  *count = 0;
  if (capacity < params_.max_ids)
    return invalid_argument("featurize: room for " + std::to_string(capacity) + " ids, the model may emit " +
                            std::to_string(params_.max_ids));
  const CharLookup& chars = char_lookup();
  Emitter em(params_, ids, ids + params_.max_ids);
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const size_t size = utf8.size();
  bool in_word = false;
  // One pass decodes, validates and featurizes; once max_ids ids are out, the rest is only validated.
  size_t pos = 0;
  while (pos < size && !em.full()) {
    uint32_t cp = p[pos];
    bool letter;
    if (cp < 0x80) {
      ++pos;
      const uint32_t low = cp | 0x20;  // ASCII letters: A-Z and a-z differ in bit 5 only
      letter = low - 'a' < 26;
      cp = low;
    } else {
      const size_t len = decode_one(utf8, pos, &cp);
      if (len == 0) return invalid_utf8("invalid UTF-8 at byte " + std::to_string(pos));
      pos += len;
      cp = chars.lower(cp);
      letter = chars.letter(cp);
    }
    if (letter) {
      if (!in_word) em.begin_word();
      in_word = true;
      em.letter(cp);
    } else if (in_word) {
      em.end_word();
      in_word = false;
    }
  }
  if (pos < size) PERCH_RETURN_IF_ERROR(validate_utf8(utf8));
  if (in_word && !em.full()) em.end_word();
  *count = static_cast<size_t>(em.out() - ids);
  return Status::ok();
}

Status NgramFeaturizer::featurize(std::string_view utf8, std::vector<int32_t>* ids) const {
  ids->resize(params_.max_ids);
  size_t count = 0;
  const Status st = featurize(utf8, ids->data(), ids->size(), &count);
  ids->resize(count);
  return st;
}

}  // namespace perch::text
