// Softmax and LogSoftmax along `axis` (default -1); Softmax rows of the last axis split across
// threads. Kernels from the kernel table: softmax_rows for the last axis, softmax (strided)
// otherwise, log_softmax (reference everywhere: rare in served models).
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

class SoftmaxKernel : public OpKernel {
 public:
  // kernel: the name of the one this axis runs (named at load, where the input's rank is known).
  SoftmaxKernel(const char* name, const char* kernel, int64_t axis, const KernelTable& table, bool parallel, bool log)
      : OpKernel(name, kernel),
        axis_(axis),
        rows_fn_(table.softmax_rows.fn),
        strided_fn_(table.softmax.fn),
        log_fn_(table.log_softmax.fn),
        parallel_(parallel),
        log_(log) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    if (in[0].dtype != DType::kF32) return dtype_error(0, "f32", in[0].dtype);
    int axis;
    if (!normalize_axis(axis_, in[0].shape.rank(), &axis))
      return shape_error("attr 'axis' = " + std::to_string(axis_) + " out of range for rank " +
                         std::to_string(in[0].shape.rank()));
    out[0].dtype = DType::kF32;
    out[0].shape = in[0].shape;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const Shape& s = in[0].shape;
    int axis = 0;
    normalize_axis(axis_, s.rank(), &axis);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= s[i];
    for (int i = axis + 1; i < s.rank(); ++i) inner *= s[i];
    const int64_t n = s[axis];
    const float* x = in[0].as<float>();
    float* y = out[0].as<float>();
    if (log_) {
      log_fn_(x, y, outer, n, inner);
    } else if (inner != 1) {
      strided_fn_(x, y, outer, n, inner);
    } else if (parallel_ && ctx.pool != nullptr) {
      const size_t grain = n > 0 ? static_cast<size_t>(4096 / n + 1) : 1;
      ctx.pool->parallel_for(static_cast<size_t>(outer), grain, [&](size_t b, size_t e) {
        rows_fn_(x + b * n, y + b * n, static_cast<int64_t>(e - b), n);
      });
    } else {
      rows_fn_(x, y, outer, n);
    }
    return Status::ok();
  }

 private:
  int64_t axis_;
  kernel_fn::SoftmaxRows* rows_fn_;
  kernel_fn::SoftmaxStrided* strided_fn_;
  kernel_fn::SoftmaxStrided* log_fn_;
  bool parallel_;
  bool log_;
};

PERCH_LOAD_TIME KernelResult make_softmax_like(const char* name, bool log, const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity(name, args, 1, 1, 1));
  Attrs attrs(name, args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"axis"}));
  int64_t axis;
  PERCH_RETURN_IF_ERROR(attrs.get_int("axis", -1, &axis));
  int normalized = 0;
  if (args.inputs && !normalize_axis(axis, args.inputs[0].shape.rank(), &normalized))
    return attrs.error("attr 'axis' = " + std::to_string(axis) + " out of range for rank " +
                       std::to_string(args.inputs[0].shape.rank()));
  const KernelTable& table = kernel_table(args.backend);
  // Softmax over the last axis (or one with only 1s after it) runs the rows kernel.
  bool last = true;
  if (args.inputs)
    for (int i = normalized + 1; i < args.inputs[0].shape.rank(); ++i) last = last && args.inputs[0].shape[i] == 1;
  const char* kernel = log ? table.log_softmax.name : last ? table.softmax_rows.name : table.softmax.name;
  return std::unique_ptr<Kernel>(new SoftmaxKernel(name, kernel, axis, table, args.backend == Backend::kFast, log));
}

}  // namespace

PERCH_LOAD_TIME KernelResult make_softmax(const OpBuildArgs& a) { return make_softmax_like("Softmax", false, a); }
PERCH_LOAD_TIME KernelResult make_log_softmax(const OpBuildArgs& a) { return make_softmax_like("LogSoftmax", true, a); }

}  // namespace perch::ops
