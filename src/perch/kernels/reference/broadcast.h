// numpy broadcasting of shapes, shared by the elementwise binary ops and MatMul's batch dims.
#pragma once
#include <cstdint>

#include "perch/core/shape.h"

namespace perch::reference {

// Output shape of broadcasting a with b (dims aligned from the right; each pair equal or one of
// them 1). False when they are incompatible.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out);
// Element strides of x viewed at out's rank (x right-aligned), 0 along dims x broadcasts.
// strides has room for out.rank() entries.
void broadcast_strides(const Shape& x, const Shape& out, int64_t* strides);

}  // namespace perch::reference
