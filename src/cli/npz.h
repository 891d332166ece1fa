// numpy .npz files (a zip of .npy arrays, stored or deflated) for `perch run --inputs-npz /
// --outputs-npz`. Reading checks every offset and size against the file; a bad file is a clear
// error, never an out-of-bounds read.
#pragma once
#include <string>
#include <vector>

#include "perch/core/status.h"
#include "perch/core/tensor.h"

namespace perch::cli {

struct NpyArray {
  std::string name;   // the member name without ".npy"
  std::string descr;  // numpy's dtype string: "<f4", "<i8", "|b1", ...
  Shape shape;
  std::vector<unsigned char> data;  // raw little-endian elements, C order
};

Status read_npz(const std::string& path, std::vector<NpyArray>* out);
// Converts to perch dtype `want` where exact or safe: the same type, int64 -> i32 when every
// value fits, bool -> u8, float64 -> f32. The error names the array.
Status npy_to_tensor(const NpyArray& a, DType want, std::vector<unsigned char>* bytes, Shape* shape);
// Writes the tensors as an uncompressed .npz (what np.load reads).
Status write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays);

}  // namespace perch::cli
