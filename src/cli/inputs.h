// Parsing of model inputs given on the command line (run, bench): `name=@file.bin` (raw
// little-endian bytes of the input's dtype), `name=1,2,3` (values), `--shape name=2,3`.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "perch/core/status.h"
#include "perch/core/tensor.h"
#include "perch/runtime/model.h"

namespace perch::cli {

struct InputData {
  Tensor tensor;  // data points into bytes
  std::vector<unsigned char> bytes;
};

// "2,3" -> {2, 3}
Status parse_dims(const std::string& text, Shape* out);
// "--max-arena-bytes N": N a positive byte count (ModelOptions::max_arena_bytes).
Status parse_max_arena_bytes(const std::string& text, ModelOptions* options);
// Builds the input named `io.name` from its value spec ("@file" or "1,2,3") and optional shape.
Status make_input(const IoInfo& io, const std::string& spec, const Shape* shape, InputData* out);
// Random input of the given shape: floats in [-1, 1), integers all 0 (valid ids and offsets).
InputData random_input(const IoInfo& io, const Shape& shape, unsigned seed);

}  // namespace perch::cli
