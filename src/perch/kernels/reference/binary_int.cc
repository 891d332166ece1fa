// i32 arithmetic, Pow and the comparisons: rare in served models (ids arithmetic, masks), so
// compiled for size in wasm (wasm/wasm.cmake) while binary.cc's f32 arithmetic stays fast.
#include <climits>
#include <cmath>

#include "perch/kernels/reference/binary.h"
#include "perch/kernels/reference/binary_loop.h"

namespace perch::reference {

void pow_f32(const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys) {
  binary_loop([](float p, float q) { return std::pow(p, q); }, a, as, b, bs, y, ys);
}

namespace {
int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }
int32_t div_i32(int32_t p, int32_t q) {
  if (q == 0) return 0;
  if (p == INT32_MIN && q == -1) return INT32_MIN;
  return p / q;
}
// Exact integer power, saturated to the i32 range. A negative exponent truncates (1 or -1 for
// bases 1 and -1, else 0); |p| >= 2 with q >= 32 always saturates.
int32_t pow_i32(int32_t p, int32_t q) {
  const int32_t sign = (p < 0 && (q & 1)) ? -1 : 1;
  if (p == 0) return q == 0 ? 1 : 0;
  if (p == 1 || p == -1) return sign;
  if (q < 0) return 0;
  if (q >= 32) return sign < 0 ? INT32_MIN : INT32_MAX;
  int64_t r = 1;
  for (int32_t i = 0; i < q; ++i) {
    r *= p;
    if (r > INT32_MAX) return INT32_MAX;
    if (r < INT32_MIN) return INT32_MIN;
  }
  return static_cast<int32_t>(r);
}
}  // namespace

void binary_i32(BinaryOp op, const int32_t* a, const Shape& as, const int32_t* b, const Shape& bs, int32_t* y,
                const Shape& ys) {
  // One loop for every op (a switch per element): these are small id tensors, and each extra
  // instantiation would cost wasm bytes.
  binary_loop(
      [op](int32_t p, int32_t q) {
        switch (op) {
          case BinaryOp::kAdd:
            return wrap(int64_t{p} + q);
          case BinaryOp::kSub:
            return wrap(int64_t{p} - q);
          case BinaryOp::kMul:
            return wrap(int64_t{p} * q);
          case BinaryOp::kDiv:
            return div_i32(p, q);
          case BinaryOp::kPow:
            return pow_i32(p, q);
        }
        return 0;
      },
      a, as, b, bs, y, ys);
}

namespace {
template <typename T>
void compare_typed(CompareOp op, const T* a, const Shape& as, const T* b, const Shape& bs, uint8_t* y,
                   const Shape& ys) {
  binary_loop(
      [op](T p, T q) {
        return static_cast<uint8_t>(op == CompareOp::kEqual ? p == q : op == CompareOp::kLess ? p < q : p > q);
      },
      a, as, b, bs, y, ys);
}
}  // namespace

void compare(CompareOp op, DType dtype, const void* a, const Shape& as, const void* b, const Shape& bs, uint8_t* y,
             const Shape& ys) {
  if (dtype == DType::kI32)
    compare_typed(op, static_cast<const int32_t*>(a), as, static_cast<const int32_t*>(b), bs, y, ys);
  else
    compare_typed(op, static_cast<const float*>(a), as, static_cast<const float*>(b), bs, y, ys);
}

}  // namespace perch::reference
