// The elementwise f32 functions, one enum for both places they run: the unary ops (Relu, Gelu,
// Sqrt, ...: kernels/reference/unary.h) and a dense layer's fused activation (dense.h accepts
// kNone through kSilu). Their scalar definitions are in kernels/reference/unary.h.
#pragma once

namespace perch {

enum class UnaryOp {
  kNone,  // identity: a dense layer without activation
  kRelu,
  kGelu,
  kGeluTanh,
  kSilu,  // the dense activations end here
  kTanh,
  kSigmoid,
  kSqrt,
  kReciprocal,
  kNeg,
  kAbs,
  kExp,
  kLog,
  kErf
};

}  // namespace perch
