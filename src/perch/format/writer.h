// Writes the canonical .perch bytes (docs/model-format.md): sorted keys, compact JSON, raw
// UTF-8, tensors contiguous in name order, header padded with spaces to 8 bytes. Byte-identical
// to tools/perch_format.py for the same tensors and metadata.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "perch/core/status.h"
#include "perch/core/tensor.h"

namespace perch {

struct NamedTensor {
  std::string name;
  Tensor tensor;  // data: shape.numel() * dtype_size bytes, little-endian
};

Result<std::vector<uint8_t>> write_perch_bytes(const std::vector<NamedTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata);

}  // namespace perch
