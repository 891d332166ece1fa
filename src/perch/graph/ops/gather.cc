// Gather along `axis` (default 0; embedding lookup): data [..., V, ...], indices i32 →
// data[:axis] + indices.shape + data[axis+1:]. Indices in [-V, V) (negative ones count from the
// end, as in ONNX). An int8 `data` weight with a companion "<data>.scale" [V] is dequantized to
// f32 rows (axis 0 only).
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/gather.h"

namespace perch::ops {
namespace {

class GatherKernel : public OpKernel {
 public:
  GatherKernel(const Tensor* scale, int64_t axis) : OpKernel("Gather"), scale_(scale), axis_(axis) {}

  uint64_t scratch_bytes(const ValueInfo* in, int n_in) const override {
    return uint64_t(in[1].shape.numel()) * sizeof(int32_t);
  }

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const Shape& data = in[0].shape;
    const Shape& idx = in[1].shape;
    if (in[1].dtype != DType::kI32) return dtype_error(1, "i32", in[1].dtype);
    if (data.rank() < 1) return shape_error("data must have rank >= 1, got a scalar");
    int axis;
    if (!normalize_axis(axis_, data.rank(), &axis))
      return shape_error("attr 'axis' = " + std::to_string(axis_) + " out of range for rank " +
                         std::to_string(data.rank()));
    if (idx.rank() + data.rank() - 1 > kMaxRank)
      return shape_error("output rank " + std::to_string(idx.rank() + data.rank() - 1) + " exceeds " +
                         std::to_string(kMaxRank));
    if (scale_ != nullptr && (in[0].dtype != DType::kI8 || data.rank() != 2))
      return shape_error("a scaled data tensor must be i8 [V, D], got " + std::string(dtype_name(in[0].dtype)) + " " +
                         data.to_string());
    Shape s;
    for (int i = 0; i < axis; ++i) s.push_back(data[i]);
    for (int i = 0; i < idx.rank(); ++i) s.push_back(idx[i]);
    for (int i = axis + 1; i < data.rank(); ++i) s.push_back(data[i]);
    out[0].dtype = scale_ != nullptr ? DType::kF32 : in[0].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const Shape& data = in[0].shape;
    int axis = 0;
    normalize_axis(axis_, data.rank(), &axis);
    const int64_t v = data[axis];
    const int64_t n = in[1].shape.numel();
    const int32_t* given = in[1].as<int32_t>();
    // Wrapped indices go to scratch (the input is never written).
    int32_t* idx = static_cast<int32_t*>(ctx.scratch);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = given[i] < 0 ? given[i] + v : given[i];
      if (k < 0 || k >= v)
        return out_of_range("Gather: index " + std::to_string(given[i]) + " at position " + std::to_string(i) +
                            " is outside [-" + std::to_string(v) + ", " + std::to_string(v) + ")");
      idx[i] = static_cast<int32_t>(k);
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= data[d];
    for (int d = axis + 1; d < data.rank(); ++d) inner *= data[d];
    if (scale_ != nullptr) {
      reference::gather_rows_i8(in[0].as<int8_t>(), scale_->as<float>(), inner, idx, n, out[0].as<float>());
    } else {
      reference::gather_axis(in[0].data, outer, v, static_cast<size_t>(inner) * dtype_size(in[0].dtype), idx, n,
                             out[0].data);
    }
    return Status::ok();
  }

 private:
  const Tensor* scale_;  // the model's "<data>.scale" weight, or null
  int64_t axis_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_gather(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Gather", args, 2, 2, 1));
  Attrs attrs("Gather", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"axis"}));
  int64_t axis;
  PERCH_RETURN_IF_ERROR(attrs.get_int("axis", 0, &axis));
  const Tensor* scale = nullptr;
  if (args.inputs[0].dtype == DType::kI8 && args.weights != nullptr && args.input_names != nullptr) {
    scale = args.weights->find(args.input_names[0] + ".scale");
    if (scale != nullptr) {
      const Shape& data = args.inputs[0].shape;
      if (axis != 0) return attrs.error("attr 'axis' must be 0 for i8 data with a scale");
      if (scale->dtype != DType::kF32 || scale->shape.rank() != 1 || data.rank() != 2 || scale->shape[0] != data[0])
        return attrs.error("'" + args.input_names[0] + ".scale' must be f32 [" +
                           std::to_string(data.rank() ? data[0] : 0) + "] for i8 data " + data.to_string());
    }
  }
  return std::unique_ptr<Kernel>(new GatherKernel(scale, axis));
}

}  // namespace perch::ops
