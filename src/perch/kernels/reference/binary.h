// Elementwise binary ops with numpy broadcasting: Add, Sub, Mul, Div, Pow on f32 or i32, and the
// comparisons Equal, Less, Greater (f32 or i32 in, u8 0/1 out).
#pragma once
#include <cstdint>

#include "perch/core/dtype.h"
#include "perch/core/shape.h"

namespace perch::reference {

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kPow };
enum class CompareOp { kEqual, kLess, kGreater };

// y (shape ys, the broadcast of as and bs) = a op b.
void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys);
// Pow on f32 (std::pow per element).
void pow_f32(const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys);
// i32: wrapping add/sub/mul; division truncates toward zero, x / 0 is 0 (never a trap); Pow
// exact, saturated to the i32 range.
void binary_i32(BinaryOp op, const int32_t* a, const Shape& as, const int32_t* b, const Shape& bs, int32_t* y,
                const Shape& ys);
// y = (a op b) ? 1 : 0 with a and b of `dtype` (f32 or i32).
void compare(CompareOp op, DType dtype, const void* a, const Shape& as, const void* b, const Shape& bs, uint8_t* y,
             const Shape& ys);

}  // namespace perch::reference
