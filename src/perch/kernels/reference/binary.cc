#include "perch/kernels/reference/binary.h"

#include "perch/kernels/reference/broadcast.h"

#include <climits>
#include <cmath>

namespace perch::reference {
namespace {

template <typename T, typename Y, typename F>
void binary_loop(F f, const T* a, const Shape& as, const T* b, const Shape& bs, Y* y,
                 const Shape& ys) {
  const int rank = ys.rank();
  const int64_t total = ys.numel();
  if (total == 0) return;
  if (rank == 0) {
    y[0] = f(a[0], b[0]);
    return;
  }
  int64_t sa[kMaxRank], sb[kMaxRank], idx[kMaxRank] = {};
  broadcast_strides(as, ys, sa);
  broadcast_strides(bs, ys, sb);
  const int64_t inner = ys[rank - 1];
  const int64_t ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t i = 0; i < inner; ++i) y[o + i] = f(a[oa + i * ia], b[ob + i * ib]);
    // Odometer over the outer dims, keeping a's and b's offsets in step.
    for (int d = rank - 2; d >= 0; --d) {
      ++idx[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < ys[d]) break;
      oa -= sa[d] * idx[d];
      ob -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs,
            float* y, const Shape& ys) {
  switch (op) {
    case BinaryOp::kAdd: return binary_loop([](float p, float q) { return p + q; }, a, as, b, bs, y, ys);
    case BinaryOp::kSub: return binary_loop([](float p, float q) { return p - q; }, a, as, b, bs, y, ys);
    case BinaryOp::kMul: return binary_loop([](float p, float q) { return p * q; }, a, as, b, bs, y, ys);
    case BinaryOp::kDiv: return binary_loop([](float p, float q) { return p / q; }, a, as, b, bs, y, ys);
    case BinaryOp::kPow: return binary_loop([](float p, float q) { return std::pow(p, q); }, a, as, b, bs, y, ys);
  }
}

namespace {
int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }
int32_t div_i32(int32_t p, int32_t q) {
  if (q == 0) return 0;
  if (p == INT32_MIN && q == -1) return INT32_MIN;
  return p / q;
}
int32_t pow_i32(int32_t p, int32_t q) {
  const double v = std::pow(static_cast<double>(p), static_cast<double>(q));
  if (!(v == v)) return 0;
  return v >= 2147483647.0 ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN : static_cast<int32_t>(v);
}
}  // namespace

void binary_i32(BinaryOp op, const int32_t* a, const Shape& as, const int32_t* b, const Shape& bs,
                int32_t* y, const Shape& ys) {
  using I = int32_t;
  switch (op) {
    case BinaryOp::kAdd: return binary_loop([](I p, I q) { return wrap(int64_t{p} + q); }, a, as, b, bs, y, ys);
    case BinaryOp::kSub: return binary_loop([](I p, I q) { return wrap(int64_t{p} - q); }, a, as, b, bs, y, ys);
    case BinaryOp::kMul: return binary_loop([](I p, I q) { return wrap(int64_t{p} * q); }, a, as, b, bs, y, ys);
    case BinaryOp::kDiv: return binary_loop(div_i32, a, as, b, bs, y, ys);
    case BinaryOp::kPow: return binary_loop(pow_i32, a, as, b, bs, y, ys);
  }
}

namespace {
template <typename T>
void compare_typed(CompareOp op, const T* a, const Shape& as, const T* b, const Shape& bs,
                   uint8_t* y, const Shape& ys) {
  using U = uint8_t;
  switch (op) {
    case CompareOp::kEqual: return binary_loop([](T p, T q) { return U(p == q); }, a, as, b, bs, y, ys);
    case CompareOp::kLess: return binary_loop([](T p, T q) { return U(p < q); }, a, as, b, bs, y, ys);
    case CompareOp::kGreater: return binary_loop([](T p, T q) { return U(p > q); }, a, as, b, bs, y, ys);
  }
}
}  // namespace

void compare(CompareOp op, DType dtype, const void* a, const Shape& as, const void* b,
             const Shape& bs, uint8_t* y, const Shape& ys) {
  if (dtype == DType::kI32)
    compare_typed(op, static_cast<const int32_t*>(a), as, static_cast<const int32_t*>(b), bs, y, ys);
  else
    compare_typed(op, static_cast<const float*>(a), as, static_cast<const float*>(b), bs, y, ys);
}

}  // namespace perch::reference
