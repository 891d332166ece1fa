#include "perch/format/json.h"

#include <algorithm>

#include "perch/format/json_number.h"
#include "perch/text/utf8.h"

namespace perch {

namespace {
// Objects with more members than this keep a key-sorted index (duplicate check and find stay
// O(n log n) on a hostile object with a million keys).
constexpr size_t kIndexedObject = 8;

// 'key' for messages, cut at a character boundary when long.
std::string quoted_key(const std::string& key) {
  if (key.size() <= 48) return "'" + key + "'";
  size_t n = 48;
  while (n > 0 && (static_cast<unsigned char>(key[n]) & 0xC0) == 0x80) --n;
  return "'" + key.substr(0, n) + "...'";
}
}  // namespace

int64_t JsonValue::as_int64() const {
  if (type_ != JsonType::kNumber) return 0;
  if (int64_fits_) return int_;
  if (!(number_ == number_)) return 0;
  if (number_ >= 9223372036854775807.0) return INT64_MAX;
  if (number_ <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(number_);
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type_ != JsonType::kObject) return nullptr;
  if (sorted_.empty()) {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) return &items_[i];
    return nullptr;
  }
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), key,
                             [this](uint32_t i, std::string_view k) { return keys_[i] < k; });
  return it != sorted_.end() && keys_[*it] == key ? &items_[*it] : nullptr;
}

bool JsonValue::last_key_repeats() const {
  for (size_t i = 0; i + 1 < keys_.size(); ++i)
    if (keys_[i] == keys_.back()) return true;
  return false;
}

const std::string* JsonValue::build_index() {
  sorted_.resize(keys_.size());
  for (size_t i = 0; i < sorted_.size(); ++i) sorted_[i] = static_cast<uint32_t>(i);
  std::sort(sorted_.begin(), sorted_.end(), [this](uint32_t a, uint32_t b) { return keys_[a] < keys_[b]; });
  for (size_t i = 1; i < sorted_.size(); ++i)
    if (keys_[sorted_[i - 1]] == keys_[sorted_[i]]) return &keys_[sorted_[i]];
  return nullptr;
}

const JsonValue& JsonValue::member(std::string_view key) const {
  static const JsonValue kNull;
  const JsonValue* v = find(key);
  return v ? *v : kNull;
}

std::string JsonParseError::describe() const { return message + " at byte " + std::to_string(offset); }

// Recursive descent over the text; depth is bounded by max_depth, so the stack is too.
class JsonParser {
 public:
  JsonParser(std::string_view text, int max_depth, JsonParseError* error)
      : s_(text), max_depth_(max_depth), error_(error) {}

  bool parse_document(JsonValue* out) {
    skip_space();
    if (!parse_value(out, 0)) return false;
    skip_space();
    if (pos_ != s_.size()) return fail("unexpected text after the JSON value");
    return true;
  }

 private:
  bool fail(const char* message) { return fail_at(pos_, message); }
  bool fail_at(size_t offset, std::string message) {
    error_->offset = offset;
    error_->message = std::move(message);
    return false;
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  bool parse_value(JsonValue* out, int depth) {
    if (pos_ >= s_.size()) return fail("unexpected end of the JSON text");
    switch (s_[pos_]) {
      case '{':
        return parse_object(out, depth + 1);
      case '[':
        return parse_array(out, depth + 1);
      case '"':
        out->type_ = JsonType::kString;
        return parse_string(&out->text_);
      case 't':
        return parse_literal("true", JsonType::kBool, true, out);
      case 'f':
        return parse_literal("false", JsonType::kBool, false, out);
      case 'n':
        return parse_literal("null", JsonType::kNull, false, out);
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return parse_number(out);
        return fail("unexpected character where a JSON value should start");
    }
  }

  bool parse_literal(std::string_view word, JsonType type, bool flag, JsonValue* out) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal (true, false or null expected)");
    pos_ += word.size();
    out->type_ = type;
    out->flag_ = flag;
    return true;
  }

  bool enter(int depth) {
    if (depth <= max_depth_) return true;
    error_->too_deep = true;
    return fail_at(pos_, "arrays and objects nest deeper than " + std::to_string(max_depth_) + " levels");
  }

  bool parse_array(JsonValue* out, int depth) {
    if (!enter(depth)) return false;
    out->type_ = JsonType::kArray;
    ++pos_;  // '['
    skip_space();
    if (at(']')) {
      ++pos_;
      return true;
    }
    for (;;) {
      out->items_.emplace_back();
      skip_space();
      if (!parse_value(&out->items_.back(), depth)) return false;
      skip_space();
      if (at(']')) {
        ++pos_;
        return true;
      }
      if (!at(',')) return fail("expected ',' or ']' in an array");
      ++pos_;
    }
  }

  bool parse_object(JsonValue* out, int depth) {
    if (!enter(depth)) return false;
    out->type_ = JsonType::kObject;
    ++pos_;  // '{'
    skip_space();
    if (at('}')) {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (!at('"')) return fail("expected a string key in an object");
      out->keys_.emplace_back();
      if (!parse_string(&out->keys_.back())) return false;
      if (out->keys_.size() <= kIndexedObject && out->last_key_repeats())
        return fail_at(key_start_, "duplicate object key " + quoted_key(out->keys_.back()));
      skip_space();
      if (!at(':')) return fail("expected ':' after an object key");
      ++pos_;
      skip_space();
      out->items_.emplace_back();
      if (!parse_value(&out->items_.back(), depth)) return false;
      skip_space();
      if (at('}')) {
        ++pos_;
        break;
      }
      if (!at(',')) return fail("expected ',' or '}' in an object");
      ++pos_;
    }
    if (out->keys_.size() > kIndexedObject) {
      // Checked once the object is complete: the offset is its end, the message names the key.
      if (const std::string* dup = out->build_index())
        return fail_at(pos_ - 1, "duplicate object key " + quoted_key(*dup));
    }
    return true;
  }

