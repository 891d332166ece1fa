// UTF-8: strict validation and decoding (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF). Every text entry point validates first, so invalid input is an InvalidUtf8 error
// naming the byte offset of the first bad sequence, never a crash or an out-of-bounds read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "perch/core/status.h"

namespace perch::text {

// Length in bytes of the valid sequence starting at s[pos] and its code point in *cp; 0 when
// the bytes at pos are not a valid sequence (truncated, overlong, surrogate, > U+10FFFF, or a
// stray continuation byte). Requires pos < s.size().
size_t decode_one(std::string_view s, size_t pos, uint32_t* cp);

// OK, or InvalidUtf8 "invalid UTF-8 at byte N"; *bad_offset (when given) receives N, or
// s.size() when the text is valid.
Status validate_utf8(std::string_view s, size_t* bad_offset = nullptr);

// All code points of s, or the InvalidUtf8 error of validate_utf8.
Result<std::vector<uint32_t>> decode_utf8(std::string_view s);

// Appends the UTF-8 encoding of cp (cp must be a Unicode scalar value; others append U+FFFD).
void append_utf8(uint32_t cp, std::string* out);

// Iterates the code points of text already known to be valid (validate_utf8 first):
//   for (Utf8Iterator it(s); !it.done(); it.next()) use(it.code_point(), it.offset());
class Utf8Iterator {
 public:
  explicit Utf8Iterator(std::string_view s) : s_(s) { load(); }
  bool done() const { return pos_ >= s_.size(); }
  uint32_t code_point() const { return cp_; }
  size_t offset() const { return pos_; }  // byte offset of the current code point
  size_t length() const { return len_; }  // its length in bytes
  void next() {
    pos_ += len_;
    load();
  }

 private:
  void load() {
    if (pos_ >= s_.size()) return;
    len_ = decode_one(s_, pos_, &cp_);
    if (len_ == 0) {  // invalid despite the precondition: stop rather than read past the end
      cp_ = 0xFFFD;
      len_ = 1;
    }
  }
  std::string_view s_;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint32_t cp_ = 0;
};

}  // namespace perch::text
