// Concat along `axis` (required): inputs of one dtype and rank, equal outside the axis.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/concat.h"

namespace perch::ops {
namespace {

class ConcatKernel : public OpKernel {
 public:
  explicit ConcatKernel(int64_t axis) : OpKernel("Concat"), axis_(axis) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const Shape& first = in[0].shape;
    int axis;
    if (!normalize_axis(axis_, first.rank(), &axis))
      return shape_error("attr 'axis' = " + std::to_string(axis_) + " out of range for rank " +
                         std::to_string(first.rank()));
    Shape s = first;
    for (int i = 1; i < n_in; ++i) {
      const Shape& x = in[i].shape;
      if (in[i].dtype != in[0].dtype) return dtype_error(i, dtype_name(in[0].dtype), in[i].dtype);
      bool ok = x.rank() == first.rank();
      for (int d = 0; ok && d < x.rank(); ++d) ok = d == axis || x[d] == first[d];
      if (!ok)
        return shape_error("input " + std::to_string(i) + " " + x.to_string() + " does not match input 0 " +
                           first.to_string() + " outside axis " + std::to_string(axis));
      s[axis] += x[axis];
    }
    out[0].dtype = in[0].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const Shape& s = out[0].shape;
    int axis = 0;
    normalize_axis(axis_, s.rank(), &axis);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= s[d];
    for (int d = axis + 1; d < s.rank(); ++d) inner *= s[d];
    const void* xs[kMaxOpInputs];
    int64_t sizes[kMaxOpInputs];
    for (int i = 0; i < n_in; ++i) {
      xs[i] = in[i].data;
      sizes[i] = in[i].shape[axis];
    }
    reference::concat(xs, sizes, n_in, outer, inner, dtype_size(in[0].dtype), out[0].data);
    return Status::ok();
  }

 private:
  int64_t axis_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_concat(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Concat", args, 1, kMaxOpInputs, 1));
  for (int i = 0; i < args.num_inputs; ++i)
    if (!input_present(args, i)) return invalid_model("Concat: input " + std::to_string(i) + " is absent");
  Attrs attrs("Concat", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"axis"}));
  if (!attrs.has("axis")) return attrs.error("attr 'axis' is required");
  int64_t axis;
  PERCH_RETURN_IF_ERROR(attrs.get_int("axis", 0, &axis));
  return std::unique_ptr<Kernel>(new ConcatKernel(axis));
}

}  // namespace perch::ops
