#include "perch/graph/ops/op_kernel.h"

#include <new>

namespace perch::ops {

Status OpKernel::shape_error(const std::string& message) const {
  return invalid_argument(std::string(name_) + ": " + message);
}

Status OpKernel::dtype_error(int input, const char* want, DType got) const {
  return invalid_argument(std::string(name_) + ": input " + std::to_string(input) + " must be " + want + ", got " +
                          dtype_name(got));
}

Status OpKernel::check_run(const RunContext& ctx, const Tensor* in, int n_in, const Tensor* out, int n_out) const {
  if (n_in > kMaxOpInputs || n_out != 1) return internal_error(std::string(name_) + ": bad input/output count at run");
  if (ctx.shapes_checked) return Status::ok();
  // Only the n_in entries infer reads are built: a ValueInfo[kMaxOpInputs] (64 x 72 bytes) was
  // zero-initialized on every run of every op, a tenth of a language-detector call.
  union Infos {
    Infos() {}
    ValueInfo v[kMaxOpInputs];
  } vin;
  for (int i = 0; i < n_in; ++i) new (&vin.v[i]) ValueInfo{in[i].dtype, in[i].shape, nullptr};
  ValueInfo vout;
  PERCH_RETURN_IF_ERROR(infer(vin.v, n_in, &vout, 1));
  if (vout.dtype != out[0].dtype || vout.shape != out[0].shape)
    return internal_error(std::string(name_) + ": output is " + dtype_name(out[0].dtype) + " " +
                          out[0].shape.to_string() + " but the inputs give " + dtype_name(vout.dtype) + " " +
                          vout.shape.to_string());
  if (out[0].data == nullptr && out[0].shape.numel() > 0)
    return internal_error(std::string(name_) + ": output has no memory");
  return Status::ok();
}

}  // namespace perch::ops
