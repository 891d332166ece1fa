// perch's own JSON: a strict RFC 8259 reader for the metadata the core parses at load (graph,
// tokenizer, labels, priors, decoding, learned suggestions) and the few writers the core needs.
// Small on purpose: the wasm module pays for every byte of code (docs/architecture.md §5), so
// no iostreams, no printf, no strtod (their long-double soft-float); numbers go through
// format/json_number.h.
//
// Reading: UTF-8 is validated, \u escapes (surrogate pairs included) decoded, duplicate object
// keys, trailing commas, NaN, leading zeros and anything after the value are errors, and arrays
// and objects may nest at most max_depth levels (a hostile [[[[...]]]] never reaches the stack).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace perch {

// Real perch JSON nests a few levels; 64 leaves room and bounds the parser's recursion.
constexpr int kMaxJsonDepth = 64;

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// A parsed JSON value. Objects keep their keys in file order. Accessors on the wrong type return
// an empty/zero value (never crash); callers check the type first and report their own error.
class JsonValue {
 public:
  JsonValue() = default;
  // An empty value of this type (an empty object, array or string; false; 0).
  explicit JsonValue(JsonType type) : type_(type) {}

  JsonType type() const { return type_; }
  bool is_null() const { return type_ == JsonType::kNull; }
  bool is_bool() const { return type_ == JsonType::kBool; }
  bool is_number() const { return type_ == JsonType::kNumber; }
  bool is_string() const { return type_ == JsonType::kString; }
  bool is_array() const { return type_ == JsonType::kArray; }
  bool is_object() const { return type_ == JsonType::kObject; }
  // A number written without fraction or exponent ("12", "-3", "18446744073709551616").
  bool is_integer() const { return type_ == JsonType::kNumber && integer_; }
  // An integer that fits int64 exactly (as_int64 is then its value).
  bool is_int64() const { return is_integer() && int64_fits_; }

  bool as_bool() const { return type_ == JsonType::kBool && flag_; }
  // The number (the nearest double; exact for integers up to 2^53).
  double as_double() const { return type_ == JsonType::kNumber ? number_ : 0.0; }
  // The integer when is_int64(); otherwise the number truncated and clamped to int64.
  int64_t as_int64() const;
  // The string (for an integer beyond int64: its literal, which the writer prints back).
  const std::string& as_string() const { return text_; }

  // Arrays: elements; objects: members' values in file order.
  size_t size() const { return items_.size(); }
  const JsonValue& operator[](size_t i) const { return items_[i]; }
  const std::vector<JsonValue>& items() const { return items_; }
  // Objects: key of member i (file order).
  const std::string& key(size_t i) const { return keys_[i]; }
  // The member named `key`; nullptr when absent or when this is not an object.
  const JsonValue* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // The member named `key`, or a null value when absent (chains read as paths: a missing part is null).
  const JsonValue& member(std::string_view key) const;

 private:
  friend class JsonParser;
  // While parsing an object: the last key repeats an earlier one (small objects).
  bool last_key_repeats() const;
  // Builds sorted_; returns a key that appears twice, or nullptr.
  const std::string* build_index();
  JsonType type_ = JsonType::kNull;
  bool flag_ = false;        // bool value
  bool integer_ = false;     // number literal without fraction or exponent
  bool int64_fits_ = false;  // ... and in int64 range (int_ holds it)
  int64_t int_ = 0;
  double number_ = 0.0;
  std::string text_;  // string value; for an integer beyond int64, its literal (to print it back)
  std::vector<JsonValue> items_;
  std::vector<std::string> keys_;  // objects: one per item
  std::vector<uint32_t> sorted_;   // objects with many keys: member indices in key order (find)
};

struct JsonParseError {
  size_t offset = 0;      // byte offset in the text where the problem is
  bool too_deep = false;  // nesting beyond max_depth (callers name the limit in their message)
  std::string message;    // "expected ',' or ']'"
  // "expected ',' or ']' at byte 17"
  std::string describe() const;
};

// Parses one complete JSON text. False (and *error filled) when it is not valid JSON.
bool parse_json(std::string_view text, JsonValue* out, JsonParseError* error, int max_depth = kMaxJsonDepth);

// Writing: compact JSON (no spaces), as the core's outputs are specified.
// A JSON string literal of s. Invalid UTF-8 bytes become U+FFFD (never an invalid document).
void json_append_string(std::string_view s, std::string* out);
// A number: integers as integers; other doubles as the shortest text that reads back to the same
// double, "1.0" for whole numbers, exponent form outside [1e-4, 1e15) ("1e-05", "1e+15");
// NaN and infinities as null (JSON has none).
void json_append_number(double v, std::string* out);
void json_append_int(int64_t v, std::string* out);
// The whole value, compact, object keys in their order.
void json_append_value(const JsonValue& v, std::string* out);
std::string to_json_text(const JsonValue& v);

}  // namespace perch
