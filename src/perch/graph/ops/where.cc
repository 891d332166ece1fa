// Where (cond u8 ? a : b) and Expand (x broadcast to x.shape ⊕ attr `shape`): broadcasting
// selects and copies of any dtype, one reference loop for both.
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/broadcast.h"
#include "perch/kernels/reference/where.h"

namespace perch::ops {
namespace {

class WhereKernel : public OpKernel {
 public:
  // expand: the Expand op (one input x, target `shape`); else Where (cond, a, b).
  WhereKernel(bool expand, const Shape& shape)
      : OpKernel(expand ? "Expand" : "Where"), expand_(expand), shape_(shape) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    Shape s;
    if (expand_) {
      if (!reference::broadcast_shapes(in[0].shape, shape_, &s))
        return shape_error("input " + in[0].shape.to_string() + " does not broadcast to attr 'shape' " +
                           shape_.to_string());
    } else {
      if (in[0].dtype != DType::kU8) return dtype_error(0, "u8", in[0].dtype);
      if (in[2].dtype != in[1].dtype) return dtype_error(2, dtype_name(in[1].dtype), in[2].dtype);
      if (!reference::broadcast_shapes(in[0].shape, in[1].shape, &s) ||
          !reference::broadcast_shapes(s, in[2].shape, &s))
        return shape_error("shapes " + in[0].shape.to_string() + ", " + in[1].shape.to_string() + " and " +
                           in[2].shape.to_string() + " do not broadcast");
    }
    int64_t n;
    if (!s.checked_numel(int64_t{1} << 30, &n)) return shape_error("output " + s.to_string() + " is too large");
    out[0].dtype = in[expand_ ? 0 : 1].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const size_t size = dtype_size(out[0].dtype);
    if (expand_)
      reference::where(nullptr, Shape{}, in[0].data, in[0].shape, nullptr, Shape{}, out[0].data, out[0].shape, size);
    else
      reference::where(in[0].as<uint8_t>(), in[0].shape, in[1].data, in[1].shape, in[2].data, in[2].shape, out[0].data,
                       out[0].shape, size);
    return Status::ok();
  }

 private:
  bool expand_;
  Shape shape_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_where(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Where", args, 3, 3, 1));
  PERCH_RETURN_IF_ERROR(Attrs("Where", args.attrs).check_known({}));
  return std::unique_ptr<Kernel>(new WhereKernel(false, Shape{}));
}

PERCH_LOAD_TIME KernelResult make_expand(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Expand", args, 1, 1, 1));
  Attrs attrs("Expand", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"shape"}));
  std::vector<int64_t> dims;
  bool present;
  PERCH_RETURN_IF_ERROR(attrs.get_ints("shape", &dims, &present));
  if (!present) return attrs.error("attr 'shape' is required");
  Shape shape;
  if (!Shape::from(dims.data(), static_cast<int>(dims.size()), &shape))
    return attrs.error("attr 'shape' has more than " + std::to_string(kMaxRank) + " dims");
  for (int i = 0; i < shape.rank(); ++i)
    if (shape[i] < 0) return attrs.error("attr 'shape' has a negative dim " + std::to_string(shape[i]));
  return std::unique_ptr<Kernel>(new WhereKernel(true, shape));
}

}  // namespace perch::ops
