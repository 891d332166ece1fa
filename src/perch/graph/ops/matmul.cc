// MatMul: a [..., M, K] · b [..., K, N], batch dims broadcast. When b is a constant 2-D weight it
// runs as a dense layer (b transposed once at load and packed for the target's GEMM kernel);
// otherwise the reference loops, output rows split across threads.
#include <climits>
#include <vector>

#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/dense.h"
#include "perch/kernels/reference/broadcast.h"
#include "perch/kernels/reference/matmul.h"
#include "perch/runtime/thread_pool.h"

namespace perch::ops {
namespace {

class MatMulKernel : public OpKernel {
 public:
  MatMulKernel(std::unique_ptr<PackedDense> dense, bool parallel)
      : OpKernel("MatMul", dense ? dense->kernel_name() : kReferenceKernel),
        dense_(std::move(dense)),
        parallel_(parallel) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    for (int i = 0; i < 2; ++i) {
      if (in[i].dtype != DType::kF32) return dtype_error(i, "f32", in[i].dtype);
      if (in[i].shape.rank() < 2)
        return shape_error(std::string(i ? "b" : "a") + " must have rank >= 2, got " + in[i].shape.to_string());
    }
    const Shape& a = in[0].shape;
    const Shape& b = in[1].shape;
    if (a.dim(-1) != b.dim(-2))
      return shape_error("a " + a.to_string() + " and b " + b.to_string() +
                         " disagree on K (a's last dim, b's second last)");
    Shape ab, bb, s;
    ab.set_rank(a.rank() - 2);
    bb.set_rank(b.rank() - 2);
    for (int i = 0; i < ab.rank(); ++i) ab[i] = a[i];
    for (int i = 0; i < bb.rank(); ++i) bb[i] = b[i];
    if (!reference::broadcast_shapes(ab, bb, &s))
      return shape_error("batch dims of " + a.to_string() + " and " + b.to_string() + " do not broadcast");
    if (s.rank() + 2 > kMaxRank) return shape_error("output rank too large");
    s.push_back(a.dim(-2));
    s.push_back(b.dim(-1));
    out[0].dtype = DType::kF32;
    out[0].shape = s;
    return Status::ok();
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const Shape& ys = out[0].shape;
    if (ys.numel() == 0) return Status::ok();
    const float* a = in[0].as<float>();
    const float* b = in[1].as<float>();
    float* y = out[0].as<float>();
    const int64_t n = ys.dim(-1);
    const int64_t rows = ys.numel() / n;
    if (dense_ != nullptr) {
      if (rows > INT_MAX) return shape_error("too many rows (" + std::to_string(rows) + ")");
      dense_->run(a, static_cast<int>(rows), y, ctx.pool);
    } else if (parallel_ && ctx.pool != nullptr) {
      const int64_t work = n * in[0].shape.dim(-1);
      ctx.pool->parallel_for(static_cast<size_t>(rows), static_cast<size_t>(4096 / (work + 1) + 1),
                             [&](size_t rb, size_t re) {
                               reference::matmul_rows(a, in[0].shape, b, in[1].shape, y, ys, static_cast<int64_t>(rb),
                                                      static_cast<int64_t>(re));
                             });
    } else {
      reference::matmul(a, in[0].shape, b, in[1].shape, y, ys);
    }
    return Status::ok();
  }

 private:
  std::unique_ptr<PackedDense> dense_;  // b as a packed weight, when it is a constant matrix
  bool parallel_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_matmul(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("MatMul", args, 2, 2, 1));
  PERCH_RETURN_IF_ERROR(Attrs("MatMul", args.attrs).check_known({}));
  std::unique_ptr<PackedDense> dense;
  const Tensor* w = args.inputs[1].constant;
  if (w != nullptr && w->dtype == DType::kF32 && w->shape.rank() == 2 && w->shape[0] > 0 && w->shape[1] > 0 &&
      w->shape[0] <= INT_MAX && w->shape[1] <= INT_MAX) {
    const int k = static_cast<int>(w->shape[0]), n = static_cast<int>(w->shape[1]);
    // The dense kernels take W as [N, K]: transpose b [K, N] once here.
    std::vector<float> wt(static_cast<size_t>(n) * static_cast<size_t>(k));
    const float* b = w->as<float>();
    for (int kk = 0; kk < k; ++kk)
      for (int nn = 0; nn < n; ++nn) wt[static_cast<size_t>(nn) * k + kk] = b[static_cast<size_t>(kk) * n + nn];
    PERCH_ASSIGN_OR_RETURN(dense, pack_dense_f32(wt.data(), n, k, nullptr, UnaryOp::kNone, args.backend));
  }
  return std::unique_ptr<Kernel>(new MatMulKernel(std::move(dense), args.backend == Backend::kFast));
}

}  // namespace perch::ops
