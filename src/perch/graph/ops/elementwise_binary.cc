// Add, Sub, Mul, Div, Pow (f32, or i32 for ids arithmetic) and Equal, Less, Greater (f32 or i32
// in, u8 0/1 out), all with numpy broadcasting.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/binary.h"
#include "perch/kernels/reference/broadcast.h"

namespace perch::ops {
namespace {

class BinaryKernel : public OpKernel {
 public:
  // compare < 0: arithmetic `op`; else the CompareOp with that value.
  BinaryKernel(const char* name, reference::BinaryOp op, int compare) : OpKernel(name), op_(op), compare_(compare) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const DType t = in[0].dtype;
    if (t != DType::kF32 && t != DType::kI32) return dtype_error(0, "f32 or i32", t);
    if (in[1].dtype != t) return dtype_error(1, dtype_name(t), in[1].dtype);
    Shape s;
    if (!reference::broadcast_shapes(in[0].shape, in[1].shape, &s))
      return shape_error("shapes " + in[0].shape.to_string() + " and " + in[1].shape.to_string() + " do not broadcast");
    out[0].dtype = compare_ >= 0 ? DType::kU8 : t;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    if (compare_ >= 0) {
      reference::compare(static_cast<reference::CompareOp>(compare_), in[0].dtype, in[0].data, in[0].shape, in[1].data,
                         in[1].shape, out[0].as<uint8_t>(), out[0].shape);
    } else if (in[0].dtype == DType::kI32) {
      reference::binary_i32(op_, in[0].as<int32_t>(), in[0].shape, in[1].as<int32_t>(), in[1].shape,
                            out[0].as<int32_t>(), out[0].shape);
    } else {
      reference::binary(op_, in[0].as<float>(), in[0].shape, in[1].as<float>(), in[1].shape, out[0].as<float>(),
                        out[0].shape);
    }
    return Status::ok();
  }

 private:
  reference::BinaryOp op_;
  int compare_;
};

PERCH_LOAD_TIME KernelResult make_binary(const char* name, reference::BinaryOp op, const OpBuildArgs& args,
                                         int compare = -1) {
  PERCH_RETURN_IF_ERROR(check_arity(name, args, 2, 2, 1));
  PERCH_RETURN_IF_ERROR(Attrs(name, args.attrs).check_known({}));
  return std::unique_ptr<Kernel>(new BinaryKernel(name, op, compare));
}

PERCH_LOAD_TIME KernelResult make_compare(const char* name, reference::CompareOp op, const OpBuildArgs& args) {
  return make_binary(name, reference::BinaryOp::kAdd, args, static_cast<int>(op));
}

}  // namespace

PERCH_LOAD_TIME KernelResult make_add(const OpBuildArgs& a) { return make_binary("Add", reference::BinaryOp::kAdd, a); }
PERCH_LOAD_TIME KernelResult make_sub(const OpBuildArgs& a) { return make_binary("Sub", reference::BinaryOp::kSub, a); }
PERCH_LOAD_TIME KernelResult make_mul(const OpBuildArgs& a) { return make_binary("Mul", reference::BinaryOp::kMul, a); }
PERCH_LOAD_TIME KernelResult make_div(const OpBuildArgs& a) { return make_binary("Div", reference::BinaryOp::kDiv, a); }
PERCH_LOAD_TIME KernelResult make_pow(const OpBuildArgs& a) { return make_binary("Pow", reference::BinaryOp::kPow, a); }
PERCH_LOAD_TIME KernelResult make_equal(const OpBuildArgs& a) {
  return make_compare("Equal", reference::CompareOp::kEqual, a);
}
PERCH_LOAD_TIME KernelResult make_less(const OpBuildArgs& a) {
  return make_compare("Less", reference::CompareOp::kLess, a);
}
PERCH_LOAD_TIME KernelResult make_greater(const OpBuildArgs& a) {
  return make_compare("Greater", reference::CompareOp::kGreater, a);
}

}  // namespace perch::ops
