// Scalar dense layers: the oracle the fast kernels are tested against. Weights are kept as
// given ([n, k], f32 or int8 with a per-row scale); one plain dot product per output.
#include <cstring>
#include <vector>

#include "perch/kernels/dense_backends.h"

namespace perch {
namespace {

class ReferenceDenseF32 final : public PackedDense {
 public:
  ReferenceDenseF32(const float* w, int n, int k, const float* bias, Activation act)
      : w_(w, w + static_cast<size_t>(n) * k), bias_(bias ? bias : nullptr, bias ? bias + n : nullptr),
        n_(n), k_(k), act_(act) {}
  int n() const override { return n_; }
  int k() const override { return k_; }
  void run(const float* x, int m, float* y, ThreadPool*) const override {
    for (int i = 0; i < m; ++i) {
      const float* xr = x + static_cast<size_t>(i) * k_;
      float* yr = y + static_cast<size_t>(i) * n_;
      for (int j = 0; j < n_; ++j) {
        const float* wr = w_.data() + static_cast<size_t>(j) * k_;
        float acc = 0.0f;
        for (int p = 0; p < k_; ++p) acc += xr[p] * wr[p];
        if (!bias_.empty()) acc += bias_[j];
        yr[j] = dense_activation(act_, acc);
      }
    }
  }

 private:
  std::vector<float> w_, bias_;
  int n_, k_;
  Activation act_;
};

class ReferenceDenseI8 final : public PackedDense {
 public:
  ReferenceDenseI8(const int8_t* w, const float* scale, int n, int k, const float* bias, Activation act)
      : w_(w, w + static_cast<size_t>(n) * k), scale_(scale, scale + n),
        bias_(bias ? bias : nullptr, bias ? bias + n : nullptr), n_(n), k_(k), act_(act) {}
  int n() const override { return n_; }
  int k() const override { return k_; }
  void run(const float* x, int m, float* y, ThreadPool*) const override {
    for (int i = 0; i < m; ++i) {
      const float* xr = x + static_cast<size_t>(i) * k_;
      float* yr = y + static_cast<size_t>(i) * n_;
      for (int j = 0; j < n_; ++j) {
        const int8_t* wr = w_.data() + static_cast<size_t>(j) * k_;
        float acc = 0.0f;
        for (int p = 0; p < k_; ++p) acc += xr[p] * static_cast<float>(wr[p]);
        acc *= scale_[j];
        if (!bias_.empty()) acc += bias_[j];
        yr[j] = dense_activation(act_, acc);
      }
    }
  }

 private:
  std::vector<int8_t> w_;
  std::vector<float> scale_, bias_;
  int n_, k_;
  Activation act_;
};

}  // namespace

void dense_activation_inplace(Activation act, float* y, int n) {
  if (act == Activation::kNone) return;
  for (int i = 0; i < n; ++i) y[i] = dense_activation(act, y[i]);
}

std::unique_ptr<PackedDense> make_reference_dense_f32(const float* w, int n, int k, const float* bias,
                                                      Activation act) {
  return std::make_unique<ReferenceDenseF32>(w, n, k, bias, act);
}

std::unique_ptr<PackedDense> make_reference_dense_i8(const int8_t* w, const float* scale, int n, int k,
                                                     const float* bias, Activation act) {
  return std::make_unique<ReferenceDenseI8>(w, scale, n, k, bias, act);
}

}  // namespace perch
