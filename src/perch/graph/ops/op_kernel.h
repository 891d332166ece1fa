// OpKernel: the base of every op's Kernel. It keeps the op's name for messages and checks, at the
// start of each run, that the tensors handed in match what infer() says (so a kernel never reads
// or writes past a buffer because a caller passed inconsistent shapes).
#pragma once
#include <string>

#include "perch/graph/op.h"
#include "perch/kernels/kernel_table.h"

namespace perch::ops {

constexpr int kMaxOpInputs = 64;

class OpKernel : public Kernel {
 protected:
  // kernel: the name of the kernel the op runs (a kernel table entry's, or kReferenceKernel).
  explicit OpKernel(const char* name, const char* kernel = kReferenceKernel) : Kernel(kernel), name_(name) {}

  // Re-infers from the actual inputs; outputs must have the inferred dtype and shape, and every
  // present input and non-empty output must have data. Skipped when ctx.shapes_checked (the
  // session inferred these outputs from these inputs itself).
  Status check_run(const RunContext& ctx, const Tensor* in, int n_in, const Tensor* out, int n_out) const;
  // InvalidArgument "<op>: <message>".
  Status shape_error(const std::string& message) const;
  // "<op>: input <i> must be f32, got i8"
  Status dtype_error(int input, const char* want, DType got) const;

  const char* name_;
};

}  // namespace perch::ops
