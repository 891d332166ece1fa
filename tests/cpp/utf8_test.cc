#include <catch2/catch.hpp>
#include <string>

#include "perch/text/utf8.h"

using namespace perch;
using namespace perch::text;

TEST_CASE("validate_utf8 accepts valid text and reports the offset of the first bad byte", "[utf8]") {
  size_t bad = 0;
  REQUIRE(validate_utf8("", &bad).is_ok());
  REQUIRE(bad == 0);
  REQUIRE(validate_utf8("plain ascii text that is longer than eight bytes").is_ok());
  REQUIRE(validate_utf8("été Привет 日本 😀").is_ok());

  struct Case {
    std::string bytes;
    size_t offset;
  };
  const Case cases[] = {
      {"ab\x80", 2},                // stray continuation byte
      {"abc\xc3", 3},               // truncated 2-byte sequence at the end
      {"\xc3\x28", 0},              // bad continuation
      {"0123456789\xc0\xaf", 10},   // overlong '/'
      {"x\xe0\x80\xaf", 1},         // overlong 3-byte
      {"\xed\xa0\x80", 0},          // UTF-16 surrogate D800
      {"ok\xf4\x90\x80\x80", 2},    // above U+10FFFF
      {"\xf8\x88\x80\x80\x80", 0},  // 5-byte form
      {"\xff", 0},
      {"abcdefgh\xe2\x82", 8},  // truncated 3-byte after the ASCII fast path
  };
  for (const auto& c : cases) {
    const Status s = validate_utf8(c.bytes, &bad);
    REQUIRE(s.code() == StatusCode::kInvalidUtf8);
    REQUIRE(bad == c.offset);
    REQUIRE(s.message() == "invalid UTF-8 at byte " + std::to_string(c.offset));
  }
}

TEST_CASE("decode_utf8 and append_utf8 round-trip every scalar value class", "[utf8]") {
  const uint32_t cps[] = {0x0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
  std::string s;
  for (uint32_t cp : cps) append_utf8(cp, &s);
  auto decoded = decode_utf8(s);
  REQUIRE(decoded.is_ok());
  REQUIRE(decoded.value() == std::vector<uint32_t>(std::begin(cps), std::end(cps)));

  std::string bad;
  append_utf8(0xD800, &bad);  // a surrogate is not encodable: U+FFFD instead
  REQUIRE(bad == "\xEF\xBF\xBD");
  REQUIRE(decode_utf8("a\xC3").status().code() == StatusCode::kInvalidUtf8);
}

TEST_CASE("Utf8Iterator walks code points with their byte offsets", "[utf8]") {
  const std::string s = "aé日😀";
  std::vector<std::pair<uint32_t, size_t>> seen;
  for (Utf8Iterator it(s); !it.done(); it.next()) seen.emplace_back(it.code_point(), it.offset());
  REQUIRE(seen == std::vector<std::pair<uint32_t, size_t>>{{0x61, 0}, {0xE9, 1}, {0x65E5, 3}, {0x1F600, 6}});
  // On invalid bytes (a broken precondition) it still stops at the end.
  int n = 0;
  for (Utf8Iterator it("\xE6\x97"); !it.done(); it.next()) ++n;
  REQUIRE(n == 2);
}
