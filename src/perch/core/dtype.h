// DType: the element types a tensor can hold. f16 is storage only (converted on load/use).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace perch {

enum class DType : uint8_t { kF32 = 0, kF16 = 1, kI32 = 2, kI8 = 3, kU8 = 4 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32:
      return 4;
    case DType::kF16:
      return 2;
    case DType::kI32:
      return 4;
    case DType::kI8:
      return 1;
    case DType::kU8:
      return 1;
  }
  return 0;
}

// Graph spelling: "f32" "f16" "i32" "i8" "u8".
const char* dtype_name(DType t);
// safetensors spelling: "F32" "F16" "I32" "I8" "U8".
const char* dtype_safetensors_name(DType t);
// Accept either spelling; false when unknown.
bool parse_dtype(std::string_view name, DType* out);

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);  // round to nearest even

}  // namespace perch
