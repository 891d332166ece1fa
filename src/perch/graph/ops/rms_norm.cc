// RMSNorm over the last axis: x [..., D], gamma [D]; rows split across threads.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/fast_kernels.h"
#include "perch/kernels/reference/rms_norm.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

using RowsFn = void (*)(const float*, const float*, float, float*, int64_t, int64_t);

class RmsNormKernel : public OpKernel {
 public:
  RmsNormKernel(float epsilon, RowsFn fn, bool parallel)
      : OpKernel("RMSNorm"), epsilon_(epsilon), fn_(fn), parallel_(parallel) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    for (int i = 0; i < 2; ++i)
      if (in[i].dtype != DType::kF32) return dtype_error(i, "f32", in[i].dtype);
    const Shape& x = in[0].shape;
    if (x.rank() < 1) return shape_error("x must have rank >= 1, got a scalar");
    if (in[1].shape.rank() != 1 || in[1].shape[0] != x.dim(-1))
      return shape_error("gamma must be [" + std::to_string(x.dim(-1)) + "], got " +
                         in[1].shape.to_string());
    out[0].dtype = DType::kF32;
    out[0].shape = x;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const int64_t d = in[0].shape.dim(-1);
    if (d == 0) return Status::ok();
    const int64_t rows = in[0].shape.numel() / d;
    const float* x = in[0].as<float>();
    const float* gamma = in[1].as<float>();
    float* y = out[0].as<float>();
    if (parallel_ && ctx.pool != nullptr) {
      ctx.pool->parallel_for(static_cast<size_t>(rows), static_cast<size_t>(4096 / d + 1),
                             [&](size_t b, size_t e) {
                               fn_(x + b * d, gamma, epsilon_, y + b * d,
                                   static_cast<int64_t>(e - b), d);
                             });
    } else {
      fn_(x, gamma, epsilon_, y, rows, d);
    }
    return Status::ok();
  }

 private:
  float epsilon_;
  RowsFn fn_;
  bool parallel_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_rms_norm(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("RMSNorm", args, 2, 2, 1));
  Attrs attrs("RMSNorm", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"epsilon"}));
  float epsilon;
  PERCH_RETURN_IF_ERROR(attrs.get_float("epsilon", 1e-6f, &epsilon));
  if (!(epsilon >= 0.0f)) return attrs.error("attr 'epsilon' must be >= 0");
  const bool fast = args.backend == Backend::kFast;
  return std::unique_ptr<Kernel>(new RmsNormKernel(
      epsilon, pick_kernel<RowsFn>(fast, fast_kernels().rms_norm_rows, reference::rms_norm_rows),
      fast));
}

}  // namespace perch::ops
