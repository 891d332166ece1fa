#include "perch/kernels/reference/concat.h"

#include <cstring>

namespace perch::reference {

void concat(const void* const* xs, const int64_t* axis_sizes, int n, int64_t outer, int64_t inner, size_t elem_size,
            void* y) {
  auto* dst = static_cast<unsigned char*>(y);
  for (int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < n; ++i) {
      const size_t chunk = static_cast<size_t>(axis_sizes[i] * inner) * elem_size;
      if (chunk == 0) continue;
      std::memcpy(dst, static_cast<const unsigned char*>(xs[i]) + static_cast<size_t>(o) * chunk, chunk);
      dst += chunk;
    }
  }
}

}  // namespace perch::reference
