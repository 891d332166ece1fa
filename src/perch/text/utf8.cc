#include "perch/text/utf8.h"

namespace perch::text {

size_t decode_one(std::string_view s, size_t pos, uint32_t* cp) {
  const size_t n = s.size() - pos;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
  const unsigned b0 = p[0];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t v;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, v = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, v = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;  // continuation byte or 0xF8..0xFF
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

Status validate_utf8(std::string_view s, size_t* bad_offset) {
  size_t pos = 0;
  const size_t size = s.size();
  while (pos < size) {
    // ASCII fast path, 8 bytes at a time.
    while (pos + 8 <= size) {
      uint64_t w = 0;
      for (int i = 0; i < 8; ++i) w |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
      if (w & 0x8080808080808080ull) break;
      pos += 8;
    }
    if (pos >= size) break;
    uint32_t cp;
    const size_t len = decode_one(s, pos, &cp);
    if (len == 0) {
      if (bad_offset) *bad_offset = pos;
      return invalid_utf8("invalid UTF-8 at byte " + std::to_string(pos));
    }
    pos += len;
  }
  if (bad_offset) *bad_offset = size;
  return Status::ok();
}

Result<std::vector<uint32_t>> decode_utf8(std::string_view s) {
  PERCH_RETURN_IF_ERROR(validate_utf8(s));
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (Utf8Iterator it(s); !it.done(); it.next()) out.push_back(it.code_point());
  return out;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace perch::text
