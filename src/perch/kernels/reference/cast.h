// Cast between perch's dtypes and ArgMax; small loops the ONNX importer needs.
#pragma once
#include <cstdint>

#include "perch/core/dtype.h"

namespace perch::reference {

// y[i] = x[i] converted: floats to integers truncate toward zero and saturate (NaN gives 0), to
// u8/i8 as well; f16 rounds to nearest even.
void cast(const void* x, DType from, void* y, DType to, int64_t n);
// x viewed as [outer, n, inner]: y[o, i] = the index of the max over the middle axis (the first
// or, with last, the last of equal maxima; NaN counts as the max). n >= 1.
void argmax(const float* x, int64_t outer, int64_t n, int64_t inner, bool last, int32_t* y);

}  // namespace perch::reference
