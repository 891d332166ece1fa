// pack_dense_*: validates the arguments once, then hands the weights to the kernel table's dense
// entry, which packs them for this target (wasm: perch's SIMD128 micro-kernels; native: XNNPACK;
// or the reference), and names the result after the entry.
#include "perch/core/compiler.h"
#include "perch/kernels/dense.h"

#include <cmath>
#include <string>

#include "perch/kernels/kernel_table.h"

namespace perch {

struct DenseNaming {
  PERCH_LOAD_TIME static Result<std::unique_ptr<PackedDense>> named(Result<std::unique_ptr<PackedDense>> packed,
                                                                    const char* name) {
    if (packed.is_ok()) packed.value()->kernel_name_ = name;
    return packed;
  }
};

namespace {

// Largest weight matrix accepted: keeps n*k (and packed sizes) far from int overflow.
constexpr long long kMaxDenseElements = 1LL << 30;

PERCH_LOAD_TIME Status check_dense_args(const void* w, int n, int k, UnaryOp act) {
  if (w == nullptr) return invalid_argument("dense: weight pointer is null");
  if (n <= 0 || k <= 0)
    return invalid_argument("dense: weight shape [" + std::to_string(n) + ", " + std::to_string(k) +
                            "] must have positive dims");
  if (static_cast<long long>(n) * k > kMaxDenseElements)
    return invalid_argument("dense: weight [" + std::to_string(n) + ", " + std::to_string(k) + "] is too large");
  switch (act) {
    case UnaryOp::kNone:
    case UnaryOp::kRelu:
    case UnaryOp::kGelu:
    case UnaryOp::kGeluTanh:
    case UnaryOp::kSilu:
      break;
    default:
      return invalid_argument("dense: unknown activation");
  }
  return Status::ok();
}

}  // namespace

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> pack_dense_f32(const float* w, int n, int k, const float* bias,
                                                                    UnaryOp act, Backend backend) {
  PERCH_RETURN_IF_ERROR(check_dense_args(w, n, k, act));
  const auto& entry = kernel_table(backend).dense_f32;
  return DenseNaming::named(entry.fn(w, n, k, bias, act), entry.name);
}

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> pack_dense_i8(const int8_t* w, const float* scale, int n, int k,
                                                                   const float* bias, UnaryOp act, Backend backend) {
  PERCH_RETURN_IF_ERROR(check_dense_args(w, n, k, act));
  if (scale == nullptr) return invalid_argument("dense: int8 weights need a per-row scale");
  for (int j = 0; j < n; ++j)
    if (!std::isfinite(scale[j])) return invalid_argument("dense: scale[" + std::to_string(j) + "] is not finite");
  const auto& entry = kernel_table(backend).dense_i8;
  return DenseNaming::named(entry.fn(w, scale, n, k, bias, act), entry.name);
}

}  // namespace perch
