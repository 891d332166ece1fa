// Transpose by attr `perm` (default: reverse the dims). Any dtype.
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/transpose.h"

namespace perch::ops {
namespace {

class TransposeKernel : public OpKernel {
 public:
  TransposeKernel(const std::vector<int64_t>& perm, bool has_perm)
      : OpKernel("Transpose"), has_perm_(has_perm), rank_(static_cast<int>(perm.size())) {
    for (int i = 0; i < rank_; ++i) perm_[i] = static_cast<int>(perm[static_cast<size_t>(i)]);
  }

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    const Shape& x = in[0].shape;
    if (has_perm_ && x.rank() != rank_)
      return shape_error("attr 'perm' has " + std::to_string(rank_) + " entries for input " + x.to_string());
    int perm[kMaxRank];
    permutation(x.rank(), perm);
    Shape s;
    s.set_rank(x.rank());
    for (int i = 0; i < x.rank(); ++i) s[i] = x[perm[i]];
    out[0].dtype = in[0].dtype;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    int perm[kMaxRank];
    permutation(in[0].shape.rank(), perm);
    reference::transpose(in[0].data, in[0].shape, perm, dtype_size(in[0].dtype), out[0].data);
    return Status::ok();
  }

 private:
  void permutation(int rank, int* perm) const {
    for (int i = 0; i < rank; ++i) perm[i] = has_perm_ ? perm_[i] : rank - 1 - i;
  }

  bool has_perm_;
  int rank_;
  int perm_[kMaxRank] = {};
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_transpose(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Transpose", args, 1, 1, 1));
  Attrs attrs("Transpose", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"perm"}));
  std::vector<int64_t> perm;
  bool present;
  PERCH_RETURN_IF_ERROR(attrs.get_ints("perm", &perm, &present));
  if (perm.size() > static_cast<size_t>(kMaxRank))
    return attrs.error("attr 'perm' has more than " + std::to_string(kMaxRank) + " entries");
  bool seen[kMaxRank] = {};
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[p])
      return attrs.error("attr 'perm' is not a permutation of 0.." +
                         std::to_string(static_cast<int64_t>(perm.size()) - 1));
    seen[p] = true;
  }
  return std::unique_ptr<Kernel>(new TransposeKernel(perm, present));
}

}  // namespace perch::ops
