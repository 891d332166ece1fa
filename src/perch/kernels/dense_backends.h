// The per-target dense factories (entries of the kernel table, kernel_table.cc); pack_dense_f32 /
// pack_dense_i8 validate the arguments and call the table's. Internal to kernels/. Each backend's
// epilogue applies the activation with reference::activation (reference/unary.h), so all agree.
#pragma once
#include "perch/kernels/dense.h"
#include "perch/kernels/kernel_table.h"

namespace perch {

kernel_fn::DenseF32 make_reference_dense_f32;
kernel_fn::DenseI8 make_reference_dense_i8;

#if defined(__EMSCRIPTEN__)
// SIMD128 micro-kernels (wasmsimd/); in wasm-baseline the same code on plain 4-float vectors.
kernel_fn::DenseF32 make_wasmsimd_dense_f32;
kernel_fn::DenseI8 make_wasmsimd_dense_i8;
#endif

#if defined(PERCH_HAVE_XNNPACK)
kernel_fn::DenseF32 make_xnnpack_dense_f32;
// XNNPACK's int8 fully-connected wants quantized activations too: the weights are dequantized to
// f32 once at pack time and run by the f32 operator (same numbers, 4x the weight memory).
kernel_fn::DenseI8 make_xnnpack_dense_i8;
#endif

}  // namespace perch
