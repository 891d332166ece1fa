// Add, Sub, Mul, Div: f32 with numpy broadcasting.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/binary.h"
#include "perch/kernels/reference/broadcast.h"

namespace perch::ops {
namespace {

class BinaryKernel : public OpKernel {
 public:
  BinaryKernel(const char* name, reference::BinaryOp op) : OpKernel(name), op_(op) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    for (int i = 0; i < 2; ++i)
      if (in[i].dtype != DType::kF32) return dtype_error(i, "f32", in[i].dtype);
    Shape s;
    if (!reference::broadcast_shapes(in[0].shape, in[1].shape, &s))
      return shape_error("shapes " + in[0].shape.to_string() + " and " + in[1].shape.to_string() +
                         " do not broadcast");
    out[0].dtype = DType::kF32;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    reference::binary(op_, in[0].as<float>(), in[0].shape, in[1].as<float>(), in[1].shape,
                      out[0].as<float>(), out[0].shape);
    return Status::ok();
  }

 private:
  reference::BinaryOp op_;
};

PERCH_LOAD_TIME KernelResult make_binary(const char* name, reference::BinaryOp op, const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity(name, args, 2, 2, 1));
  PERCH_RETURN_IF_ERROR(Attrs(name, args.attrs).check_known({}));
  return std::unique_ptr<Kernel>(new BinaryKernel(name, op));
}

}  // namespace

PERCH_LOAD_TIME KernelResult make_add(const OpBuildArgs& a) { return make_binary("Add", reference::BinaryOp::kAdd, a); }
PERCH_LOAD_TIME KernelResult make_sub(const OpBuildArgs& a) { return make_binary("Sub", reference::BinaryOp::kSub, a); }
PERCH_LOAD_TIME KernelResult make_mul(const OpBuildArgs& a) { return make_binary("Mul", reference::BinaryOp::kMul, a); }
PERCH_LOAD_TIME KernelResult make_div(const OpBuildArgs& a) { return make_binary("Div", reference::BinaryOp::kDiv, a); }

}  // namespace perch::ops
