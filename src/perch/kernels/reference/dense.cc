// Scalar dense layers: the oracle the fast kernels are tested against. Weights are kept as
// given ([n, k], f32 or int8 with a per-row scale); one plain dot product per output.
#include <vector>

#include "perch/core/compiler.h"
#include "perch/kernels/dense_backends.h"
#include "perch/kernels/reference/unary.h"

namespace perch {
namespace {

// W is float, or int8 with a per-row scale (applied to the finished dot product).
template <typename W>
class ReferenceDense final : public PackedDense {
 public:
  ReferenceDense(const W* w, const float* scale, int n, int k, const float* bias, UnaryOp act)
      : w_(w, w + static_cast<size_t>(n) * k),
        scale_(scale ? scale : nullptr, scale ? scale + n : nullptr),
        bias_(bias ? bias : nullptr, bias ? bias + n : nullptr),
        n_(n),
        k_(k),
        act_(act) {}
  int n() const override { return n_; }
  int k() const override { return k_; }
  void run(const float* x, int m, float* y, ThreadPool*) const override {
    for (int i = 0; i < m; ++i) {
      const float* xr = x + static_cast<size_t>(i) * k_;
      float* yr = y + static_cast<size_t>(i) * n_;
      for (int j = 0; j < n_; ++j) {
        const W* wr = w_.data() + static_cast<size_t>(j) * k_;
        float acc = 0.0f;
        for (int p = 0; p < k_; ++p) acc += xr[p] * static_cast<float>(wr[p]);
        if (!scale_.empty()) acc *= scale_[j];
        if (!bias_.empty()) acc += bias_[j];
        yr[j] = reference::activation(act_, acc);
      }
    }
  }

 private:
  std::vector<W> w_;
  std::vector<float> scale_, bias_;
  int n_, k_;
  UnaryOp act_;
};

}  // namespace

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> make_reference_dense_f32(const float* w, int n, int k,
                                                                              const float* bias, UnaryOp act) {
  return std::unique_ptr<PackedDense>(new ReferenceDense<float>(w, nullptr, n, k, bias, act));
}

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> make_reference_dense_i8(const int8_t* w, const float* scale, int n,
                                                                             int k, const float* bias, UnaryOp act) {
  return std::unique_ptr<PackedDense>(new ReferenceDense<int8_t>(w, scale, n, k, bias, act));
}

}  // namespace perch
