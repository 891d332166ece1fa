// Slice with ONNX semantics: `starts`, `ends`, `axes` (default 0..n-1), `steps` (default 1,
// non-zero; negative walks backwards); negative indices count from the end; everything is clamped
// to the dim as ONNX says. Any dtype.
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/slice.h"

namespace perch::ops {
namespace {

constexpr int kMaxSliced = kMaxRank;

class SliceKernel : public OpKernel {
 public:
  SliceKernel(const std::vector<int64_t>& starts, const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
              const std::vector<int64_t>& steps)
      : OpKernel("Slice"), n_(static_cast<int>(starts.size())) {
    for (int i = 0; i < n_; ++i) {
      const size_t u = static_cast<size_t>(i);
      starts_[i] = starts[u];
      ends_[i] = ends[u];
      axes_[i] = axes[u];
      steps_[i] = steps[u];
    }
  }

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    int64_t start[kMaxRank], step[kMaxRank];
    Shape s;
    PERCH_RETURN_IF_ERROR(resolve(in[0].shape, start, step, &s));
    out[0].dtype = in[0].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    int64_t start[kMaxRank], step[kMaxRank];
    Shape s;
    PERCH_RETURN_IF_ERROR(resolve(in[0].shape, start, step, &s));
    reference::slice(in[0].data, in[0].shape, start, step, s, dtype_size(in[0].dtype), out[0].data);
    return Status::ok();
  }

 private:
  // Per-dim clamped start and step for input shape x, and the output shape.
  Status resolve(const Shape& x, int64_t* start, int64_t* step, Shape* out) const {
    *out = x;
    for (int d = 0; d < x.rank(); ++d) {
      start[d] = 0;
      step[d] = 1;
    }
    bool seen[kMaxRank] = {};
    for (int i = 0; i < n_; ++i) {
      int axis;
      if (!normalize_axis(axes_[i], x.rank(), &axis))
        return shape_error("attr 'axes' has " + std::to_string(axes_[i]) + ", out of range for rank " +
                           std::to_string(x.rank()));
      if (seen[axis]) return shape_error("attr 'axes' names axis " + std::to_string(axis) + " twice");
      seen[axis] = true;
      const int64_t dim = x[axis];
      int64_t b = starts_[i], e = ends_[i];
      const int64_t st = steps_[i];
      // Clamped to [0, dim] stepping forwards, to [0, dim-1] (start) and [-1, dim-1] (end)
      // stepping backwards.
      const int64_t lo = st > 0 ? 0 : -1, hi = st > 0 ? dim : dim - 1;
      if (b < 0) b += dim;
      if (e < 0) e += dim;
      b = b < 0 ? 0 : b > hi ? hi : b;
      e = e < lo ? lo : e > hi ? hi : e;
      (*out)[axis] = st > 0 ? (e > b ? (e - b - 1) / st + 1 : 0) : (b > e ? (b - e - 1) / -st + 1 : 0);
      start[axis] = (*out)[axis] > 0 ? b : 0;
      step[axis] = st;
    }
    return Status::ok();
  }

  int n_;
  int64_t starts_[kMaxSliced] = {}, ends_[kMaxSliced] = {}, axes_[kMaxSliced] = {}, steps_[kMaxSliced] = {};
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_slice(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Slice", args, 1, 1, 1));
  Attrs attrs("Slice", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"starts", "ends", "axes", "steps"}));
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_starts, has_ends, has_axes, has_steps;
  PERCH_RETURN_IF_ERROR(attrs.get_ints("starts", &starts, &has_starts));
  PERCH_RETURN_IF_ERROR(attrs.get_ints("ends", &ends, &has_ends));
  PERCH_RETURN_IF_ERROR(attrs.get_ints("axes", &axes, &has_axes));
  PERCH_RETURN_IF_ERROR(attrs.get_ints("steps", &steps, &has_steps));
  if (!has_starts || !has_ends) return attrs.error("attrs 'starts' and 'ends' are required");
  const size_t n = starts.size();
  if (n > static_cast<size_t>(kMaxSliced))
    return attrs.error("slices more than " + std::to_string(kMaxSliced) + " axes");
  if (!has_axes)
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  if (!has_steps) steps.assign(n, 1);
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return attrs.error("attrs 'starts', 'ends', 'axes' and 'steps' must have the same length");
  for (int64_t s : steps)
    if (s == 0 || s < -(int64_t{1} << 62))
      return attrs.error("attr 'steps' must be non-zero, got " + std::to_string(s));
  return std::unique_ptr<Kernel>(new SliceKernel(starts, ends, axes, steps));
}

}  // namespace perch::ops
