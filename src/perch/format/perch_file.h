// PerchFile: the validated contents of a .perch (safetensors) file's header: every tensor's
// dtype, shape and byte range, and the `__metadata__` string map. Tensor bytes stay in the
// caller's buffer; `data` points at them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "perch/core/dtype.h"
#include "perch/core/shape.h"

namespace perch {

// The only format version this build reads and writes (metadata "perch.format").
constexpr const char* kPerchFormatVersion = "1";

struct TensorEntry {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  uint64_t begin = 0;  // byte offsets into the data section, [begin, end)
  uint64_t end = 0;
};

struct PerchFile {
  std::vector<TensorEntry> tensors;  // sorted by name (UTF-8 byte order)
  std::map<std::string, std::string> metadata;
  const uint8_t* data = nullptr;  // the data section: 8 + header length bytes into the file
  size_t data_size = 0;

  const TensorEntry* find(const std::string& name) const;
  const void* bytes_of(const TensorEntry& t) const { return data + t.begin; }
};

}  // namespace perch
