// Softmax and LogSoftmax along one axis, f32, computed as exp(x - max) / sum (no overflow for
// large inputs); LogSoftmax as x - max - log(sum), exact where log(softmax) would underflow.
#pragma once
#include <cstdint>

namespace perch::reference {

// x and y viewed as [outer, n, inner]; softmax over the middle axis. y may equal x.
void softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
// Softmax of each of `rows` contiguous rows of n (the last axis): the fast kernels' signature.
void softmax_rows(const float* x, float* y, int64_t rows, int64_t n);
// x and y viewed as [outer, n, inner]; log-softmax over the middle axis. y may equal x.
void log_softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);

// The walk both share: row(xr, yr, max) for each of the outer·inner rows of n values (element j
// of a row at j·inner), max being the row's largest value. Always inlined: log_softmax.cc is
// compiled for size in wasm, where a call per row would cost more than the loop.
template <typename Row>
[[gnu::always_inline]] inline void for_each_row_with_max(const float* x, float* y, int64_t outer, int64_t n,
                                                         int64_t inner, Row row) {
  if (n == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xr = x + o * n * inner + i;
      float max = xr[0];
      for (int64_t j = 1; j < n; ++j) max = xr[j * inner] > max ? xr[j * inner] : max;
      row(xr, y + o * n * inner + i, max);
    }
  }
}

}  // namespace perch::reference
