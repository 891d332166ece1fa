// perch's JSON reader and writer (format/json.h): valid and invalid documents with their byte
// offsets, the depth limit, escapes, UTF-8, exact numbers (int64 beyond 2^53, exponents, -0,
// the double range's edges, correctly rounded hard cases), duplicate keys, and round trips.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "perch/format/json.h"

using namespace perch;

namespace {

JsonValue parse_ok(const std::string& text) {
  JsonValue v;
  JsonParseError e;
  INFO("text: " << text);
  const bool ok = parse_json(text, &v, &e);
  INFO("error: " << e.describe());
  REQUIRE(ok);
  return v;
}

JsonParseError parse_bad(const std::string& text, int max_depth = kMaxJsonDepth) {
  JsonValue v;
  JsonParseError e;
  INFO("text: " << text);
  REQUIRE_FALSE(parse_json(text, &v, &e, max_depth));
  REQUIRE(v.is_null());  // nothing half-built is left behind
  REQUIRE_FALSE(e.message.empty());
  return e;
}

uint64_t bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

double number(const std::string& text) { return parse_ok(text).as_double(); }

std::string printed(double d) {
  std::string s;
  json_append_number(d, &s);
  return s;
}

}  // namespace

TEST_CASE("json: values of every type, objects in file order", "[json]") {
  const JsonValue v = parse_ok(" {\"b\": [1, -2.5, true, false, null, \"x\"], \"a\": {}, \"c\": [] }\n");
  REQUIRE(v.is_object());
  REQUIRE(v.size() == 3);
  REQUIRE(v.key(0) == "b");
  REQUIRE(v.key(1) == "a");
  REQUIRE(v.key(2) == "c");
  const JsonValue& b = *v.find("b");
  REQUIRE(b.is_array());
  REQUIRE(b.size() == 6);
  REQUIRE(b[0].is_integer());
  REQUIRE(b[0].as_int64() == 1);
  REQUIRE(b[1].is_number());
  REQUIRE_FALSE(b[1].is_integer());
  REQUIRE(b[1].as_double() == -2.5);
  REQUIRE(b[2].is_bool());
  REQUIRE(b[2].as_bool());
  REQUIRE_FALSE(b[3].as_bool());
  REQUIRE(b[4].is_null());
  REQUIRE(b[5].as_string() == "x");
  REQUIRE(v.find("a")->is_object());
  REQUIRE(v.find("a")->size() == 0);
  REQUIRE(v.find("zz") == nullptr);
  REQUIRE(b.find("b") == nullptr);  // not an object
  REQUIRE(&v.member("b") == &b);
  REQUIRE(v.member("zz").is_null());
  REQUIRE(v.member("zz").member("y").member("x").is_null());  // a path through missing parts
  // Wrong-type accessors answer empty, never crash.
  REQUIRE(b[5].as_double() == 0.0);
  REQUIRE(b[0].as_string().empty());
  REQUIRE(b[0].size() == 0);
  // Any value may be the whole text.
  REQUIRE(parse_ok("\"s\"").as_string() == "s");
  REQUIRE(parse_ok(" 7 ").as_int64() == 7);
  REQUIRE(parse_ok("null").is_null());
}

TEST_CASE("json: a large object finds every key (sorted index) and keeps file order", "[json]") {
  std::string text = "{";
  for (int i = 0; i < 200; ++i)
    text += (i ? "," : "") + std::string("\"k") + std::to_string(199 - i) + "\":" + std::to_string(i);
  const JsonValue v = parse_ok(text + "}");
  REQUIRE(v.size() == 200);
  REQUIRE(v.key(0) == "k199");
  for (int i = 0; i < 200; ++i) REQUIRE(v.find("k" + std::to_string(i))->as_int64() == 199 - i);
  REQUIRE(v.find("k200") == nullptr);
  REQUIRE(v.find("") == nullptr);
}

