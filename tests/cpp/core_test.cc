#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "perch/core/dtype.h"
#include "perch/core/shape.h"
#include "perch/core/status.h"
#include "perch/core/tensor.h"

using namespace perch;

TEST_CASE("f16 round trip matches the f32 value for representable numbers", "[core]") {
  const float values[] = {0.f, -0.f, 1.f, -2.5f, 65504.f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f};
  for (float v : values) {
    const float back = f16_to_f32(f32_to_f16(v));
    REQUIRE(back == v);
    REQUIRE(std::signbit(back) == std::signbit(v));
  }
  REQUIRE(std::isinf(f16_to_f32(f32_to_f16(1e6f))));
  REQUIRE(std::isnan(f16_to_f32(f32_to_f16(NAN))));
  // Round to nearest even: 1 + 2^-11 is exactly half-way between 1 and 1 + 2^-10.
  REQUIRE(f16_to_f32(f32_to_f16(1.f + 1.f / 2048)) == 1.f);
  REQUIRE(f16_to_f32(f32_to_f16(1.f + 3.f / 2048)) == 1.f + 2.f / 1024);
}

TEST_CASE("every f16 bit pattern survives f16 -> f32 -> f16", "[core]") {
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    REQUIRE(f32_to_f16(f) == h);
  }
}

TEST_CASE("Shape counts elements and rejects overflow", "[core]") {
  Shape s{2, 3, 4};
  REQUIRE(s.rank() == 3);
  REQUIRE(s.numel() == 24);
  REQUIRE(s.dim(-1) == 4);
  REQUIRE(s.to_string() == "[2, 3, 4]");
  int64_t n = 0;
  REQUIRE(s.checked_numel(1 << 20, &n));
  REQUIRE(n == 24);
  Shape huge{int64_t(1) << 40, int64_t(1) << 40};
  REQUIRE_FALSE(huge.checked_numel(INT64_MAX, &n));
  Shape negative{2, -1};
  REQUIRE_FALSE(negative.checked_numel(INT64_MAX, &n));
  Shape scalar;
  REQUIRE(scalar.numel() == 1);
}

TEST_CASE("dtype names parse in both spellings", "[core]") {
  DType t;
  REQUIRE(parse_dtype("F32", &t));
  REQUIRE(t == DType::kF32);
  REQUIRE(parse_dtype("i8", &t));
  REQUIRE(t == DType::kI8);
  REQUIRE_FALSE(parse_dtype("F64", &t));
}

TEST_CASE("Status carries code and message", "[core]") {
  Status s = invalid_model("tensor 'w': bad");
  REQUIRE_FALSE(s.is_ok());
  REQUIRE(s.to_string() == "InvalidModel: tensor 'w': bad");
  Result<int> r = 7;
  REQUIRE(r.is_ok());
  REQUIRE(r.value() == 7);
  Result<int> e = out_of_range("no");
  REQUIRE(e.status().code() == StatusCode::kOutOfRange);
}

TEST_CASE("AlignedBuffer is 64-byte aligned", "[core]") {
  AlignedBuffer b(1000);
  REQUIRE(b.ok());
  REQUIRE(reinterpret_cast<uintptr_t>(b.data()) % 64 == 0);
  std::memset(b.data(), 1, b.size());
}
