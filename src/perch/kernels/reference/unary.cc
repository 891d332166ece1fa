#include "perch/kernels/reference/unary.h"

#include <cmath>

namespace perch::reference {

float gelu_erf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

float gelu_tanh(float x) {
  const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + std::tanh(inner));
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float silu(float x) { return x * sigmoid(x); }

namespace {
template <typename F>
void apply(F f, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}
}  // namespace

void unary(UnaryOp op, const float* x, float* y, int64_t n) {
  switch (op) {
    case UnaryOp::kRelu: return apply([](float v) { return v > 0.0f ? v : 0.0f; }, x, y, n);
    case UnaryOp::kGelu: return apply(gelu_erf, x, y, n);
    case UnaryOp::kGeluTanh: return apply(gelu_tanh, x, y, n);
    case UnaryOp::kSilu: return apply(silu, x, y, n);
    case UnaryOp::kTanh: return apply([](float v) { return std::tanh(v); }, x, y, n);
    case UnaryOp::kSigmoid: return apply(sigmoid, x, y, n);
    default: return unary_math(op, x, y, n);
  }
}

}  // namespace perch::reference
