// The target's fast versions of the row kernels that ops call besides the dense layers. Each entry
// has exactly the signature of the reference function of the same name (kernels/reference/); an
// op built with Backend::kFast uses the entry when it is non-null and the reference otherwise,
// choosing once at load. Fill entries in fast_kernels.cc (wasmsimd/ functions in wasm builds).
#pragma once
#include <cstdint>

#include "perch/kernels/reference/unary.h"

namespace perch {

struct FastKernels {
  // kernels/reference/softmax.h
  void (*softmax_rows)(const float* x, float* y, int64_t rows, int64_t n) = nullptr;
  // kernels/reference/layer_norm.h
  void (*layer_norm_rows)(const float* x, const float* gamma, const float* beta, float epsilon,
                          float* y, int64_t rows, int64_t d) = nullptr;
  // kernels/reference/rms_norm.h
  void (*rms_norm_rows)(const float* x, const float* gamma, float epsilon, float* y, int64_t rows,
                        int64_t d) = nullptr;
  // kernels/reference/unary.h
  void (*unary)(reference::UnaryOp op, const float* x, float* y, int64_t n) = nullptr;
  // kernels/reference/embedding_bag.h
  void (*embedding_bag_f32)(const float* weight, int64_t d, const int32_t* ids, int64_t n,
                            const int32_t* offsets, int64_t bags, bool mean, float* y,
                            int64_t bag_begin, int64_t bag_end) = nullptr;
  void (*embedding_bag_i8)(const int8_t* weight, const float* scale, int64_t d,
                           const int32_t* ids, int64_t n, const int32_t* offsets, int64_t bags,
                           bool mean, float* y, int64_t bag_begin, int64_t bag_end) = nullptr;
};

const FastKernels& fast_kernels();

// `fast` when the backend is kFast and it exists, else `reference`.
template <typename Fn>
Fn pick_kernel(bool use_fast, Fn fast, Fn reference) {
  return use_fast && fast != nullptr ? fast : reference;
}

}  // namespace perch