TEST_CASE("json: invalid documents name the problem and its byte offset", "[json]") {
  struct Case {
    std::string text;
    size_t offset;
    const char* message;
  };
  const Case cases[] = {
      {"", 0, "unexpected end"},
      {"   ", 3, "unexpected end"},
      {"{", 1, "expected a string key"},
      {"[1,]", 3, "where a JSON value should start"},
      {"{\"a\":1,}", 7, "expected a string key"},
      {"[1 2]", 3, "expected ',' or ']'"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{\"a\":1 \"b\":2}", 7, "expected ',' or '}'"},
      {"{a:1}", 1, "expected a string key"},
      {"NaN", 0, "where a JSON value should start"},
      {"[Infinity]", 1, "where a JSON value should start"},
      {"-Infinity", 1, "a number needs digits"},
      {"+1", 0, "where a JSON value should start"},
      {".5", 0, "where a JSON value should start"},
      {"01", 0, "may not start with 0"},
      {"-012", 1, "may not start with 0"},
      {"1.", 2, "digits after '.'"},
      {"1.e5", 2, "digits after '.'"},
      {"1e", 2, "digits in its exponent"},
      {"1e+", 3, "digits in its exponent"},
      {"-", 1, "a number needs digits"},
      {"1e400", 0, "number out of range"},
      {"-1e309", 0, "number out of range"},
      {"tru", 0, "invalid literal"},
      {"nul", 0, "invalid literal"},
      {"True", 0, "where a JSON value should start"},
      {"'a'", 0, "where a JSON value should start"},
      {"[1]x", 3, "after the JSON value"},
      {"{} {}", 3, "after the JSON value"},
      {"\"abc", 0, "unterminated string"},
      {"[\"a\\", 4, "unterminated string"},
      {"\"a\\x\"", 3, "invalid escape"},
      {"\"a\\U0041\"", 3, "invalid escape"},
      {"\"\\u12G4\"", 5, "invalid hex digit"},
      {"\"\\u12\"", 3, "truncated \\u escape"},
      {"\"\\u1", 3, "truncated \\u escape"},
      {"\"tab\there\"", 4, "control character"},
      {"\"nl\nx\"", 3, "control character"},
      {std::string("\"nul\0x\"", 7), 4, "control character"},
      {"\"\\ud800\"", 1, "high surrogate without its low surrogate"},
      {"\"\\ud800\\u0041\"", 1, "high surrogate without its low surrogate"},
      {"\"\\ud800\\ud800\"", 1, "high surrogate without its low surrogate"},
      {"\"\\udc00\"", 1, "lone low surrogate"},
      {"\"a\xff\"", 2, "invalid UTF-8"},
      {"\"\xc0\xaf\"", 1, "invalid UTF-8"},                      // overlong '/'
      {"\"\xed\xa0\x80\"", 1, "invalid UTF-8"},                  // a surrogate encoded in UTF-8
      {"\"\xf4\x90\x80\x80\"", 1, "invalid UTF-8"},              // above U+10FFFF
      {"\"\xe2\x82\"", 1, "invalid UTF-8"},                      // truncated
      {"{\"\xff\":1}", 2, "invalid UTF-8"},                      // in a key too
      {"\xef\xbb\xbf{}", 0, "where a JSON value should start"},  // no byte order mark
      {"{\"a\":1,\"a\":2}", 7, "duplicate object key 'a'"},
      {"{\"a\":1,\"b\":{\"c\":1,\"c\":[]}}", 18, "duplicate object key 'c'"},
  };
  for (const Case& c : cases) {
    const JsonParseError e = parse_bad(c.text);
    INFO("text: " << c.text << "  error: " << e.describe());
    REQUIRE(e.message.find(c.message) != std::string::npos);
    REQUIRE(e.offset == c.offset);
    REQUIRE_FALSE(e.too_deep);
    REQUIRE(e.describe() == e.message + " at byte " + std::to_string(c.offset));
  }
}

TEST_CASE("json: duplicate keys in a large object are caught too", "[json]") {
  std::string text = "{";
  for (int i = 0; i < 50; ++i) text += "\"k" + std::to_string(i) + "\":1,";
  const JsonParseError e = parse_bad(text + "\"k7\":2}");
  REQUIRE(e.message == "duplicate object key 'k7'");
  // A long key is cut in the message.
  const std::string key(300, 'x');
  const JsonParseError long_key = parse_bad("{\"" + key + "\":1,\"" + key + "\":2}");
  REQUIRE(long_key.message.size() < 80);
}

TEST_CASE("json: nesting deeper than the limit is its own error, found before the stack is at risk", "[json]") {
  const auto nested = [](int n) {
    return std::string(static_cast<size_t>(n), '[') + std::string(static_cast<size_t>(n), ']');
  };
  REQUIRE(parse_ok(nested(kMaxJsonDepth)).is_array());
  JsonParseError e = parse_bad(nested(kMaxJsonDepth + 1));
  REQUIRE(e.too_deep);
  REQUIRE(e.offset == static_cast<size_t>(kMaxJsonDepth));
  REQUIRE(e.message == "arrays and objects nest deeper than 64 levels");
  e = parse_bad("{\"a\":" + nested(1000000) + "}");
  REQUIRE(e.too_deep);
  // Objects count as levels as well; brackets inside strings do not.
  std::string objects;
  for (int i = 0; i < 4; ++i) objects += "{\"k\":";
  REQUIRE(parse_bad(objects + "1}}}}", 3).too_deep);
  REQUIRE(parse_ok(objects + "\"[[[[[[\"}}}}").is_object());
  REQUIRE(parse_bad("[[[", 2).too_deep);
  REQUIRE_FALSE(parse_bad("[[", 2).too_deep);  // unterminated, not too deep
}

TEST_CASE("json: escapes decode to UTF-8, surrogate pairs included", "[json]") {
  REQUIRE(parse_ok(R"("\"\\\/\b\f\n\r\t")").as_string() == "\"\\/\b\f\n\r\t");
  REQUIRE(parse_ok(R"("\u0041\u00e9\u00E9\u20ac")").as_string() == "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
  REQUIRE(parse_ok(R"("\ud83d\ude00")").as_string() == "\xf0\x9f\x98\x80");
  REQUIRE(parse_ok(R"("\uDBFF\uDFFF")").as_string() == "\xf4\x8f\xbf\xbf");
  REQUIRE(parse_ok(R"("a\u0000b")").as_string() == std::string("a\0b", 3));
  REQUIRE(parse_ok("\"\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"").as_string() ==
          "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
  REQUIRE(parse_ok("{\"\\u006b\":1}").key(0) == "k");
  // Equal after decoding: a duplicate.
  REQUIRE(parse_bad("{\"k\":1,\"\\u006b\":2}").message == "duplicate object key 'k'");
}

TEST_CASE("json: integers are exact in int64, beyond 2^53 too", "[json]") {
  JsonValue v = parse_ok("9007199254740993");  // 2^53 + 1: no double holds it
  REQUIRE(v.is_int64());
  REQUIRE(v.as_int64() == 9007199254740993LL);
  REQUIRE(v.as_double() == 9007199254740992.0);
  v = parse_ok("9223372036854775807");
  REQUIRE(v.is_int64());
  REQUIRE(v.as_int64() == std::numeric_limits<int64_t>::max());
  v = parse_ok("-9223372036854775808");
  REQUIRE(v.is_int64());
  REQUIRE(v.as_int64() == std::numeric_limits<int64_t>::min());
  // Beyond int64: still an integer literal, clamped as int64, printed back as written.
  for (const char* big :
       {"9223372036854775808", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890"}) {
    v = parse_ok(big);
    REQUIRE(v.is_integer());
    REQUIRE_FALSE(v.is_int64());
    REQUIRE(v.as_int64() == std::numeric_limits<int64_t>::max());
    REQUIRE(to_json_text(v) == big);
  }
  v = parse_ok("-9223372036854775809");
  REQUIRE_FALSE(v.is_int64());
  REQUIRE(v.as_int64() == std::numeric_limits<int64_t>::min());
  REQUIRE(v.as_double() == -9223372036854775808.0);
  // -0 is the integer 0; -0.0 keeps its sign.
  v = parse_ok("-0");
  REQUIRE(v.is_int64());
  REQUIRE(v.as_int64() == 0);
  REQUIRE(to_json_text(v) == "0");
  v = parse_ok("-0.0");
  REQUIRE_FALSE(v.is_integer());
  REQUIRE(std::signbit(v.as_double()));
  REQUIRE(to_json_text(v) == "-0.0");
  // Fractions and exponents make a number non-integer, whatever its value.
  for (const char* t : {"1.0", "1e2", "1E2", "100e-2", "2.5e+3"}) REQUIRE_FALSE(parse_ok(t).is_integer());
  REQUIRE(parse_ok("2.9").as_int64() == 2);
  REQUIRE(parse_ok("-2.9").as_int64() == -2);
  REQUIRE(parse_ok("1e300").as_int64() == std::numeric_limits<int64_t>::max());
}

TEST_CASE("json: numbers read as the nearest double, edges and hard cases included", "[json]") {
  REQUIRE(number("1e2") == 100.0);
  REQUIRE(number("1E-2") == 0.01);
  REQUIRE(number("2.5e+3") == 2500.0);
  REQUIRE(number("0.1") == 0.1);
  REQUIRE(number("-123.456") == -123.456);
  REQUIRE(number("0.000001") == 1e-6);
  REQUIRE(number("1e23") == 1e23);
  REQUIRE(number("123456789012345678901234567890.0") == 1.2345678901234568e+29);
  // The largest and smallest doubles, and just past them.
  REQUIRE(number("1.7976931348623157e308") == std::numeric_limits<double>::max());
  REQUIRE(number("1.7976931348623158e308") == std::numeric_limits<double>::max());  // rounds down
  REQUIRE(parse_bad("1.7976931348623159e308").message == "number out of range");    // rounds to infinity
  REQUIRE(number("2.2250738585072014e-308") == std::numeric_limits<double>::min());
  REQUIRE(number("4.9406564584124654e-324") == std::numeric_limits<double>::denorm_min());
  REQUIRE(number("5e-324") == std::numeric_limits<double>::denorm_min());
  REQUIRE(number("2.4703282292062328e-324") == std::numeric_limits<double>::denorm_min());  // just above half
  REQUIRE(number("2.4703282292062327e-324") == 0.0);                                        // just below half
  REQUIRE(number("1e-400") == 0.0);
  REQUIRE(std::signbit(number("-1e-400")));
  REQUIRE(number("0e999999999999999999") == 0.0);
  REQUIRE(number("1e-99999999999999999999") == 0.0);
  // Hard cases: correct rounding needs more than 17 digits of care.
  REQUIRE(bits(number("2.2250738585072011e-308")) == 0x000FFFFFFFFFFFFFull);  // the largest subnormal
  REQUIRE(bits(number("2.2250738585072012e-308")) == 0x0010000000000000ull);
  REQUIRE(number("9007199254740993.0") == 9007199254740992.0);                        // a tie: to even
  REQUIRE(number("9007199254740995.0") == 9007199254740996.0);                        // a tie: to even
  REQUIRE(number("9007199254740993.00000000000000000000001") == 9007199254740994.0);  // just above the tie
  REQUIRE(number("0.500000000000000166533453693773481063544750213623046875") == 0.5000000000000002);  // exact tie
  // A tie decided by a digit past 800 significant ones.
  REQUIRE(number("9007199254740993." + std::string(900, '0') + "1") == 9007199254740994.0);
  REQUIRE(number("9007199254740993." + std::string(900, '0')) == 9007199254740992.0);
}

TEST_CASE("json: numbers print as the shortest text that reads back", "[json]") {
  REQUIRE(printed(0.41) == "0.41");
  REQUIRE(printed(0.1 + 0.2) == "0.30000000000000004");
  REQUIRE(printed(1.0) == "1.0");
  REQUIRE(printed(0.5) == "0.5");
  REQUIRE(printed(-2.5) == "-2.5");
  REQUIRE(printed(100.0) == "100.0");
  REQUIRE(printed(123.456) == "123.456");
  REQUIRE(printed(0.0001) == "0.0001");
  REQUIRE(printed(1e-5) == "1e-05");
  REQUIRE(printed(3.5e-7) == "3.5e-07");
  REQUIRE(printed(1e14) == "100000000000000.0");
  REQUIRE(printed(1e15) == "1e+15");
  REQUIRE(printed(1.5e300) == "1.5e+300");
  REQUIRE(printed(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  REQUIRE(printed(std::numeric_limits<double>::denorm_min()) == "5e-324");
  REQUIRE(printed(9007199254740992.0) == "9.007199254740992e+15");
  REQUIRE(printed(0.0) == "0.0");
  REQUIRE(printed(-0.0) == "-0.0");
  REQUIRE(printed(std::nan("")) == "null");
  REQUIRE(printed(std::numeric_limits<double>::infinity()) == "null");
  std::string ints;
  json_append_int(0, &ints);
  ints += ' ';
  json_append_int(-42, &ints);
  ints += ' ';
  json_append_int(std::numeric_limits<int64_t>::min(), &ints);
  REQUIRE(ints == "0 -42 -9223372036854775808");
}

TEST_CASE("json: every double round-trips through its printed text", "[json]") {
  std::mt19937_64 rng(2026);
  for (int i = 0; i < 20000; ++i) {
    uint64_t b = rng();
    if (i % 4 == 1) b &= 0x800FFFFFFFFFFFFFull;  // subnormals
    if (i % 4 == 2)
      b = (b & 0x800FFFFFFFFFFFFFull) | (uint64_t{1023 + static_cast<unsigned>(b % 60) - 30} << 52);  // near 1
    double d;
    std::memcpy(&d, &b, sizeof d);
    if (!std::isfinite(d)) continue;
    const std::string text = printed(d);
    INFO("bits " << b << " printed " << text);
    const JsonValue v = parse_ok(text);
    REQUIRE(bits(v.as_double()) == bits(d));
    REQUIRE(text.size() <= 24);
  }
}

TEST_CASE("json: strings print escaped; invalid UTF-8 becomes U+FFFD", "[json]") {
  std::string s;
  json_append_string("a\"b\\c/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9", &s);
  REQUIRE(s == "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9\"");
  s.clear();
  json_append_string("x\xffy\xc3", &s);
  REQUIRE(s == "\"x\xef\xbf\xbdy\xef\xbf\xbd\"");
  s.clear();
  json_append_string(std::string("\0", 1), &s);
  REQUIRE(s == "\"\\u0000\"");
}

TEST_CASE("json: parse, print, parse again gives the same document", "[json]") {
  const std::string docs[] = {
      R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1,8],"max_shape":[64,8]}],"outputs":["y"],"nodes":[]})",
      R"([0.41,1.0,-0.0,1e-05,1e+15,123456789012345678901234567890,-9223372036854775808,true,false,null])",
      R"({"s":"\u00e9\ud83d\ude00\n\"","nested":{"a":[[],[{}]],"b":{"c":{}}},"z":0})",
  };
  for (const std::string& d : docs) {
    const JsonValue v = parse_ok(d);
    const std::string once = to_json_text(v);
    const std::string twice = to_json_text(parse_ok(once));
    INFO(d);
    REQUIRE(once == twice);
  }
  REQUIRE(to_json_text(parse_ok(docs[0])) == docs[0]);
  REQUIRE(to_json_text(parse_ok(docs[1])) == docs[1]);
  REQUIRE(to_json_text(parse_ok(" { \"b\" : 1 , \"a\" : [ 1 , 2 ] } ")) == "{\"b\":1,\"a\":[1,2]}");
  REQUIRE(to_json_text(JsonValue(JsonType::kObject)) == "{}");
  REQUIRE(to_json_text(JsonValue(JsonType::kArray)) == "[]");
  REQUIRE(to_json_text(JsonValue()) == "null");
}
