// Reshape to attr `shape`: -1 infers one dim, 0 copies the input's dim at that index. The output
// may alias the input (alias_input() = 0), in which case run copies nothing.
#include <cstring>
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"

namespace perch::ops {
namespace {

class ReshapeKernel : public OpKernel {
 public:
  explicit ReshapeKernel(const Shape& target) : OpKernel("Reshape"), target_(target) {}

  int alias_input() const override { return 0; }

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const Shape& x = in[0].shape;
    Shape s;
    s.set_rank(target_.rank());
    int infer_at = -1;
    int64_t known = 1;
    for (int i = 0; i < target_.rank(); ++i) {
      int64_t d = target_[i];
      if (d == 0) {
        if (i >= x.rank())
          return shape_error("shape[" + std::to_string(i) + "] = 0 copies a dim the input " + x.to_string() +
                             " does not have");
        d = x[i];
      }
      if (d == -1) {
        infer_at = i;
      } else {
        s[i] = d;
        if (d != 0 && known > (int64_t(1) << 50) / d) return shape_error("shape too large");
        known *= d;
      }
    }
    const int64_t total = x.numel();
    if (infer_at >= 0) {
      if (known == 0 || total % known != 0)
        return shape_error("cannot reshape " + x.to_string() + " (" + std::to_string(total) +
                           " elements) with a -1 dim into " + target_.to_string());
      s[infer_at] = total / known;
    } else if (known != total) {
      return shape_error("cannot reshape " + x.to_string() + " (" + std::to_string(total) + " elements) into " +
                         target_.to_string());
    }
    out[0].dtype = in[0].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    if (out[0].data != in[0].data && in[0].nbytes() > 0) std::memmove(out[0].data, in[0].data, in[0].nbytes());
    return Status::ok();
  }

 private:
  Shape target_;  // as written: may hold -1 and 0
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_reshape(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Reshape", args, 1, 1, 1));
  Attrs attrs("Reshape", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"shape"}));
  std::vector<int64_t> dims;
  bool present;
  PERCH_RETURN_IF_ERROR(attrs.get_ints("shape", &dims, &present));
  if (!present) return attrs.error("attr 'shape' is required");
  if (dims.size() > static_cast<size_t>(kMaxRank))
    return attrs.error("attr 'shape' has rank " + std::to_string(dims.size()) + " > " + std::to_string(kMaxRank));
  int minus_ones = 0;
  for (int64_t d : dims) {
    if (d < -1) return attrs.error("attr 'shape' has a negative dim " + std::to_string(d));
    minus_ones += d == -1;
  }
  if (minus_ones > 1) return attrs.error("attr 'shape' has more than one -1");
  Shape target;
  Shape::from(dims.data(), static_cast<int>(dims.size()), &target);
  return std::unique_ptr<Kernel>(new ReshapeKernel(target));
}

}  // namespace perch::ops
