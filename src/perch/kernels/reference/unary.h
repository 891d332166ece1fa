// Elementwise f32 functions: activations (Relu, Gelu, Silu, Tanh, Sigmoid), math (Sqrt,
// Reciprocal, Neg, Abs, Exp, Log, Erf) and Clip.
#pragma once
#include <cstdint>

namespace perch::reference {

enum class UnaryOp {
  kRelu, kGelu, kGeluTanh, kSilu, kTanh, kSigmoid,
  kSqrt, kReciprocal, kNeg, kAbs, kExp, kLog, kErf
};

float gelu_erf(float x);   // 0.5 x (1 + erf(x / sqrt 2))
float gelu_tanh(float x);  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
float silu(float x);       // x * sigmoid(x)
float sigmoid(float x);

// y[i] = op(x[i]) for i < n; y may equal x.
void unary(UnaryOp op, const float* x, float* y, int64_t n);
// The math ops of UnaryOp (kSqrt ... kErf), in unary_math.cc; unary() forwards them here.
void unary_math(UnaryOp op, const float* x, float* y, int64_t n);
// y[i] = min(max(x[i], lo), hi); NaN stays NaN.
void clip(const float* x, float* y, int64_t n, float lo, float hi);

}  // namespace perch::reference
