// Slice: y[idx] = x[starts + idx * steps] per dim (starts/steps already clamped by the op).
#pragma once
#include <cstddef>
#include <cstdint>

#include "perch/core/shape.h"

namespace perch::reference {

void slice(const void* x, const Shape& xs, const int64_t* starts, const int64_t* steps, const Shape& ys,
           size_t elem_size, void* y);

}  // namespace perch::reference
