// LayerNorm and RMSNorm over the last axis: x [..., D], gamma [D], and for LayerNorm beta [D]
// (optional); rows split across threads. One kernel class: the two differ in their kernel table
// entry (layer_norm_rows, rms_norm_rows), beta and their default epsilon.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

class NormRowsKernel : public OpKernel {
 public:
  // Exactly one of layer_norm / rms_norm is set.
  NormRowsKernel(const char* name, const char* kernel, float epsilon, bool has_beta,
                 kernel_fn::LayerNormRows* layer_norm, kernel_fn::RmsNormRows* rms_norm, bool parallel)
      : OpKernel(name, kernel),
        epsilon_(epsilon),
        has_beta_(has_beta),
        layer_norm_(layer_norm),
        rms_norm_(rms_norm),
        parallel_(parallel) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const int params = has_beta_ ? 3 : 2;
    for (int i = 0; i < params; ++i)
      if (in[i].dtype != DType::kF32) return dtype_error(i, "f32", in[i].dtype);
    const Shape& x = in[0].shape;
    if (x.rank() < 1) return shape_error("x must have rank >= 1, got a scalar");
    const int64_t d = x.dim(-1);
    for (int i = 1; i < params; ++i)
      if (in[i].shape.rank() != 1 || in[i].shape[0] != d)
        return shape_error(std::string(i == 1 ? "gamma" : "beta") + " must be [" + std::to_string(d) + "], got " +
                           in[i].shape.to_string());
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
    auto norm = [&](int64_t r0, int64_t count) {
      if (layer_norm_ != nullptr)
        layer_norm_(x + r0 * d, gamma, beta, epsilon_, y + r0 * d, count, d);
      else
        rms_norm_(x + r0 * d, gamma, epsilon_, y + r0 * d, count, d);
    };
    if (parallel_ && ctx.pool != nullptr) {
      ctx.pool->parallel_for(static_cast<size_t>(rows), static_cast<size_t>(4096 / d + 1),
                             [&](size_t b, size_t e) { norm(static_cast<int64_t>(b), static_cast<int64_t>(e - b)); });
    } else {
      norm(0, rows);
    }
    return Status::ok();
  }

 private:
  float epsilon_;
  bool has_beta_;
  kernel_fn::LayerNormRows* layer_norm_;
  kernel_fn::RmsNormRows* rms_norm_;
  bool parallel_;
};

// LayerNorm (rms false): 2 or 3 inputs; RMSNorm: 2.
PERCH_LOAD_TIME KernelResult make_norm(const char* name, bool rms, float default_epsilon, const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity(name, args, 2, rms ? 2 : 3, 1));
  Attrs attrs(name, args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"epsilon"}));
  float epsilon;
  PERCH_RETURN_IF_ERROR(attrs.get_float("epsilon", default_epsilon, &epsilon));
  if (!(epsilon >= 0.0f)) return attrs.error("attr 'epsilon' must be >= 0");
  const KernelTable& table = kernel_table(args.backend);
  const bool parallel = args.backend == Backend::kFast;
  if (rms)
    return std::unique_ptr<Kernel>(
        new NormRowsKernel(name, table.rms_norm_rows.name, epsilon, false, nullptr, table.rms_norm_rows.fn, parallel));
  return std::unique_ptr<Kernel>(new NormRowsKernel(name, table.layer_norm_rows.name, epsilon, input_present(args, 2),
                                                    table.layer_norm_rows.fn, nullptr, parallel));
}

}  // namespace

PERCH_LOAD_TIME KernelResult make_layer_norm(const OpBuildArgs& a) { return make_norm("LayerNorm", false, 1e-5f, a); }
PERCH_LOAD_TIME KernelResult make_rms_norm(const OpBuildArgs& a) { return make_norm("RMSNorm", true, 1e-6f, a); }

}  // namespace perch::ops
