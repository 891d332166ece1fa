#include "perch/format/json_number.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace perch {
namespace {

// ---- a small unsigned big integer: only what exact decimal <-> binary needs ----
class BigInt {
 public:
  explicit BigInt(uint64_t v = 0) {
    if (v) limbs_.push_back(static_cast<uint32_t>(v));
    if (v >> 32) limbs_.push_back(static_cast<uint32_t>(v >> 32));
  }

  // *this = *this * m + add
  void mul_add(uint32_t m, uint32_t add) {
    uint64_t carry = add;
    for (uint32_t& l : limbs_) {
      const uint64_t t = uint64_t{l} * m + carry;
      l = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry) limbs_.push_back(static_cast<uint32_t>(carry));
  }

  void mul_pow5(int n) {
    for (; n >= 13; n -= 13) mul_add(1220703125u, 0);  // 5^13, the largest power below 2^32
    uint32_t m = 1;
    for (; n > 0; --n) m *= 5;
    mul_add(m, 0);
  }

  void mul(const BigInt& o) {
    std::vector<uint32_t> r(limbs_.size() + o.limbs_.size(), 0);
    for (size_t i = 0; i < limbs_.size(); ++i) {
      uint64_t carry = 0;
      for (size_t j = 0; j < o.limbs_.size(); ++j) {
        const uint64_t t = uint64_t{limbs_[i]} * o.limbs_[j] + r[i + j] + carry;
        r[i + j] = static_cast<uint32_t>(t);
        carry = t >> 32;
      }
      r[i + o.limbs_.size()] = static_cast<uint32_t>(carry);
    }
    limbs_ = std::move(r);
    trim();
  }

  void shift_left(int64_t bits) {
    if (limbs_.empty() || bits <= 0) return;
    const size_t words = static_cast<size_t>(bits / 32);
    const int rest = static_cast<int>(bits % 32);
    if (rest) {
      uint32_t carry = 0;
      for (uint32_t& l : limbs_) {
        const uint32_t next = l >> (32 - rest);
        l = (l << rest) | carry;
        carry = next;
      }
      if (carry) limbs_.push_back(carry);
    }
    limbs_.insert(limbs_.begin(), words, 0u);
  }

  // *this /= d; returns the remainder.
  uint32_t div_small(uint32_t d) {
    uint64_t rem = 0;
    for (size_t i = limbs_.size(); i-- > 0;) {
      const uint64_t cur = (rem << 32) | limbs_[i];
      limbs_[i] = static_cast<uint32_t>(cur / d);
      rem = cur % d;
    }
    trim();
    return static_cast<uint32_t>(rem);
  }

  bool is_zero() const { return limbs_.empty(); }

  static int compare(const BigInt& a, const BigInt& b) {
    if (a.limbs_.size() != b.limbs_.size()) return a.limbs_.size() < b.limbs_.size() ? -1 : 1;
    for (size_t i = a.limbs_.size(); i-- > 0;)
      if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] < b.limbs_[i] ? -1 : 1;
    return 0;
  }

 private:
  void trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }
  std::vector<uint32_t> limbs_;  // little-endian base 2^32, no leading zero limb
};

// ---- doubles as bits: x = m * 2^k ----
uint64_t bits_of(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
double from_bits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}
constexpr uint64_t kHidden = uint64_t{1} << 52;
constexpr uint64_t kMaxFiniteBits = 0x7FEFFFFFFFFFFFFFull;

struct Binary {
  uint64_t m;
  int k;
  int biased_exponent;
};
Binary decompose(uint64_t bits) {
  const int e = static_cast<int>((bits >> 52) & 0x7FF);
  const uint64_t frac = bits & (kHidden - 1);
  if (e == 0) return {frac, -1074, 0};
  return {frac | kHidden, e - 1075, e};
}

// 1e0 .. 1e22: every one is exactly a double.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Most significant digits kept: any double is decided by its first 768 digits; a nonzero digit
// dropped beyond them is remembered as one more '1' digit (enough to break a tie).
constexpr size_t kMaxDigits = 780;

// The exact value D x 10^e (D: decimal digits, no leading zero) against the binary T x 2^p.
class ExactDecimal {
 public:
  ExactDecimal(std::string_view digits, int64_t exp10) : exp10_(static_cast<int>(exp10)), left_(0) {
    for (char c : digits) left_.mul_add(10, static_cast<uint32_t>(c - '0'));
    if (exp10_ > 0) left_.mul_pow5(exp10_);
    if (exp10_ < 0) {
      right_scale_ = BigInt(1);
      right_scale_.mul_pow5(-exp10_);
    }
  }

  int compare(uint64_t t, int p) const {
    BigInt left = left_;
    BigInt right(t);
    if (exp10_ < 0) right.mul(right_scale_);
    const int64_t q = int64_t{p} - exp10_;  // D 5^max(e,0) vs T 5^max(-e,0) 2^(p-e)
    if (q >= 0)
      right.shift_left(q);
    else
      left.shift_left(-q);
    return BigInt::compare(left, right);
  }

 private:
  int exp10_;
  BigInt left_;
  BigInt right_scale_;
};

