#include "perch/kernels/reference/unary.h"

#include <cmath>

namespace perch::reference {
namespace {
// f is a lambda, so each loop inlines its function.
template <typename F>
void apply(F f, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}
}  // namespace

void unary(UnaryOp op, const float* x, float* y, int64_t n) {
  switch (op) {
    case UnaryOp::kRelu:
      return apply([](float v) { return relu(v); }, x, y, n);
    case UnaryOp::kGelu:
      return apply([](float v) { return gelu_erf(v); }, x, y, n);
    case UnaryOp::kGeluTanh:
      return apply([](float v) { return gelu_tanh(v); }, x, y, n);
    case UnaryOp::kSilu:
      return apply([](float v) { return silu(v); }, x, y, n);
    case UnaryOp::kTanh:
      return apply([](float v) { return std::tanh(v); }, x, y, n);
    case UnaryOp::kSigmoid:
      return apply([](float v) { return sigmoid(v); }, x, y, n);
    default:
      return unary_math(op, x, y, n);
  }
}

}  // namespace perch::reference
