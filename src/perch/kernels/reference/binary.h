// Elementwise binary ops with numpy broadcasting (Add, Sub, Mul, Div), f32.
#pragma once
#include "perch/core/shape.h"

namespace perch::reference {

enum class BinaryOp { kAdd, kSub, kMul, kDiv };

// y (shape ys, the broadcast of as and bs) = a op b.
void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs,
            float* y, const Shape& ys);

}  // namespace perch::reference
