// FullyConnected: act(x [..., K] · Wᵀ + bias) with W a weight [N, K] (f32, f16, or i8 with
// "<W>.scale" [N]) and bias [N] optional. W is packed once at load for the target's dense kernel.
#include <climits>
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/dense.h"

namespace perch::ops {
namespace {

class FullyConnectedKernel : public OpKernel {
 public:
  explicit FullyConnectedKernel(std::unique_ptr<PackedDense> dense)
      : OpKernel("FullyConnected", dense->kernel_name()), dense_(std::move(dense)) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    if (in[0].dtype != DType::kF32) return dtype_error(0, "f32", in[0].dtype);
    const Shape& x = in[0].shape;
    if (x.rank() < 1 || x.dim(-1) != dense_->k())
      return shape_error("x " + x.to_string() + " must end in K = " + std::to_string(dense_->k()));
    Shape s = x;
    s[s.rank() - 1] = dense_->n();
    out[0].dtype = DType::kF32;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const int64_t rows = in[0].shape.numel() / dense_->k();
    if (rows == 0) return Status::ok();
    if (rows > INT_MAX) return shape_error("too many rows (" + std::to_string(rows) + ")");
    dense_->run(in[0].as<float>(), static_cast<int>(rows), out[0].as<float>(), ctx.pool);
    return Status::ok();
  }

 private:
  std::unique_ptr<PackedDense> dense_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_fully_connected(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("FullyConnected", args, 2, 3, 1));
  Attrs attrs("FullyConnected", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"activation"}));
  std::string act_name;
  PERCH_RETURN_IF_ERROR(attrs.get_string("activation", "none", &act_name));
  UnaryOp act;
  if (act_name == "none")
    act = UnaryOp::kNone;
  else if (act_name == "relu")
    act = UnaryOp::kRelu;
  else if (act_name == "gelu")
    act = UnaryOp::kGelu;
  else if (act_name == "gelu_tanh")
    act = UnaryOp::kGeluTanh;
  else if (act_name == "silu")
    act = UnaryOp::kSilu;
  else
    return attrs.error("attr 'activation' = '" + act_name + "' must be none, relu, gelu, gelu_tanh or silu");

  const std::string w_name = args.input_names ? args.input_names[1] : std::string("W");
  const Tensor* w = args.inputs[1].constant;
  if (w == nullptr) return attrs.error("W '" + w_name + "' must be a weight of the model");
  if (w->shape.rank() != 2 || w->shape[0] <= 0 || w->shape[1] <= 0 || w->shape[0] > INT_MAX || w->shape[1] > INT_MAX)
    return attrs.error("W '" + w_name + "' must be [N, K] with positive dims, got " + w->shape.to_string());
  const int n = static_cast<int>(w->shape[0]), k = static_cast<int>(w->shape[1]);

  const float* bias = nullptr;
  if (input_present(args, 2)) {
    const Tensor* b = args.inputs[2].constant;
    if (b == nullptr || b->dtype != DType::kF32 || b->shape.rank() != 1 || b->shape[0] != n)
      return attrs.error("bias must be an f32 weight [" + std::to_string(n) + "]");
    bias = b->as<float>();
  }

  std::unique_ptr<PackedDense> dense;
  if (w->dtype == DType::kF32) {
    PERCH_ASSIGN_OR_RETURN(dense, pack_dense_f32(w->as<float>(), n, k, bias, act, args.backend));
  } else if (w->dtype == DType::kF16) {
    std::vector<float> wf(static_cast<size_t>(n) * static_cast<size_t>(k));
    for (size_t i = 0; i < wf.size(); ++i) wf[i] = f16_to_f32(w->as<uint16_t>()[i]);
    PERCH_ASSIGN_OR_RETURN(dense, pack_dense_f32(wf.data(), n, k, bias, act, args.backend));
  } else if (w->dtype == DType::kI8) {
    const Tensor* scale = args.weights ? args.weights->find(w_name + ".scale") : nullptr;
    if (scale == nullptr || scale->dtype != DType::kF32 || scale->shape.rank() != 1 || scale->shape[0] != n)
      return attrs.error("i8 W '" + w_name + "' needs '" + w_name + ".scale' f32 [" + std::to_string(n) + "]");
    PERCH_ASSIGN_OR_RETURN(dense, pack_dense_i8(w->as<int8_t>(), scale->as<float>(), n, k, bias, act, args.backend));
  } else {
    return attrs.error(std::string("W must be f32, f16 or i8, got ") + dtype_name(w->dtype));
  }
  return std::unique_ptr<Kernel>(new FullyConnectedKernel(std::move(dense)));
}

}  // namespace perch::ops
