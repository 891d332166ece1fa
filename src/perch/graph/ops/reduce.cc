// ReduceMean, ReduceSum, ReduceMax over `axes` (default: all), keeping reduced dims as 1 when
// `keepdims` (default 1).
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/reduce.h"

namespace perch::ops {
namespace {

class ReduceKernel : public OpKernel {
 public:
  ReduceKernel(const char* name, reference::ReduceOp op, const std::vector<int64_t>& axes, bool keepdims)
      : OpKernel(name), op_(op), n_(static_cast<int>(axes.size())), keepdims_(keepdims) {
    for (int i = 0; i < n_; ++i) axes_[i] = axes[static_cast<size_t>(i)];
  }

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    if (in[0].dtype != DType::kF32) return dtype_error(0, "f32", in[0].dtype);
    bool reduce[kMaxRank];
    PERCH_RETURN_IF_ERROR(reduced(in[0].shape, reduce));
    Shape s;
    for (int d = 0; d < in[0].shape.rank(); ++d) {
      if (!reduce[d])
        s.push_back(in[0].shape[d]);
      else if (keepdims_)
        s.push_back(1);
    }
    out[0].dtype = DType::kF32;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    bool reduce[kMaxRank];
    PERCH_RETURN_IF_ERROR(reduced(in[0].shape, reduce));
    reference::reduce(op_, in[0].as<float>(), in[0].shape, reduce, out[0].as<float>());
    return Status::ok();
  }

 private:
  Status reduced(const Shape& x, bool* reduce) const {
    for (int d = 0; d < x.rank(); ++d) reduce[d] = n_ == 0;
    for (int i = 0; i < n_; ++i) {
      int axis;
      if (!normalize_axis(axes_[i], x.rank(), &axis))
        return shape_error("attr 'axes' has " + std::to_string(axes_[i]) + ", out of range for rank " +
                           std::to_string(x.rank()));
      if (reduce[axis]) return shape_error("attr 'axes' names axis " + std::to_string(axis) + " twice");
      reduce[axis] = true;
    }
    return Status::ok();
  }

  reference::ReduceOp op_;
  int n_;
  bool keepdims_;
  int64_t axes_[kMaxRank] = {};
};

PERCH_LOAD_TIME KernelResult make_reduce(const char* name, reference::ReduceOp op, const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity(name, args, 1, 1, 1));
  Attrs attrs(name, args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"axes", "keepdims"}));
  std::vector<int64_t> axes;
  bool present;
  PERCH_RETURN_IF_ERROR(attrs.get_ints("axes", &axes, &present));
  if (axes.size() > static_cast<size_t>(kMaxRank))
    return attrs.error("attr 'axes' has more than " + std::to_string(kMaxRank) + " entries");
  int64_t keepdims;
  PERCH_RETURN_IF_ERROR(attrs.get_int("keepdims", 1, &keepdims));
  if (keepdims != 0 && keepdims != 1) return attrs.error("attr 'keepdims' must be 0 or 1");
  return std::unique_ptr<Kernel>(new ReduceKernel(name, op, axes, keepdims == 1));
}

}  // namespace

PERCH_LOAD_TIME KernelResult make_reduce_mean(const OpBuildArgs& a) {
  return make_reduce("ReduceMean", reference::ReduceOp::kMean, a);
}
PERCH_LOAD_TIME KernelResult make_reduce_sum(const OpBuildArgs& a) {
  return make_reduce("ReduceSum", reference::ReduceOp::kSum, a);
}
PERCH_LOAD_TIME KernelResult make_reduce_max(const OpBuildArgs& a) {
  return make_reduce("ReduceMax", reference::ReduceOp::kMax, a);
}

}  // namespace perch::ops
