// SIMD128 versions of the row kernels (entries of the fast kernel table in wasm SIMD builds,
// kernels/kernel_table.cc). Each has the kernel table's signature of its name, and the semantics
// of the function of the same name in kernels/reference/; tests/cpp/kernel_table_test.cc compares them.
#pragma once
#include "perch/kernels/kernel_table.h"

namespace perch::wasmsimd {

kernel_fn::EmbeddingBagF32 embedding_bag_f32;
kernel_fn::EmbeddingBagI8 embedding_bag_i8;
kernel_fn::LayerNormRows layer_norm_rows;
kernel_fn::RmsNormRows rms_norm_rows;
// Within ~2 ulp of the reference per exp (a polynomial exp), sums in 4 lanes (softmax.cc).
kernel_fn::SoftmaxRows softmax_rows;

}  // namespace perch::wasmsimd
