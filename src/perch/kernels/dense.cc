// pack_dense_*: validates the arguments once, then hands the weights to the backend that packs
// them for this target (wasm: perch's SIMD128 micro-kernels; native: XNNPACK; or the reference).
#include "perch/core/compiler.h"
#include "perch/kernels/dense.h"

#include <cmath>
#include <string>
#include <vector>

#include "perch/kernels/dense_backends.h"

namespace perch {
namespace {

// Largest weight matrix accepted: keeps n*k (and packed sizes) far from int overflow.
constexpr long long kMaxDenseElements = 1LL << 30;

Status check_dense_args(const void* w, int n, int k, Activation act) {
  if (w == nullptr) return invalid_argument("dense: weight pointer is null");
  if (n <= 0 || k <= 0)
    return invalid_argument("dense: weight shape [" + std::to_string(n) + ", " + std::to_string(k) +
                            "] must have positive dims");
  if (static_cast<long long>(n) * k > kMaxDenseElements)
    return invalid_argument("dense: weight [" + std::to_string(n) + ", " + std::to_string(k) +
                            "] is too large");
  switch (act) {
    case Activation::kNone: case Activation::kRelu: case Activation::kGelu:
    case Activation::kGeluTanh: case Activation::kSilu: break;
    default: return invalid_argument("dense: unknown activation");
  }
  return Status::ok();
}

}  // namespace

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> pack_dense_f32(const float* w, int n, int k, const float* bias,
                                                   Activation act, Backend backend) {
  PERCH_RETURN_IF_ERROR(check_dense_args(w, n, k, act));
  if (backend == Backend::kReference) return make_reference_dense_f32(w, n, k, bias, act);
#if defined(__EMSCRIPTEN__)
  return make_wasmsimd_dense_f32(w, n, k, bias, act);
#elif defined(PERCH_HAVE_XNNPACK)
  return make_xnnpack_dense_f32(w, n, k, bias, act);
#else
  return make_reference_dense_f32(w, n, k, bias, act);
#endif
}

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> pack_dense_i8(const int8_t* w, const float* scale, int n, int k,
                                                  const float* bias, Activation act, Backend backend) {
  PERCH_RETURN_IF_ERROR(check_dense_args(w, n, k, act));
  if (scale == nullptr) return invalid_argument("dense: int8 weights need a per-row scale");
  for (int j = 0; j < n; ++j)
    if (!std::isfinite(scale[j]))
      return invalid_argument("dense: scale[" + std::to_string(j) + "] is not finite");
  if (backend == Backend::kReference) return make_reference_dense_i8(w, scale, n, k, bias, act);
#if defined(__EMSCRIPTEN__)
  return make_wasmsimd_dense_i8(w, scale, n, k, bias, act);
#elif defined(PERCH_HAVE_XNNPACK)
  // XNNPACK's int8 fully-connected wants quantized activations too; dequantize the weights to
  // f32 once at pack time and run the f32 operator (same numbers, 4x the weight memory).
  std::vector<float> wf(static_cast<size_t>(n) * k);
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < k; ++p)
      wf[static_cast<size_t>(j) * k + p] = static_cast<float>(w[static_cast<size_t>(j) * k + p]) * scale[j];
  return make_xnnpack_dense_f32(wf.data(), n, k, bias, act);
#else
  return make_reference_dense_i8(w, scale, n, k, bias, act);
#endif
}

}  // namespace perch
