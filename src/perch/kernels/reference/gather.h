// Gather (embedding lookup along axis 0, or along any axis). Indices are validated, and negative
// ones wrapped, by the op before these run.
#pragma once
#include <cstddef>
#include <cstdint>

namespace perch::reference {

// y[i] = data row idx[i], rows of row_bytes bytes (any dtype).
void gather_rows(const void* data, size_t row_bytes, const int32_t* idx, int64_t n, void* y);
// int8 rows with a per-row scale, dequantized: y[i, :] = data[idx[i], :] * scale[idx[i]].
// Along an axis: data viewed as [outer, v, inner] (inner of inner_bytes bytes), y as
// [outer, n, inner]: y[o, i] = data[o, idx[i]].
void gather_axis(const void* data, int64_t outer, int64_t v, size_t inner_bytes, const int32_t* idx, int64_t n,
                 void* y);
void gather_rows_i8(const int8_t* data, const float* scale, int64_t d, const int32_t* idx, int64_t n, float* y);

}  // namespace perch::reference
