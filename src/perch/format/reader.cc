#include "perch/format/reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "perch/format/json.h"

namespace perch {

const TensorEntry* PerchFile::find(const std::string& name) const {
  auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                             [](const TensorEntry& t, const std::string& n) { return t.name < n; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Non-negative JSON integer that fits int64; false otherwise.
bool get_nonneg_int(const JsonValue& v, int64_t* out) {
  if (!v.is_int64() || v.as_int64() < 0) return false;
  *out = v.as_int64();
  return true;
}

Status parse_tensor(const std::string& name, const JsonValue& e, size_t data_size, TensorEntry* t) {
  const std::string where = "tensor " + quoted(name) + ": ";
  if (!e.is_object()) return invalid_model(where + "entry is not a JSON object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!e.contains(field)) return invalid_model(where + "missing field '" + field + "'");
  t->name = name;

  const JsonValue& dt = *e.find("dtype");
  if (!dt.is_string()) return invalid_model(where + "field 'dtype' is not a string");
  const std::string& dts = dt.as_string();
  // The file spells dtypes the safetensors way (upper case) only.
  if (!parse_dtype(dts, &t->dtype) || dts != dtype_safetensors_name(t->dtype))
    return invalid_model(where + "unknown dtype '" + dts + "' (supported: F32 F16 I32 I8 U8)");

  const JsonValue& sh = *e.find("shape");
  if (!sh.is_array()) return invalid_model(where + "field 'shape' is not an array");
  if (sh.size() > static_cast<size_t>(kMaxRank))
    return invalid_model(where + "shape has rank " + std::to_string(sh.size()) + ", more than " +
                         std::to_string(kMaxRank));
  Shape shape;
  for (size_t i = 0; i < sh.size(); ++i) {
    const JsonValue& d = sh[i];
    if (!d.is_integer()) return invalid_model(where + "shape[" + std::to_string(i) + "] is not an integer");
    if (!d.is_int64() || d.as_int64() < 0)
      return invalid_model(where + "shape[" + std::to_string(i) + "] = " + to_json_text(d) +
                           " is negative or too large");
    shape.push_back(d.as_int64());
  }
  t->shape = shape;
  int64_t numel = 0;
  const int64_t limit = std::numeric_limits<int64_t>::max() / 8;
  if (!shape.checked_numel(limit, &numel))
    return invalid_model(where + "shape " + shape.to_string() + " has too many elements (overflow)");

  const JsonValue& off = *e.find("data_offsets");
  int64_t b = 0, en = 0;
  if (!off.is_array() || off.size() != 2 || !get_nonneg_int(off[0], &b) || !get_nonneg_int(off[1], &en))
    return invalid_model(where + "field 'data_offsets' must be [begin, end] of non-negative integers");
  if (b > en)
    return invalid_model(where + "data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                         ") end before they begin");
  if (static_cast<uint64_t>(en) > data_size)
    return invalid_model(where + "data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                         ") run past the end of the data (" + std::to_string(data_size) + " bytes)");
  const uint64_t need = static_cast<uint64_t>(numel) * dtype_size(t->dtype);
  if (static_cast<uint64_t>(en - b) != need)
    return invalid_model(where + "data_offsets span " + std::to_string(en - b) + " bytes but shape " +
                         shape.to_string() + " of " + dts + " needs " + std::to_string(need));
  t->begin = static_cast<uint64_t>(b);
  t->end = static_cast<uint64_t>(en);
  return Status::ok();
}

}  // namespace

Result<PerchFile> read_perch_file(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr && size != 0) return invalid_argument("model bytes are null");
  if (size < 8)
    return invalid_model("file is " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxHeaderBytes)
    return invalid_model("header length " + std::to_string(n) + " is absurd (limit " + std::to_string(kMaxHeaderBytes) +
                         " bytes)");
  if (n > size - 8)
    return invalid_model("header length " + std::to_string(n) + " runs past the end of the file (" +
                         std::to_string(size) + " bytes)");
  if (n < 2) return invalid_model("header length " + std::to_string(n) + " is too short for a JSON object");
  const std::string_view text(reinterpret_cast<const char*>(bytes + 8), static_cast<size_t>(n));
  JsonValue header;
  JsonParseError error;
  if (!parse_json(text, &header, &error)) {
    if (error.too_deep)
      return invalid_model("header JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return invalid_model("header is not valid JSON: " + error.describe());
  }
  if (!header.is_object()) return invalid_model("header is not a JSON object");

  PerchFile file;
  file.data = bytes + 8 + n;
  file.data_size = size - 8 - static_cast<size_t>(n);
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& key = header.key(i);
    const JsonValue& value = header[i];
    if (key == "__metadata__") {
      if (value.is_null()) continue;
      if (!value.is_object()) return invalid_model("__metadata__ is not a JSON object");
      for (size_t m = 0; m < value.size(); ++m) {
        if (!value[m].is_string()) return invalid_model("metadata '" + value.key(m) + "': value is not a string");
        file.metadata.emplace(value.key(m), value[m].as_string());
      }
      continue;
    }
    TensorEntry t;
    PERCH_RETURN_IF_ERROR(parse_tensor(key, value, file.data_size, &t));
    file.tensors.push_back(std::move(t));
  }
  // By name, bytewise (find() searches them; the checks below report in this order).
  std::sort(file.tensors.begin(), file.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });

  // Tensors must tile the data section exactly: no overlap, no hole, nothing left over.
  std::vector<const TensorEntry*> by_offset;
  by_offset.reserve(file.tensors.size());
  for (const auto& t : file.tensors) by_offset.push_back(&t);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t pos = 0;
  const TensorEntry* prev = nullptr;
  for (const TensorEntry* t : by_offset) {
    if (t->begin < pos)
      return invalid_model("tensors '" + prev->name + "' [" + std::to_string(prev->begin) + ", " +
                           std::to_string(prev->end) + ") and '" + t->name + "' [" + std::to_string(t->begin) + ", " +
                           std::to_string(t->end) + ") overlap");
    if (t->begin > pos)
      return invalid_model("hole of " + std::to_string(t->begin - pos) + " bytes in the data before tensor '" +
                           t->name + "' (offset " + std::to_string(pos) + ")");
    pos = t->end;
    if (t->end > t->begin) prev = t;
  }
  if (pos != file.data_size)
    return invalid_model(std::to_string(file.data_size - pos) + " bytes of data after the last tensor (offset " +
                         std::to_string(pos) + ") belong to no tensor");

  // Quantized weights: every I8 tensor W carries W.scale, F32, one scale per row.
  for (const TensorEntry& t : file.tensors) {
    if (t.dtype != DType::kI8) continue;
    const TensorEntry* s = file.find(t.name + ".scale");
    if (s == nullptr) return invalid_model("tensor '" + t.name + "' is I8 but has no companion '" + t.name + ".scale'");
    const int64_t rows = t.shape.rank() > 0 ? t.shape[0] : 1;
    if (s->dtype != DType::kF32 || s->shape.rank() != 1 || s->shape[0] != rows)
      return invalid_model("tensor '" + s->name + "': " + dtype_safetensors_name(s->dtype) + " " +
                           s->shape.to_string() + " but '" + t.name + "' " + t.shape.to_string() + " needs F32 [" +
                           std::to_string(rows) + "]");
  }

  auto fmt = file.metadata.find("perch.format");
  if (fmt != file.metadata.end() && fmt->second != kPerchFormatVersion)
    return unsupported("perch.format '" + fmt->second + "' is not supported (this build reads '" + kPerchFormatVersion +
                       "')");
  return file;
}

}  // namespace perch
