// Elementwise f32 functions: activations (Relu, Gelu, Silu, Tanh, Sigmoid), math (Sqrt,
// Reciprocal, Neg, Abs, Exp, Log, Erf) and Clip. The scalar activations are defined here, inline,
// once: the unary kernel and every dense backend's epilogue (activation()) call them, so all agree.
#pragma once
#include <cmath>
#include <cstdint>

#include "perch/kernels/unary_op.h"

namespace perch::reference {

inline float relu(float x) { return x > 0.0f ? x : 0.0f; }
// 0.5 x (1 + erf(x / sqrt 2))
inline float gelu_erf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
inline float gelu_tanh(float x) {
  const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + std::tanh(inner));
}
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float silu(float x) { return x * sigmoid(x); }  // x * sigmoid(x)

// A dense layer's activation (kNone ... kSilu) of one value; other ops give v unchanged.
inline float activation(UnaryOp act, float v) {
  switch (act) {
    case UnaryOp::kRelu:
      return relu(v);
    case UnaryOp::kGelu:
      return gelu_erf(v);
    case UnaryOp::kGeluTanh:
      return gelu_tanh(v);
    case UnaryOp::kSilu:
      return silu(v);
    default:
      return v;
  }
}

// y[i] = op(x[i]) for i < n; y may equal x.
void unary(UnaryOp op, const float* x, float* y, int64_t n);
// The math ops of UnaryOp (kSqrt ... kErf), in unary_math.cc; unary() forwards them here.
void unary_math(UnaryOp op, const float* x, float* y, int64_t n);
// y[i] = min(max(x[i], lo), hi); NaN stays NaN. y may equal x.
void clip(const float* x, float* y, int64_t n, float lo, float hi);

}  // namespace perch::reference
