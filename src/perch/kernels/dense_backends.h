// The per-target factories behind pack_dense_f32 / pack_dense_i8 (dense.cc dispatches to them)
// and the scalar activation every dense backend applies in its epilogue. Internal to kernels/.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>

#include "perch/kernels/dense.h"

namespace perch {

// Scalar activations; the fast kernels' epilogues call these too, so all backends agree.
inline float dense_activation(Activation act, float v) {
  switch (act) {
    case Activation::kNone: return v;
    case Activation::kRelu: return v > 0.0f ? v : 0.0f;
    case Activation::kGelu: return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
    case Activation::kGeluTanh: {
      const float inner = 0.79788456080286536f * (v + 0.044715f * v * v * v);
      return 0.5f * v * (1.0f + std::tanh(inner));
    }
    case Activation::kSilu: return v / (1.0f + std::exp(-v));
  }
  return v;
}

// Applies `act` to n floats in place (used after a backend that has no fused activation).
void dense_activation_inplace(Activation act, float* y, int n);

// Arguments are validated by dense.cc before these run.
std::unique_ptr<PackedDense> make_reference_dense_f32(const float* w, int n, int k, const float* bias,
                                                      Activation act);
std::unique_ptr<PackedDense> make_reference_dense_i8(const int8_t* w, const float* scale, int n, int k,
                                                     const float* bias, Activation act);

#if defined(__EMSCRIPTEN__)
Result<std::unique_ptr<PackedDense>> make_wasmsimd_dense_f32(const float* w, int n, int k,
                                                             const float* bias, Activation act);
Result<std::unique_ptr<PackedDense>> make_wasmsimd_dense_i8(const int8_t* w, const float* scale, int n,
                                                            int k, const float* bias, Activation act);
#endif

#if defined(PERCH_HAVE_XNNPACK)
Result<std::unique_ptr<PackedDense>> make_xnnpack_dense_f32(const float* w, int n, int k,
                                                            const float* bias, Activation act);
#endif

}  // namespace perch
