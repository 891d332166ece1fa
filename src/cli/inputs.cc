#include "cli/inputs.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "cli/command.h"

namespace perch::cli {

Status parse_dims(const std::string& text, Shape* out) {
  Shape s;
  size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    errno = 0;
    const long long d = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno || d < 0)
      return invalid_argument("bad dimension '" + item + "' in '" + text + "'");
    if (s.rank() == kMaxRank)
      return invalid_argument("more than " + std::to_string(kMaxRank) + " dims in '" + text + "'");
    s.push_back(d);
    pos = comma + 1;
  }
  *out = s;
  return Status::ok();
}

Status parse_max_arena_bytes(const std::string& text, ModelOptions* options) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno || n == 0)
    return invalid_argument("--max-arena-bytes wants a positive byte count, got '" + text + "'");
  options->max_arena_bytes = n;
  return Status::ok();
}

namespace {

Status parse_values(const IoInfo& io, const std::string& text, std::vector<unsigned char>* bytes, int64_t* count) {
  const size_t size = dtype_size(io.dtype);
  *count = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    errno = 0;
    unsigned char buf[4];
    if (io.dtype == DType::kF32 || io.dtype == DType::kF16) {
      const float v = std::strtof(item.c_str(), &end);
      if (io.dtype == DType::kF32)
        std::memcpy(buf, &v, 4);
      else {
        const uint16_t h = f32_to_f16(v);
        std::memcpy(buf, &h, 2);
      }
    } else {
      const long long v = std::strtoll(item.c_str(), &end, 10);
      const bool fits = io.dtype == DType::kI32  ? (v >= INT32_MIN && v <= INT32_MAX)
                        : io.dtype == DType::kI8 ? (v >= -128 && v <= 127)
                                                 : (v >= 0 && v <= 255);
      if (!fits)
        return invalid_argument("input '" + io.name + "': value " + item + " does not fit " + dtype_name(io.dtype));
      const int32_t i32 = static_cast<int32_t>(v);
      const int8_t i8 = static_cast<int8_t>(v);
      if (io.dtype == DType::kI32)
        std::memcpy(buf, &i32, 4);
      else
        std::memcpy(buf, &i8, 1);
    }
    if (item.empty() || *end != '\0' || errno)
      return invalid_argument("input '" + io.name + "': '" + item + "' is not a " + dtype_name(io.dtype) + " value");
    bytes->insert(bytes->end(), buf, buf + size);
    ++*count;
    pos = comma + 1;
  }
  return Status::ok();
}

}  // namespace

Status make_input(const IoInfo& io, const std::string& spec, const Shape* shape, InputData* out) {
  int64_t count = 0;
  const size_t size = dtype_size(io.dtype);
  if (!spec.empty() && spec[0] == '@') {
    std::string error;
    if (!read_file(spec.substr(1), &out->bytes, &error)) return invalid_argument("input '" + io.name + "': " + error);
    if (out->bytes.size() % size)
      return invalid_argument("input '" + io.name + "': file has " + std::to_string(out->bytes.size()) +
                              " bytes, not a multiple of " + std::to_string(size));
    count = static_cast<int64_t>(out->bytes.size() / size);
  } else if (spec.empty()) {
    count = 0;
  } else {
    PERCH_RETURN_IF_ERROR(parse_values(io, spec, &out->bytes, &count));
  }
  Shape s;
  if (shape) {
    s = *shape;
  } else {
    // Without --shape: the declared shape with its single dynamic dim (if any) taken from the count.
    s = io.shape;
    int dynamic = -1, n_dynamic = 0;
    int64_t known = 1;
    for (int d = 0; d < s.rank(); ++d) {
      if (s[d] < 0) {
        dynamic = d;
        ++n_dynamic;
      } else
        known *= s[d];
    }
    if (n_dynamic > 1)
      return invalid_argument("input '" + io.name + "' has several dynamic dims: give --shape " + io.name + "=...");
    if (n_dynamic == 1) {
      if (known == 0 || count % known)
        return invalid_argument("input '" + io.name + "': " + std::to_string(count) + " values do not fit " +
                                io.shape.to_string());
      s[dynamic] = count / known;
    }
  }
  if (s.numel() != count)
    return invalid_argument("input '" + io.name + "': " + std::to_string(count) + " values but shape " + s.to_string() +
                            " needs " + std::to_string(s.numel()));
  out->tensor.dtype = io.dtype;
  out->tensor.shape = s;
  out->tensor.data = out->bytes.data();
  return Status::ok();
}

InputData random_input(const IoInfo& io, const Shape& shape, unsigned seed) {
  InputData in;
  in.bytes.assign(static_cast<size_t>(shape.numel()) * dtype_size(io.dtype), 0);
  if (io.dtype == DType::kF32) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    float* p = reinterpret_cast<float*>(in.bytes.data());
    for (int64_t i = 0; i < shape.numel(); ++i) p[i] = dist(rng);
  }
  in.tensor.dtype = io.dtype;
  in.tensor.shape = shape;
  in.tensor.data = in.bytes.data();
  return in;
}

}  // namespace perch::cli
