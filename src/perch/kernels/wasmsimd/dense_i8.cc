// wasm dense layer with int8 weights (per-row scale): packed once into 8-wide int8 panels (a
// quarter of the f32 bytes), widened and converted to f32 inside the micro-kernel; the scale
// is applied to the finished accumulators in the epilogue.
#include <cstring>

#include "perch/core/tensor.h"
#include "perch/kernels/wasmsimd/dense_gemm.h"

namespace perch {
namespace {

class WasmDenseI8 final : public PackedDense {
 public:
  WasmDenseI8(int n, int k, Activation act) : n_(n), k_(k), act_(act) {}

  Status pack(const int8_t* w, const float* scale, const float* bias) {
    const size_t padded = static_cast<size_t>((n_ + wasmsimd::kNR - 1) / wasmsimd::kNR) * wasmsimd::kNR;
    panels_ = AlignedBuffer(padded * static_cast<size_t>(k_));
    scale_ = AlignedBuffer(padded * sizeof(float));
    if (!panels_.ok() || !scale_.ok())
      return Status(StatusCode::kOutOfMemory, "dense: cannot allocate packed weights");
    wasmsimd::pack_panels(w, n_, k_, static_cast<int8_t*>(panels_.data()));
    float* s = static_cast<float*>(scale_.data());
    std::memset(s, 0, padded * sizeof(float));
    std::memcpy(s, scale, static_cast<size_t>(n_) * sizeof(float));
    if (bias) {
      bias_ = AlignedBuffer(padded * sizeof(float));
      if (!bias_.ok()) return Status(StatusCode::kOutOfMemory, "dense: cannot allocate bias");
      float* b = static_cast<float*>(bias_.data());
      std::memset(b, 0, padded * sizeof(float));
      std::memcpy(b, bias, static_cast<size_t>(n_) * sizeof(float));
    }
    return Status::ok();
  }

  int n() const override { return n_; }
  int k() const override { return k_; }
  void run(const float* x, int m, float* y, ThreadPool* pool) const override {
    const wasmsimd::Epilogue ep{bias_.size() ? static_cast<const float*>(bias_.data()) : nullptr,
                                static_cast<const float*>(scale_.data()), act_};
    wasmsimd::gemm(x, m, k_, n_, static_cast<const int8_t*>(panels_.data()), ep, y, pool);
  }

 private:
  int n_, k_;
  Activation act_;
  AlignedBuffer panels_, scale_, bias_;
};

}  // namespace

Result<std::unique_ptr<PackedDense>> make_wasmsimd_dense_i8(const int8_t* w, const float* scale, int n,
                                                            int k, const float* bias, Activation act) {
  auto dense = std::make_unique<WasmDenseI8>(n, k, act);
  PERCH_RETURN_IF_ERROR(dense->pack(w, scale, bias));
  return std::unique_ptr<PackedDense>(std::move(dense));
}

}  // namespace perch
