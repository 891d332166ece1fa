// wasm dense layer with f32 weights: packed once into 8-wide panels, run by the blocked SIMD128
// GEMM in dense_gemm.h (the portable vec4 path in wasm-baseline).
#include "perch/core/compiler.h"
#include "perch/core/tensor.h"
#include "perch/kernels/wasmsimd/dense_gemm.h"

namespace perch {
namespace {

class WasmDenseF32 final : public PackedDense {
 public:
  WasmDenseF32(int n, int k, UnaryOp act) : n_(n), k_(k), act_(act) {}

  PERCH_LOAD_TIME Status pack(const float* w, const float* bias) {
    const size_t padded = wasmsimd::padded_columns(n_);
    panels_ = AlignedBuffer(padded * static_cast<size_t>(k_) * sizeof(float));
    if (!panels_.ok()) return Status(StatusCode::kOutOfMemory, "dense: cannot allocate packed weights");
    wasmsimd::pack_panels(w, n_, k_, static_cast<float*>(panels_.data()));
    return bias ? wasmsimd::pack_padded(bias, n_, padded, &bias_) : Status::ok();
  }

  int n() const override { return n_; }
  int k() const override { return k_; }
  void run(const float* x, int m, float* y, ThreadPool* pool) const override {
    const wasmsimd::Epilogue ep{bias_.size() ? static_cast<const float*>(bias_.data()) : nullptr, nullptr, act_};
    wasmsimd::gemm(x, m, k_, n_, static_cast<const float*>(panels_.data()), ep, y, pool);
  }

 private:
  int n_, k_;
  UnaryOp act_;
  AlignedBuffer panels_, bias_;
};

}  // namespace

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> make_wasmsimd_dense_f32(const float* w, int n, int k,
                                                                             const float* bias, UnaryOp act) {
  auto dense = std::make_unique<WasmDenseF32>(n, k, act);
  PERCH_RETURN_IF_ERROR(dense->pack(w, bias));
  return std::unique_ptr<PackedDense>(std::move(dense));
}

}  // namespace perch
