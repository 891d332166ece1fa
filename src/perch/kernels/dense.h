// Dense layers: y[M, N] = act(x[M, K] · Wᵀ + bias), W given as [N, K] (f32, or int8 with a
// per-row scale). Weights are packed once at load into the layout the target's fast kernel wants
// (wasmsimd: panels for an MR×NR register tile; native: an XNNPACK fully-connected operator);
// the reference backend keeps them as they are. Which kernel packs them is the kernel table's
// dense_f32 / dense_i8 entry (kernel_table.h). FullyConnected and MatMul (with a weight B) run
// through here.
#pragma once
#include <cstdint>
#include <memory>

#include "perch/core/status.h"
#include "perch/graph/op.h"
#include "perch/kernels/unary_op.h"

namespace perch {

class PackedDense {
 public:
  virtual ~PackedDense() = default;
  virtual int n() const = 0;
  virtual int k() const = 0;
  // x: [m, k] row-major, y: [m, n]; bias may be null. Must not allocate.
  virtual void run(const float* x, int m, float* y, ThreadPool* pool) const = 0;
  // The kernel table entry that packed it ("xnnpack.dense_f32"), set by pack_dense_*.
  const char* kernel_name() const { return kernel_name_; }

 private:
  friend struct DenseNaming;  // dense.cc
  const char* kernel_name_ = "";
};

// act: UnaryOp::kNone, kRelu, kGelu, kGeluTanh or kSilu (others are an error).
// W: [n, k] f32. bias: [n] or null. Both are copied/packed; the caller's memory may go away.
Result<std::unique_ptr<PackedDense>> pack_dense_f32(const float* w, int n, int k, const float* bias, UnaryOp act,
                                                    Backend backend);
// W: [n, k] int8, scale: [n], W_real = W * scale[row].
Result<std::unique_ptr<PackedDense>> pack_dense_i8(const int8_t* w, const float* scale, int n, int k, const float* bias,
                                                   UnaryOp act, Backend backend);

}  // namespace perch
