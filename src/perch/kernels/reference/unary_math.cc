// The math functions that came with ONNX import (Sqrt, Reciprocal, Neg, Abs, Exp, Log, Erf) and
// Clip: one plain loop each, compiled for size in wasm (wasm/wasm.cmake); the activations in
// unary.cc stay compiled for speed.
#include <cmath>

#include "perch/kernels/reference/unary.h"

namespace perch::reference {

void unary_math(UnaryOp op, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    switch (op) {
      case UnaryOp::kSqrt:
        y[i] = std::sqrt(v);
        break;
      case UnaryOp::kReciprocal:
        y[i] = 1.0f / v;
        break;
      case UnaryOp::kNeg:
        y[i] = -v;
        break;
      case UnaryOp::kAbs:
        y[i] = std::fabs(v);
        break;
      case UnaryOp::kExp:
        y[i] = std::exp(v);
        break;
      case UnaryOp::kLog:
        y[i] = std::log(v);
        break;
      case UnaryOp::kErf:
        y[i] = std::erf(v);
        break;
      default:
        y[i] = v;
        break;  // kNone; the activations are in unary.cc
    }
  }
}

void clip(const float* x, float* y, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] < lo ? lo : x[i];
    y[i] = v > hi ? hi : v;  // lo > hi gives hi everywhere, as ONNX says
  }
}

}  // namespace perch::reference
