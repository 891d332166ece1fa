// The kernel table: every kernel an op picks by target, with its name. Two tables: the reference
// one (the scalar oracle, kernels/reference/) and the fast one, the target's best kernel for each
// entry — wasmsimd/ row and dense kernels in wasm, XNNPACK dense layers natively, and the
// reference entry where the target has nothing faster (the fast table says so by its names).
// Ops take their entry at load (kernel_table(args.backend)) and report its name
// (Kernel::kernel_name(), printed per node by `perch inspect` and per case by the op tests).
// Names are "<folder>.<function>": "wasmsimd.softmax_rows", "reference.layer_norm_rows",
// "xnnpack.dense_f32".
#pragma once
#include <cstdint>
#include <memory>

#include "perch/core/status.h"
#include "perch/graph/op.h"
#include "perch/kernels/unary_op.h"

namespace perch {

class PackedDense;

// The signatures, one each: kernels/reference/ documents what each computes, and every
// backend's version has exactly this type (wasmsimd/row_kernels.h declares its functions by it).
namespace kernel_fn {
// x, y: [rows, n]; softmax of each row. y may equal x.
using SoftmaxRows = void(const float* x, float* y, int64_t rows, int64_t n);
// x, y viewed as [outer, n, inner]; (log-)softmax over the middle axis. y may equal x.
using SoftmaxStrided = void(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
// x, y: [rows, d]; gamma [d]; beta [d] or null. y may equal x.
using LayerNormRows = void(const float* x, const float* gamma, const float* beta, float epsilon, float* y, int64_t rows,
                           int64_t d);
// x, y: [rows, d]; gamma [d]. y may equal x.
using RmsNormRows = void(const float* x, const float* gamma, float epsilon, float* y, int64_t rows, int64_t d);
// y[i] = op(x[i]); y may equal x.
using Unary = void(UnaryOp op, const float* x, float* y, int64_t n);
// y[i] = min(max(x[i], lo), hi); y may equal x.
using Clip = void(const float* x, float* y, int64_t n, float lo, float hi);
// Bags [bag_begin, bag_end) of `bags` into y [bags, d] (kernels/reference/embedding_bag.h).
using EmbeddingBagF32 = void(const float* weight, int64_t d, const int32_t* ids, int64_t n, const int32_t* offsets,
                             int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end);
using EmbeddingBagI8 = void(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids, int64_t n,
                            const int32_t* offsets, int64_t bags, bool mean, float* y, int64_t bag_begin,
                            int64_t bag_end);
// Dense layers: pack W [n, k] (and bias [n] or null) for the backend; arguments are validated by
// pack_dense_f32 / pack_dense_i8 (dense.h), the only callers.
using DenseF32 = Result<std::unique_ptr<PackedDense>>(const float* w, int n, int k, const float* bias, UnaryOp act);
using DenseI8 = Result<std::unique_ptr<PackedDense>>(const int8_t* w, const float* scale, int n, int k,
                                                     const float* bias, UnaryOp act);
}  // namespace kernel_fn

template <typename Fn>
struct NamedKernel {
  const char* name;
  Fn* fn;
};

struct KernelTable {
  NamedKernel<kernel_fn::SoftmaxRows> softmax_rows;
  NamedKernel<kernel_fn::SoftmaxStrided> softmax;  // Softmax over an axis other than the last
  NamedKernel<kernel_fn::SoftmaxStrided> log_softmax;
  NamedKernel<kernel_fn::LayerNormRows> layer_norm_rows;
  NamedKernel<kernel_fn::RmsNormRows> rms_norm_rows;
  NamedKernel<kernel_fn::Unary> unary;
  NamedKernel<kernel_fn::Clip> clip;
  NamedKernel<kernel_fn::EmbeddingBagF32> embedding_bag_f32;
  NamedKernel<kernel_fn::EmbeddingBagI8> embedding_bag_i8;
  NamedKernel<kernel_fn::DenseF32> dense_f32;
  NamedKernel<kernel_fn::DenseI8> dense_i8;
};

// kReference: the reference table; kFast: this target's table. Every entry is set.
const KernelTable& kernel_table(Backend backend);

// The name a kernel built outside the table reports: the op's own loop in kernels/reference/.
inline constexpr const char* kReferenceKernel = "reference";

}  // namespace perch