  bool parse_hex4(uint32_t* out) {
    if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return fail_at(pos_ - 1, "invalid hex digit in a \\u escape");
    }
    *out = v;
    return true;
  }

  // \uXXXX, a surrogate pair as two escapes; pos_ is past the 'u'.
  bool parse_unicode_escape(std::string* out) {
    const size_t start = pos_ - 2;
    uint32_t cp = 0;
    if (!parse_hex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail_at(start, "lone low surrogate in a \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (s_.substr(pos_, 2) != "\\u") return fail_at(start, "high surrogate without its low surrogate");
      pos_ += 2;
      uint32_t low = 0;
      if (!parse_hex4(&low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return fail_at(start, "high surrogate without its low surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    text::append_utf8(cp, out);
    return true;
  }

  bool parse_escape(std::string* out) {
    ++pos_;  // '\\'
    if (pos_ >= s_.size()) return fail("unterminated string");
    const char c = s_[pos_++];
    switch (c) {
      case '"':
        out->push_back('"');
        return true;
      case '\\':
        out->push_back('\\');
        return true;
      case '/':
        out->push_back('/');
        return true;
      case 'b':
        out->push_back('\b');
        return true;
      case 'f':
        out->push_back('\f');
        return true;
      case 'n':
        out->push_back('\n');
        return true;
      case 'r':
        out->push_back('\r');
        return true;
      case 't':
        out->push_back('\t');
        return true;
      case 'u':
        return parse_unicode_escape(out);
      default:
        return fail_at(pos_ - 1, "invalid escape in a string");
    }
  }

  bool parse_string(std::string* out) {
    key_start_ = pos_;
    ++pos_;  // '"'
    for (;;) {
      // Plain ASCII runs are copied in one go.
      size_t run = pos_;
      while (run < s_.size()) {
        const auto c = static_cast<unsigned char>(s_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out->append(s_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= s_.size()) return fail_at(key_start_, "unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!parse_escape(out)) return false;
      } else if (c < 0x20) {
        return fail("control character in a string (it must be escaped)");
      } else {
        uint32_t cp = 0;
        const size_t len = text::decode_one(s_, pos_, &cp);
        if (len == 0) return fail("invalid UTF-8 in a string");
        out->append(s_.data() + pos_, len);
        pos_ += len;
      }
    }
  }

  size_t digits_from(size_t p) const {
    while (p < s_.size() && s_[p] >= '0' && s_[p] <= '9') ++p;
    return p;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool parse_number(JsonValue* out) {
    const size_t start = pos_;
    size_t p = pos_ + (s_[pos_] == '-' ? 1 : 0);
    const size_t int_begin = p;
    p = digits_from(p);
    if (p == int_begin) return fail_at(p, "a number needs digits");
    if (s_[int_begin] == '0' && p - int_begin > 1) return fail_at(int_begin, "a number may not start with 0");
    bool integer = true;
    if (p < s_.size() && s_[p] == '.') {
      const size_t frac = p + 1;
      p = digits_from(frac);
      if (p == frac) return fail_at(p, "a number needs digits after '.'");
      integer = false;
    }
    if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
      size_t e = p + 1;
      if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
      p = digits_from(e);
      if (p == e) return fail_at(p, "a number needs digits in its exponent");
      integer = false;
    }
    const std::string_view literal = s_.substr(start, p - start);
    pos_ = p;
    out->type_ = JsonType::kNumber;
    out->integer_ = integer;
    if (!json_number_to_double(literal, &out->number_)) return fail_at(start, "number out of range");
    if (integer) store_integer(literal, out);
    return true;
  }

  // Exact int64 when it fits; otherwise keep the literal so it prints back unchanged.
  static void store_integer(std::string_view literal, JsonValue* out) {
    const bool negative = literal[0] == '-';
    uint64_t magnitude = 0;
    bool fits = true;
    for (size_t i = negative ? 1 : 0; i < literal.size(); ++i) {
      const uint64_t d = static_cast<uint64_t>(literal[i] - '0');
      if (magnitude > (UINT64_MAX - d) / 10) {
        fits = false;
        break;
      }
      magnitude = magnitude * 10 + d;
    }
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    if (fits && magnitude <= limit) {
      out->int64_fits_ = true;
      out->int_ = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    } else {
      out->text_.assign(literal);
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t key_start_ = 0;  // where the last string began (duplicate key messages)
  int max_depth_;
  JsonParseError* error_;
};

bool parse_json(std::string_view text, JsonValue* out, JsonParseError* error, int max_depth) {
  JsonParseError ignored;
  if (error == nullptr) error = &ignored;
  *error = JsonParseError();
  *out = JsonValue();
  JsonParser p(text, max_depth, error);
  if (p.parse_document(out)) return true;
  *out = JsonValue();
  return false;
}

}  // namespace perch
