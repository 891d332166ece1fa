// Elementwise f32 ops, split across threads for large tensors: the activations Relu, Gelu, Silu,
// Tanh, Sigmoid; the math functions Sqrt, Reciprocal, Neg, Abs, Exp, Log, Erf; and Clip.
#include <limits>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

// Clip's bounds (the kernel calls the table's clip instead of its unary).
struct ClipBounds {
  float lo, hi;
};

class UnaryKernel : public OpKernel {
 public:
  // Runs table.unary with op, or table.clip when clip is given.
  UnaryKernel(const char* name, UnaryOp op, const KernelTable& table, bool parallel, const ClipBounds* clip = nullptr)
      : OpKernel(name, clip ? table.clip.name : table.unary.name),
        op_(op),
        fn_(table.unary.fn),
        clip_fn_(table.clip.fn),
        parallel_(parallel),
        clip_(clip != nullptr) {
    if (clip != nullptr) bounds_ = *clip;
  }

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    if (in[0].dtype != DType::kF32) return dtype_error(0, "f32", in[0].dtype);
    out[0].dtype = DType::kF32;
    out[0].shape = in[0].shape;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const float* x = in[0].as<float>();
    float* y = out[0].as<float>();
    const size_t n = static_cast<size_t>(in[0].shape.numel());
    auto apply = [&](size_t b, size_t e) {
      if (clip_)
        clip_fn_(x + b, y + b, static_cast<int64_t>(e - b), bounds_.lo, bounds_.hi);
      else
        fn_(op_, x + b, y + b, static_cast<int64_t>(e - b));
    };
    if (parallel_ && ctx.pool != nullptr)
      ctx.pool->parallel_for(n, 16384, apply);
    else
      apply(0, n);
    return Status::ok();
  }

 private:
  UnaryOp op_;
  kernel_fn::Unary* fn_;
  kernel_fn::Clip* clip_fn_;
  bool parallel_;
  bool clip_;
  ClipBounds bounds_{};
};

PERCH_LOAD_TIME KernelResult make_unary(const char* name, UnaryOp op, const OpBuildArgs& args) {
  return std::unique_ptr<Kernel>(new UnaryKernel(name, op, kernel_table(args.backend), args.backend == Backend::kFast));
}

PERCH_LOAD_TIME KernelResult make_plain(const char* name, UnaryOp op, const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity(name, args, 1, 1, 1));
  PERCH_RETURN_IF_ERROR(Attrs(name, args.attrs).check_known({}));
  return make_unary(name, op, args);
}

}  // namespace

PERCH_LOAD_TIME KernelResult make_relu(const OpBuildArgs& a) { return make_plain("Relu", UnaryOp::kRelu, a); }
PERCH_LOAD_TIME KernelResult make_silu(const OpBuildArgs& a) { return make_plain("Silu", UnaryOp::kSilu, a); }
PERCH_LOAD_TIME KernelResult make_tanh(const OpBuildArgs& a) { return make_plain("Tanh", UnaryOp::kTanh, a); }
PERCH_LOAD_TIME KernelResult make_sigmoid(const OpBuildArgs& a) { return make_plain("Sigmoid", UnaryOp::kSigmoid, a); }

PERCH_LOAD_TIME KernelResult make_sqrt(const OpBuildArgs& a) { return make_plain("Sqrt", UnaryOp::kSqrt, a); }
PERCH_LOAD_TIME KernelResult make_reciprocal(const OpBuildArgs& a) {
  return make_plain("Reciprocal", UnaryOp::kReciprocal, a);
}
PERCH_LOAD_TIME KernelResult make_neg(const OpBuildArgs& a) { return make_plain("Neg", UnaryOp::kNeg, a); }
PERCH_LOAD_TIME KernelResult make_abs(const OpBuildArgs& a) { return make_plain("Abs", UnaryOp::kAbs, a); }
PERCH_LOAD_TIME KernelResult make_exp(const OpBuildArgs& a) { return make_plain("Exp", UnaryOp::kExp, a); }
PERCH_LOAD_TIME KernelResult make_log(const OpBuildArgs& a) { return make_plain("Log", UnaryOp::kLog, a); }
PERCH_LOAD_TIME KernelResult make_erf(const OpBuildArgs& a) { return make_plain("Erf", UnaryOp::kErf, a); }

PERCH_LOAD_TIME KernelResult make_clip(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Clip", args, 1, 1, 1));
  Attrs attrs("Clip", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"min", "max"}));
  ClipBounds b;
  PERCH_RETURN_IF_ERROR(attrs.get_float("min", -std::numeric_limits<float>::infinity(), &b.lo));
  PERCH_RETURN_IF_ERROR(attrs.get_float("max", std::numeric_limits<float>::infinity(), &b.hi));
  return std::unique_ptr<Kernel>(
      new UnaryKernel("Clip", UnaryOp::kNone, kernel_table(args.backend), args.backend == Backend::kFast, &b));
}

PERCH_LOAD_TIME KernelResult make_gelu(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Gelu", args, 1, 1, 1));
  Attrs attrs("Gelu", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"approximate"}));
  std::string approximate;
  PERCH_RETURN_IF_ERROR(attrs.get_string("approximate", "none", &approximate));
  if (approximate != "none" && approximate != "tanh")
    return attrs.error("attr 'approximate' = '" + approximate + "' must be 'none' or 'tanh'");
  return make_unary("Gelu", approximate == "tanh" ? UnaryOp::kGeluTanh : UnaryOp::kGelu, args);
}

}  // namespace perch::ops
