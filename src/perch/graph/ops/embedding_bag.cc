// EmbeddingBag: weight [V, D] (f32, or i8 with "<weight>.scale" [V]), ids i32 [n], offsets i32
// [B] → [B, D], the sum or mean of each bag's rows. Ids and offsets are checked on every run.
#include <algorithm>
#include <climits>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

class EmbeddingBagKernel : public OpKernel {
 public:
  // Runs the table's embedding_bag_i8 when the weight is int8 (scale set), else its _f32.
  EmbeddingBagKernel(bool mean, const Tensor* scale, const KernelTable& table, bool parallel)
      : OpKernel("EmbeddingBag", scale ? table.embedding_bag_i8.name : table.embedding_bag_f32.name),
        mean_(mean),
        scale_(scale),
        f32_(table.embedding_bag_f32.fn),
        i8_(table.embedding_bag_i8.fn),
        parallel_(parallel) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const DType want = scale_ != nullptr ? DType::kI8 : DType::kF32;
    if (in[0].dtype != want) return dtype_error(0, scale_ ? "i8" : "f32", in[0].dtype);
    if (in[1].dtype != DType::kI32) return dtype_error(1, "i32", in[1].dtype);
    if (in[2].dtype != DType::kI32) return dtype_error(2, "i32", in[2].dtype);
    if (in[0].shape.rank() != 2) return shape_error("weight must be [V, D], got " + in[0].shape.to_string());
    if (in[1].shape.rank() != 1) return shape_error("ids must be [n], got " + in[1].shape.to_string());
    if (in[2].shape.rank() != 1) return shape_error("offsets must be [B], got " + in[2].shape.to_string());
    out[0].dtype = DType::kF32;
    out[0].shape = Shape{in[2].shape[0], in[0].shape[1]};
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const int64_t v = in[0].shape[0], d = in[0].shape[1];
    const int64_t n = in[1].shape[0], bags = in[2].shape[0];
    const int32_t* ids = in[1].as<int32_t>();
    const int32_t* offsets = in[2].as<int32_t>();
    // One unsigned compare per id (a negative id wraps past the limit) and one branch at the end:
    // the check runs on every id of every per-keystroke call.
    const uint32_t limit = static_cast<uint32_t>(std::min<int64_t>(v, int64_t{INT32_MAX} + 1));
    uint32_t bad = 0;
    for (int64_t i = 0; i < n; ++i) bad |= static_cast<uint32_t>(static_cast<uint32_t>(ids[i]) >= limit);
    for (int64_t i = 0; bad && i < n; ++i)
      if (ids[i] < 0 || ids[i] >= v)
        return out_of_range("EmbeddingBag: id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                            " is outside [0, " + std::to_string(v) + ")");
    if (bags > 0 && offsets[0] != 0)
      return out_of_range("EmbeddingBag: offsets must start at 0, got " + std::to_string(offsets[0]));
    for (int64_t b = 0; b < bags; ++b) {
      const int64_t next = b + 1 < bags ? offsets[b + 1] : n;
      if (offsets[b] > next || offsets[b] > n)
        return out_of_range("EmbeddingBag: offsets[" + std::to_string(b) + "] = " + std::to_string(offsets[b]) +
                            " must be non-decreasing and <= " + std::to_string(n) + " ids");
    }
    float* y = out[0].as<float>();
    auto bag_range = [&](size_t b, size_t e) {
      if (scale_ != nullptr) {
        i8_(in[0].as<int8_t>(), scale_->as<float>(), d, ids, n, offsets, bags, mean_, y, static_cast<int64_t>(b),
            static_cast<int64_t>(e));
      } else {
        f32_(in[0].as<float>(), d, ids, n, offsets, bags, mean_, y, static_cast<int64_t>(b), static_cast<int64_t>(e));
      }
    };
    if (parallel_ && ctx.pool != nullptr) {
      ctx.pool->parallel_for(static_cast<size_t>(bags), 1, bag_range);
    } else {
      bag_range(0, static_cast<size_t>(bags));
    }
    return Status::ok();
  }

 private:
  bool mean_;
  const Tensor* scale_;  // "<weight>.scale" for an i8 weight, else null
  kernel_fn::EmbeddingBagF32* f32_;
  kernel_fn::EmbeddingBagI8* i8_;
  bool parallel_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_embedding_bag(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("EmbeddingBag", args, 3, 3, 1));
  Attrs attrs("EmbeddingBag", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"mode"}));
  std::string mode;
  PERCH_RETURN_IF_ERROR(attrs.get_string("mode", "mean", &mode));
  if (mode != "sum" && mode != "mean") return attrs.error("attr 'mode' = '" + mode + "' must be 'sum' or 'mean'");
  const Tensor* scale = nullptr;
  if (args.inputs[0].dtype == DType::kI8) {
    if (args.weights != nullptr && args.input_names != nullptr)
      scale = args.weights->find(args.input_names[0] + ".scale");
    const Shape& w = args.inputs[0].shape;
    if (scale == nullptr)
      return attrs.error("i8 weight '" + (args.input_names ? args.input_names[0] : std::string()) +
                         "' needs its '.scale' companion");
    if (scale->dtype != DType::kF32 || scale->shape.rank() != 1 || w.rank() != 2 || scale->shape[0] != w[0])
      return attrs.error("'" + args.input_names[0] + ".scale' must be f32 [" + std::to_string(w.rank() ? w[0] : 0) +
                         "] for weight " + w.to_string());
  }
  return std::unique_ptr<Kernel>(
      new EmbeddingBagKernel(mode == "mean", scale, kernel_table(args.backend), args.backend == Backend::kFast));
}

}  // namespace perch::ops
