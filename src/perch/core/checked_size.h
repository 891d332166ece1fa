// Checked size arithmetic. Every byte count derived from a model's dims or attrs is computed in
// uint64_t with overflow checks and narrowed to size_t once, through fits_in_size_t: wasm32's
// size_t is 32 bits, so an unchecked product that is fine natively wraps there (to 0, or to a
// small buffer that a run then overruns).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>

#include "perch/core/shape.h"

namespace perch {

// What a size function returns when its arithmetic overflowed: larger than any budget.
constexpr uint64_t kSizeOverflow = std::numeric_limits<uint64_t>::max();

// a * b; false (and *out untouched) on uint64_t overflow.
inline bool mul_size(uint64_t a, uint64_t b, uint64_t* out) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return false;
  *out = r;
  return true;
}

// a + b; false (and *out untouched) on uint64_t overflow.
inline bool add_size(uint64_t a, uint64_t b, uint64_t* out) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return false;
  *out = r;
  return true;
}

// a * b * c, checked.
inline bool mul_size(uint64_t a, uint64_t b, uint64_t c, uint64_t* out) {
  uint64_t ab;
  return mul_size(a, b, &ab) && mul_size(ab, c, out);
}

// Product of the dims; false when a dim is negative or the product overflows uint64_t.
inline bool checked_numel(const Shape& s, uint64_t* out) {
  uint64_t n = 1;
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] < 0 || !mul_size(n, static_cast<uint64_t>(s[i]), &n)) return false;
  }
  *out = n;
  return true;
}

// numel(s) * elem_bytes, checked.
inline bool checked_bytes(const Shape& s, uint64_t elem_bytes, uint64_t* out) {
  uint64_t n;
  return checked_numel(s, &n) && mul_size(n, elem_bytes, out);
}

// True when `bytes` can be a size_t on this target (always natively; under 4 GiB on wasm32).
// `address_bits` lets tests ask the wasm32 question on a 64-bit build.
inline bool fits_in_size_t(uint64_t bytes, int address_bits = static_cast<int>(sizeof(size_t) * 8)) {
  return address_bits >= 64 || bytes < (uint64_t(1) << address_bits);
}

// Rounds up to a multiple of `align` (a power of two); false on overflow.
inline bool align_size(uint64_t n, uint64_t align, uint64_t* out) {
  uint64_t r;
  if (!add_size(n, align - 1, &r)) return false;
  *out = r & ~(align - 1);
  return true;
}

}  // namespace perch
