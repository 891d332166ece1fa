// Concat: n inputs viewed as [outer, axis_sizes[i] * inner] side by side in y. Any dtype.
#pragma once
#include <cstddef>
#include <cstdint>

namespace perch::reference {

void concat(const void* const* xs, const int64_t* axis_sizes, int n, int64_t outer, int64_t inner, size_t elem_size,
            void* y);

}  // namespace perch::reference
