// The factory of every op (one file each in this folder); graph/op_registry.cc maps names to them.
#pragma once
#include <memory>

#include "perch/core/compiler.h"
#include "perch/graph/op.h"

namespace perch::ops {

using KernelResult = Result<std::unique_ptr<Kernel>>;

KernelResult make_fully_connected(const OpBuildArgs& args);
KernelResult make_matmul(const OpBuildArgs& args);
KernelResult make_add(const OpBuildArgs& args);
KernelResult make_sub(const OpBuildArgs& args);
KernelResult make_mul(const OpBuildArgs& args);
KernelResult make_div(const OpBuildArgs& args);
KernelResult make_relu(const OpBuildArgs& args);
KernelResult make_gelu(const OpBuildArgs& args);
KernelResult make_silu(const OpBuildArgs& args);
KernelResult make_tanh(const OpBuildArgs& args);
KernelResult make_sigmoid(const OpBuildArgs& args);
KernelResult make_softmax(const OpBuildArgs& args);
KernelResult make_layer_norm(const OpBuildArgs& args);
KernelResult make_rms_norm(const OpBuildArgs& args);
KernelResult make_gather(const OpBuildArgs& args);
KernelResult make_embedding_bag(const OpBuildArgs& args);
KernelResult make_reshape(const OpBuildArgs& args);
KernelResult make_transpose(const OpBuildArgs& args);
KernelResult make_concat(const OpBuildArgs& args);
KernelResult make_slice(const OpBuildArgs& args);
KernelResult make_reduce_mean(const OpBuildArgs& args);
KernelResult make_attention(const OpBuildArgs& args);
// Added for ONNX import (docs/import-onnx.md).
KernelResult make_pow(const OpBuildArgs& args);
KernelResult make_equal(const OpBuildArgs& args);
KernelResult make_less(const OpBuildArgs& args);
KernelResult make_greater(const OpBuildArgs& args);
KernelResult make_sqrt(const OpBuildArgs& args);
KernelResult make_reciprocal(const OpBuildArgs& args);
KernelResult make_neg(const OpBuildArgs& args);
KernelResult make_abs(const OpBuildArgs& args);
KernelResult make_exp(const OpBuildArgs& args);
KernelResult make_log(const OpBuildArgs& args);
KernelResult make_erf(const OpBuildArgs& args);
KernelResult make_clip(const OpBuildArgs& args);
KernelResult make_log_softmax(const OpBuildArgs& args);
KernelResult make_reduce_sum(const OpBuildArgs& args);
KernelResult make_reduce_max(const OpBuildArgs& args);
KernelResult make_where(const OpBuildArgs& args);
KernelResult make_expand(const OpBuildArgs& args);
KernelResult make_cast(const OpBuildArgs& args);
KernelResult make_argmax(const OpBuildArgs& args);

}  // namespace perch::ops
