// Parses a .perch / safetensors file and validates every header field against the bytes:
// lengths, JSON types, dtypes, shapes (overflow included), offsets, overlaps, holes, metadata.
// Each failure names the tensor and field at fault. Graph checks live in graph/graph.h.
#pragma once
#include <cstddef>
#include <cstdint>

#include "perch/core/status.h"
#include "perch/format/perch_file.h"

namespace perch {

// Header JSON larger than this is rejected as absurd (real headers are a few hundred KB).
constexpr uint64_t kMaxHeaderBytes = uint64_t(256) << 20;

// `bytes` must outlive the result (PerchFile::data points into it).
Result<PerchFile> read_perch_file(const uint8_t* bytes, size_t size);

}  // namespace perch
