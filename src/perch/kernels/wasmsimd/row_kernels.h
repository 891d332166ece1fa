// SIMD128 versions of the row kernels ops call besides the dense layers (wired into
// kernels/fast_kernels.cc in wasm SIMD builds). Same signatures and semantics as the functions of
// the same name in kernels/reference/; tests/cpp/ops_test.cc compares them.
#pragma once
#include <cstdint>

namespace perch::wasmsimd {

void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n,
                       const int32_t* offsets, int64_t bags, bool mean, float* y,
                       int64_t bag_begin, int64_t bag_end);
void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids,
                      int64_t n, const int32_t* offsets, int64_t bags, bool mean, float* y,
                      int64_t bag_begin, int64_t bag_end);
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float epsilon,
                     float* y, int64_t rows, int64_t d);
void rms_norm_rows(const float* x, const float* gamma, float epsilon, float* y, int64_t rows,
                   int64_t d);
// Within ~2 ulp of the reference per exp (a polynomial exp), sums in 4 lanes (softmax.cc).
void softmax_rows(const float* x, float* y, int64_t rows, int64_t n);

}  // namespace perch::wasmsimd
