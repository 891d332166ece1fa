// Cast (attr `to`: f32 f16 i32 i8 u8) and ArgMax (f32 in, i32 indices out along `axis`).
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/cast.h"

namespace perch::ops {
namespace {

class CastKernel : public OpKernel {
 public:
  explicit CastKernel(DType to) : OpKernel("Cast"), to_(to) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    out[0].dtype = to_;
    out[0].shape = in[0].shape;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    reference::cast(in[0].data, in[0].dtype, out[0].data, to_, in[0].shape.numel());
    return Status::ok();
  }

 private:
  DType to_;
};

class ArgMaxKernel : public OpKernel {
 public:
  ArgMaxKernel(int64_t axis, bool keepdims, bool last)
      : OpKernel("ArgMax"), axis_(axis), keepdims_(keepdims), last_(last) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    if (in[0].dtype != DType::kF32) return dtype_error(0, "f32", in[0].dtype);
    const Shape& x = in[0].shape;
    int axis;
    if (!normalize_axis(axis_, x.rank(), &axis))
      return shape_error("attr 'axis' = " + std::to_string(axis_) + " out of range for rank " +
                         std::to_string(x.rank()));
    if (x[axis] == 0) return shape_error("axis " + std::to_string(axis) + " is empty: no max");
    Shape s;
    for (int d = 0; d < x.rank(); ++d) {
      if (d != axis)
        s.push_back(x[d]);
      else if (keepdims_)
        s.push_back(1);
    }
    out[0].dtype = DType::kI32;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const Shape& x = in[0].shape;
    int axis = 0;
    normalize_axis(axis_, x.rank(), &axis);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x[d];
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x[d];
    reference::argmax(in[0].as<float>(), outer, x[axis], inner, last_, out[0].as<int32_t>());
    return Status::ok();
  }

 private:
  int64_t axis_;
  bool keepdims_, last_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_cast(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Cast", args, 1, 1, 1));
  Attrs attrs("Cast", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"to"}));
  std::string to;
  PERCH_RETURN_IF_ERROR(attrs.get_string("to", "", &to));
  DType t;
  if (!parse_dtype(to, &t)) return attrs.error("attr 'to' = '" + to + "' is not a dtype (f32 f16 i32 i8 u8)");
  return std::unique_ptr<Kernel>(new CastKernel(t));
}

PERCH_LOAD_TIME KernelResult make_argmax(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("ArgMax", args, 1, 1, 1));
  Attrs attrs("ArgMax", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"axis", "keepdims", "select_last_index"}));
  int64_t axis, keepdims, last;
  PERCH_RETURN_IF_ERROR(attrs.get_int("axis", 0, &axis));
  PERCH_RETURN_IF_ERROR(attrs.get_int("keepdims", 1, &keepdims));
  PERCH_RETURN_IF_ERROR(attrs.get_int("select_last_index", 0, &last));
  if (keepdims != 0 && keepdims != 1) return attrs.error("attr 'keepdims' must be 0 or 1");
  if (last != 0 && last != 1) return attrs.error("attr 'select_last_index' must be 0 or 1");
  return std::unique_ptr<Kernel>(new ArgMaxKernel(axis, keepdims == 1, last == 1));
}

}  // namespace perch::ops
