#include "perch/format/writer.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

namespace perch {

using json = nlohmann::json;

namespace {

// nlohmann's dump aborts on invalid UTF-8 in this no-exceptions build, so check first.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + static_cast<size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

}  // namespace

Result<std::vector<uint8_t>> write_perch_bytes(const std::vector<NamedTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) {
    json meta = json::object();
    for (const auto& [k, v] : metadata) {
      if (!valid_utf8(k) || !valid_utf8(v)) return invalid_argument("metadata '" + k + "': not valid UTF-8");
      meta[k] = v;
    }
    header["__metadata__"] = std::move(meta);
  }
  // Data in name order (std::string compares bytes, as the format asks).
  std::vector<const NamedTensor*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const NamedTensor* a, const NamedTensor* b) { return a->name < b->name; });
  uint64_t offset = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const NamedTensor& t = *sorted[i];
    if (t.name == "__metadata__") return invalid_argument("a tensor cannot be named __metadata__");
    if (!valid_utf8(t.name)) return invalid_argument("tensor name is not valid UTF-8");
    if (i > 0 && sorted[i - 1]->name == t.name) return invalid_argument("tensor '" + t.name + "' appears twice");
    int64_t numel = 0;
    if (!t.tensor.shape.checked_numel(std::numeric_limits<int64_t>::max() / 8, &numel))
      return invalid_argument("tensor '" + t.name + "': bad shape " + t.tensor.shape.to_string());
    const uint64_t bytes = static_cast<uint64_t>(numel) * dtype_size(t.tensor.dtype);
    if (bytes > 0 && t.tensor.data == nullptr) return invalid_argument("tensor '" + t.name + "': data is null");
    json shape = json::array();
    for (int d = 0; d < t.tensor.shape.rank(); ++d) shape.push_back(t.tensor.shape[d]);
    header[t.name] = {{"data_offsets", {offset, offset + bytes}},
                      {"dtype", dtype_safetensors_name(t.tensor.dtype)},
                      {"shape", std::move(shape)}};
    offset += bytes;
  }
  std::string text = header.dump(-1, ' ', /*ensure_ascii=*/false);
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  std::vector<uint8_t> out;
  out.reserve(8 + text.size() + offset);
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), text.begin(), text.end());
  for (const NamedTensor* t : sorted) {
    const size_t bytes = t->tensor.nbytes();
    const uint8_t* p = static_cast<const uint8_t*>(t->tensor.data);
    if (bytes) out.insert(out.end(), p, p + bytes);
  }
  return out;
}

}  // namespace perch
