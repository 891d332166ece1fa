#include "perch/kernels/reference/binary.h"

#include "perch/kernels/reference/binary_loop.h"

namespace perch::reference {

void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys) {
  switch (op) {
    case BinaryOp::kAdd:
      return binary_loop([](float p, float q) { return p + q; }, a, as, b, bs, y, ys);
    case BinaryOp::kSub:
      return binary_loop([](float p, float q) { return p - q; }, a, as, b, bs, y, ys);
    case BinaryOp::kMul:
      return binary_loop([](float p, float q) { return p * q; }, a, as, b, bs, y, ys);
    case BinaryOp::kDiv:
      return binary_loop([](float p, float q) { return p / q; }, a, as, b, bs, y, ys);
    case BinaryOp::kPow:
      return pow_f32(a, as, b, bs, y, ys);
  }
}

}  // namespace perch::reference
