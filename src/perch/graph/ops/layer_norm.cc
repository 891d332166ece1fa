// LayerNorm over the last axis: x [..., D], gamma [D], beta [D] (optional); rows split across
// threads.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/fast_kernels.h"
#include "perch/kernels/reference/layer_norm.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

using RowsFn = void (*)(const float*, const float*, const float*, float, float*, int64_t, int64_t);

class LayerNormKernel : public OpKernel {
 public:
  LayerNormKernel(float epsilon, bool has_beta, RowsFn fn, bool parallel)
      : OpKernel("LayerNorm"), epsilon_(epsilon), has_beta_(has_beta), fn_(fn), parallel_(parallel) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const int params = has_beta_ ? 3 : 2;
    for (int i = 0; i < params; ++i)
      if (in[i].dtype != DType::kF32) return dtype_error(i, "f32", in[i].dtype);
    const Shape& x = in[0].shape;
    if (x.rank() < 1) return shape_error("x must have rank >= 1, got a scalar");
    const int64_t d = x.dim(-1);
    for (int i = 1; i < params; ++i)
      if (in[i].shape.rank() != 1 || in[i].shape[0] != d)
        return shape_error(std::string(i == 1 ? "gamma" : "beta") + " must be [" +
                           std::to_string(d) + "], got " + in[i].shape.to_string());
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
    const float* beta = has_beta_ ? in[2].as<float>() : nullptr;
    float* y = out[0].as<float>();
    if (parallel_ && ctx.pool != nullptr) {
      ctx.pool->parallel_for(static_cast<size_t>(rows), static_cast<size_t>(4096 / d + 1),
                             [&](size_t b, size_t e) {
                               fn_(x + b * d, gamma, beta, epsilon_, y + b * d,
                                   static_cast<int64_t>(e - b), d);
                             });
    } else {
      fn_(x, gamma, beta, epsilon_, y, rows, d);
    }
    return Status::ok();
  }

 private:
  float epsilon_;
  bool has_beta_;
  RowsFn fn_;
  bool parallel_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_layer_norm(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("LayerNorm", args, 2, 3, 1));
  Attrs attrs("LayerNorm", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"epsilon"}));
  float epsilon;
  PERCH_RETURN_IF_ERROR(attrs.get_float("epsilon", 1e-5f, &epsilon));
  if (!(epsilon >= 0.0f)) return attrs.error("attr 'epsilon' must be >= 0");
  const bool fast = args.backend == Backend::kFast;
  return std::unique_ptr<Kernel>(new LayerNormKernel(
      epsilon, input_present(args, 2),
      pick_kernel<RowsFn>(fast, fast_kernels().layer_norm_rows, reference::layer_norm_rows), fast));
}

}  // namespace perch::ops
