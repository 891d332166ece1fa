// Gather along axis 0 (embedding lookup): data [V, ...], indices i32 → indices.shape + data[1:].
// An int8 `data` weight with a companion "<data>.scale" [V] is dequantized to f32 rows.
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/gather.h"

namespace perch::ops {
namespace {

class GatherKernel : public OpKernel {
 public:
  explicit GatherKernel(const Tensor* scale) : OpKernel("Gather"), scale_(scale) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const Shape& data = in[0].shape;
    const Shape& idx = in[1].shape;
    if (in[1].dtype != DType::kI32) return dtype_error(1, "i32", in[1].dtype);
    if (data.rank() < 1) return shape_error("data must have rank >= 1, got a scalar");
    if (idx.rank() + data.rank() - 1 > kMaxRank)
      return shape_error("output rank " + std::to_string(idx.rank() + data.rank() - 1) +
                         " exceeds " + std::to_string(kMaxRank));
    if (scale_ != nullptr && (in[0].dtype != DType::kI8 || data.rank() != 2))
      return shape_error("a scaled data tensor must be i8 [V, D], got " +
                         std::string(dtype_name(in[0].dtype)) + " " + data.to_string());
    Shape s = idx;
    for (int i = 1; i < data.rank(); ++i) s.push_back(data[i]);
    out[0].dtype = scale_ != nullptr ? DType::kF32 : in[0].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const int64_t v = in[0].shape[0];
    const int64_t n = in[1].shape.numel();
    const int32_t* idx = in[1].as<int32_t>();
    for (int64_t i = 0; i < n; ++i)
      if (idx[i] < 0 || idx[i] >= v)
        return out_of_range("Gather: index " + std::to_string(idx[i]) + " at position " +
                            std::to_string(i) + " is outside [0, " + std::to_string(v) + ")");
    const int64_t row = v > 0 ? in[0].shape.numel() / v : 0;
    if (scale_ != nullptr) {
      reference::gather_rows_i8(in[0].as<int8_t>(), scale_->as<float>(), row, idx, n,
                                out[0].as<float>());
    } else {
      reference::gather_rows(in[0].data, static_cast<size_t>(row) * dtype_size(in[0].dtype), idx,
                             n, out[0].data);
    }
    return Status::ok();
  }

 private:
  const Tensor* scale_;  // the model's "<data>.scale" weight, or null
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_gather(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Gather", args, 2, 2, 1));
  Attrs attrs("Gather", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"axis"}));
  int64_t axis;
  PERCH_RETURN_IF_ERROR(attrs.get_int("axis", 0, &axis));
  if (axis != 0) return attrs.error("attr 'axis' = " + std::to_string(axis) + ": only 0 is supported");
  const Tensor* scale = nullptr;
  if (args.inputs[0].dtype == DType::kI8 && args.weights != nullptr && args.input_names != nullptr) {
    scale = args.weights->find(args.input_names[0] + ".scale");
    if (scale != nullptr) {
      const Shape& data = args.inputs[0].shape;
      if (scale->dtype != DType::kF32 || scale->shape.rank() != 1 || data.rank() != 2 ||
          scale->shape[0] != data[0])
        return attrs.error("'" + args.input_names[0] + ".scale' must be f32 [" +
                           std::to_string(data.rank() ? data[0] : 0) + "] for i8 data " +
                           data.to_string());
    }
  }
  return std::unique_ptr<Kernel>(new GatherKernel(scale));
}

}  // namespace perch::ops
