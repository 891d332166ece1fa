// Where (select with numpy broadcasting) and Expand (broadcast copy), any dtype.
#pragma once
#include <cstddef>
#include <cstdint>

#include "perch/core/shape.h"

namespace perch::reference {

// y[i] = cond[i] ? a[i] : b[i], every operand broadcast to ys; elements of `size` bytes.
// With cond == nullptr, y = a broadcast to ys (Expand; b unused).
void where(const uint8_t* cond, const Shape& cs, const void* a, const Shape& as, const void* b, const Shape& bs,
           void* y, const Shape& ys, size_t size);

}  // namespace perch::reference