// A double within a few ulps of D x 10^e (D's first 19 digits as an integer, scaled in steps).
double approximate(std::string_view digits, int64_t exp10) {
  uint64_t w = 0;
  const size_t used = digits.size() < 19 ? digits.size() : 19;
  for (size_t i = 0; i < used; ++i) w = w * 10 + static_cast<uint64_t>(digits[i] - '0');
  int64_t e = exp10 + static_cast<int64_t>(digits.size() - used);
  double x = static_cast<double>(w);
  for (; e >= 22; e -= 22) x *= 1e22;
  for (; e <= -22; e += 22) x /= 1e22;
  x = e >= 0 ? x * kPow10[e] : x / kPow10[-e];
  const uint64_t b = bits_of(x);
  if (b > kMaxFiniteBits) return from_bits(kMaxFiniteBits);
  return b == 0 ? from_bits(1) : x;
}

// Nearest double to D x 10^e (ties to even), D non-empty without leading zeros; false on overflow.
bool nearest_double(std::string_view digits, int64_t exp10, double* out) {
  const int64_t magnitude = static_cast<int64_t>(digits.size()) + exp10;  // value < 10^magnitude
  if (magnitude > 310) return false;
  if (magnitude < -330) {
    *out = 0.0;
    return true;
  }
  if (digits.size() <= 15 && exp10 >= -22 && exp10 <= 22) {  // exact operands, one rounding
    uint64_t w = 0;
    for (char c : digits) w = w * 10 + static_cast<uint64_t>(c - '0');
    *out = exp10 >= 0 ? static_cast<double>(w) * kPow10[exp10] : static_cast<double>(w) / kPow10[-exp10];
    return true;
  }
  const ExactDecimal v(digits, exp10);
  uint64_t bits = bits_of(approximate(digits, exp10));
  // Step one ulp at a time towards v until v lies within x's rounding interval; the steps only
  // ever go one way, so this ends.
  for (;;) {
    const Binary x = decompose(bits);
    const int up = v.compare(2 * x.m + 1, x.k - 1);  // the midpoint with the next double up
    if (up > 0 || (up == 0 && (x.m & 1))) {
      if (bits == kMaxFiniteBits) return false;
      ++bits;
      continue;
    }
    if (bits == 0) break;
    const bool narrow = x.m == kHidden && x.biased_exponent > 1;  // the gap below is half as wide
    const int down = narrow ? v.compare(4 * x.m - 1, x.k - 2) : v.compare(2 * x.m - 1, x.k - 1);
    if (down < 0 || (down == 0 && (x.m & 1))) {
      --bits;
      continue;
    }
    break;
  }
  *out = from_bits(bits);
  return true;
}

}  // namespace

bool json_number_to_double(std::string_view s, double* out) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  std::string digits;  // significant digits: no leading zeros, at most kMaxDigits (+1 sticky)
  int64_t exp10 = 0;
  bool dropped_nonzero = false;
  bool in_fraction = false;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    const char c = s[i];
    if (c == '.') {
      in_fraction = true;
      continue;
    }
    if (digits.empty() && c == '0') {
      if (in_fraction) --exp10;
      continue;
    }
    if (digits.size() < kMaxDigits) {
      digits.push_back(c);
      if (in_fraction) --exp10;
    } else {
      dropped_nonzero |= c != '0';
      if (!in_fraction) ++exp10;
    }
  }
  if (dropped_nonzero) {
    digits.push_back('1');
    --exp10;
  }
  if (i < s.size()) {  // exponent: saturate far beyond any double's range
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    int64_t e = 0;
    for (; i < s.size(); ++i) e = e < 100000000 ? e * 10 + (s[i] - '0') : e;
    exp10 += exp_negative ? -e : e;
  }
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  double v = 0.0;
  if (!digits.empty() && !nearest_double(digits, exp10, &v)) return false;
  *out = negative ? -v : v;
  return true;
}

void shortest_decimal_digits(double v, std::string* digits, int* point) {
  // The exact decimal expansion first: v = m 2^k = N 10^scale, N = m 2^k or m 5^-k.
  const Binary x = decompose(bits_of(v));
  BigInt n(x.m);
  int scale = 0;
  if (x.k >= 0) {
    n.shift_left(x.k);
  } else {
    n.mul_pow5(-x.k);
    scale = x.k;
  }
  std::string exact;
  while (!n.is_zero()) {
    uint32_t chunk = n.div_small(1000000000u);
    for (int d = 0; d < 9; ++d, chunk /= 10) exact.push_back(static_cast<char>('0' + chunk % 10));
  }
  while (!exact.empty() && exact.back() == '0') exact.pop_back();  // leading zeros (reversed)
  exact.assign(exact.rbegin(), exact.rend());
  const int exact_point = static_cast<int>(exact.size()) + scale;
  while (!exact.empty() && exact.back() == '0') exact.pop_back();

  // Then the fewest digits whose correctly rounded value reads back as v (17 always do).
  for (size_t p = 1; p < exact.size(); ++p) {
    std::string c = exact.substr(0, p);
    int c_point = exact_point;
    const char next = exact[p];
    const bool more = exact.size() > p + 1;  // exact has no trailing zeros
    if (next > '5' || (next == '5' && (more || ((c.back() - '0') & 1)))) {
      size_t j = p;
      while (j > 0 && c[j - 1] == '9') c[--j] = '0';
      if (j == 0) {
        c.insert(c.begin(), '1');
        ++c_point;
      } else {
        ++c[j - 1];
      }
    }
    while (c.back() == '0') c.pop_back();
    double back = 0.0;
    if (nearest_double(c, int64_t{c_point} - static_cast<int64_t>(c.size()), &back) && back == v) {
      *digits = std::move(c);
      *point = c_point;
      return;
    }
  }
  *digits = std::move(exact);
  *point = exact_point;
}

}  // namespace perch
