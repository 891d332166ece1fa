// Fuzz target (f): perch's JSON reader (format/json.h) on arbitrary bytes, against nlohmann::json
// as a second opinion. perch is the stricter of the two (duplicate keys, numbers beyond the double
// range and nesting past the limit are errors), so whatever perch accepts nlohmann must accept,
// with the same value: same strings, same integers, the same double bit for bit. An error's
// offset lies within the input. What perch accepts prints (to_json_text) to a text it accepts
// again and prints identically: printing is stable and every number reads back exactly.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "perch/format/json.h"

using perch::JsonValue;

namespace {

bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_number(const JsonValue& p, const nlohmann::json& n) {
  if (!n.is_number()) return false;
  if (p.is_int64()) {
    if (n.is_number_integer() && !n.is_number_unsigned()) return n.get<int64_t>() == p.as_int64();
    return n.is_number_unsigned() && p.as_int64() >= 0 && n.get<uint64_t>() == static_cast<uint64_t>(p.as_int64());
  }
  if (n.is_number_unsigned()) return p.is_integer() && p.as_double() == static_cast<double>(n.get<uint64_t>());
  if (!n.is_number_float()) return false;
  return same_double(p.as_double(), n.get<double>());
}

bool same(const JsonValue& p, const nlohmann::json& n) {
  switch (p.type()) {
    case perch::JsonType::kNull:
      return n.is_null();
    case perch::JsonType::kBool:
      return n.is_boolean() && n.get<bool>() == p.as_bool();
    case perch::JsonType::kNumber:
      return same_number(p, n);
    case perch::JsonType::kString:
      return n.is_string() && n.get_ref<const std::string&>() == p.as_string();
    case perch::JsonType::kArray:
      if (!n.is_array() || n.size() != p.size()) return false;
      for (size_t i = 0; i < p.size(); ++i)
        if (!same(p[i], n[i])) return false;
      return true;
    case perch::JsonType::kObject:
      if (!n.is_object() || n.size() != p.size()) return false;
      for (size_t i = 0; i < p.size(); ++i) {
        auto it = n.find(p.key(i));
        if (it == n.end() || !same(p[i], *it) || p.find(p.key(i)) != &p[i]) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  JsonValue v;
  perch::JsonParseError error;
  if (!perch::parse_json(text, &v, &error)) {
    if (error.offset > size || error.message.empty() || !v.is_null()) std::abort();
    return 0;
  }
  // perch accepted it: nlohmann agrees on every value (perch's depth limit keeps its recursion shallow).
  const nlohmann::json n = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (n.is_discarded() || !same(v, n)) std::abort();
  const std::string once = perch::to_json_text(v);
  JsonValue again;
  if (!perch::parse_json(once, &again, &error)) std::abort();
  if (perch::to_json_text(again) != once) std::abort();
  return 0;
}
