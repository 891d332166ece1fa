// Gather along axis 0 (embedding lookup). Indices are validated by the op before these run.
#pragma once
#include <cstddef>
#include <cstdint>

namespace perch::reference {

// y[i] = data row idx[i], rows of row_bytes bytes (any dtype).
void gather_rows(const void* data, size_t row_bytes, const int32_t* idx, int64_t n, void* y);
// int8 rows with a per-row scale, dequantized: y[i, :] = data[idx[i], :] * scale[idx[i]].
void gather_rows_i8(const int8_t* data, const float* scale, int64_t d, const int32_t* idx,
                    int64_t n, float* y);

}  // namespace perch::reference
