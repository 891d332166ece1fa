// Softmax and LogSoftmax along one axis, f32, computed as exp(x - max) / sum (no overflow for
// large inputs); LogSoftmax as x - max - log(sum), exact where log(softmax) would underflow.
#pragma once
#include <cstdint>

namespace perch::reference {

// x and y viewed as [outer, n, inner]; softmax over the middle axis. y may equal x.
void softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
// Softmax of each of `rows` contiguous rows of n (the last axis): the fast kernels' signature.
// x and y viewed as [outer, n, inner]; log-softmax over the middle axis. y may equal x.
void log_softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
void softmax_rows(const float* x, float* y, int64_t rows, int64_t n);

}  // namespace perch::reference
