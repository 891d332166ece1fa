// The JSON writers of format/json.h: compact text, the same number and string spelling the
// core's outputs have always had (tests and the JS binding compare some of them byte for byte).
#include <cmath>

#include "perch/format/json.h"
#include "perch/format/json_number.h"
#include "perch/text/utf8.h"

namespace perch {

void json_append_string(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      uint32_t cp = 0;
      const size_t len = text::decode_one(s, i, &cp);
      if (len == 0) {
        text::append_utf8(0xFFFD, out);
        ++i;
      } else {
        out->append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void json_append_int(int64_t v, std::string* out) {
  char buf[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) out->push_back('-');
  while (n > 0) out->push_back(buf[--n]);
}

void json_append_number(double v, std::string* out) {
  if (!(v - v == 0)) {  // NaN or an infinity
    out->append("null");
    return;
  }
  if (std::signbit(v)) out->push_back('-');
  v = std::fabs(v);
  if (v == 0) {
    out->append("0.0");
    return;
  }
  std::string d;
  int point = 0;  // v = 0.d x 10^point
  shortest_decimal_digits(v, &d, &point);
  const int k = static_cast<int>(d.size());
  if (k <= point && point <= 15) {  // 1200.0
    out->append(d).append(static_cast<size_t>(point - k), '0').append(".0");
  } else if (0 < point && point <= 15) {  // 12.5
    out->append(d, 0, static_cast<size_t>(point)).append(".").append(d, static_cast<size_t>(point), std::string::npos);
  } else if (-4 < point && point <= 0) {  // 0.00125
    out->append("0.").append(static_cast<size_t>(-point), '0').append(d);
  } else {  // 1.25e-05, 1e+21
    out->push_back(d[0]);
    if (k > 1) out->append(".").append(d, 1, std::string::npos);
    const int e = point - 1;
    out->append(e < 0 ? "e-" : "e+");
    if (e > -10 && e < 10) out->push_back('0');
    json_append_int(e < 0 ? -e : e, out);
  }
}

void json_append_value(const JsonValue& v, std::string* out) {
  switch (v.type()) {
    case JsonType::kNull:
      out->append("null");
      return;
    case JsonType::kBool:
      out->append(v.as_bool() ? "true" : "false");
      return;
    case JsonType::kNumber:
      if (v.is_int64())
        json_append_int(v.as_int64(), out);
      else if (v.is_integer())
        out->append(v.as_string());  // beyond int64: the literal as written
      else
        json_append_number(v.as_double(), out);
      return;
    case JsonType::kString:
      json_append_string(v.as_string(), out);
      return;
    case JsonType::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out->push_back(',');
        json_append_value(v[i], out);
      }
      out->push_back(']');
      return;
    case JsonType::kObject:
      out->push_back('{');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out->push_back(',');
        json_append_string(v.key(i), out);
        out->push_back(':');
        json_append_value(v[i], out);
      }
      out->push_back('}');
      return;
  }
}

std::string to_json_text(const JsonValue& v) {
  std::string out;
  json_append_value(v, &out);
  return out;
}

}  // namespace perch
