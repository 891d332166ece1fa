#include "perch/format/writer.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "perch/format/json.h"

namespace perch {

namespace {

// Names and metadata must be valid UTF-8 to be written as JSON strings unchanged.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else
      return false;
    if (i + static_cast<size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

// {"__metadata__":{...}} in the header's key order: bytewise, among the tensor names.
void append_metadata(const std::map<std::string, std::string>& metadata, std::string* out) {
  json_append_string("__metadata__", out);
  out->append(":{");
  for (const auto& [k, v] : metadata) {
    if (out->back() != '{') out->push_back(',');
    json_append_string(k, out);
    out->push_back(':');
    json_append_string(v, out);
  }
  out->push_back('}');
}

}  // namespace

Result<std::vector<uint8_t>> write_perch_bytes(const std::vector<NamedTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata) {
  for (const auto& [k, v] : metadata)
    if (!valid_utf8(k) || !valid_utf8(v)) return invalid_argument("metadata '" + k + "': not valid UTF-8");
  // Data in name order (std::string compares bytes, as the format asks); the header is one JSON
  // object, keys sorted the same way, without spaces.
  std::vector<const NamedTensor*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const NamedTensor* a, const NamedTensor* b) { return a->name < b->name; });
  const std::string kMetadataKey = "__metadata__";
  bool metadata_written = metadata.empty();
  std::string text = "{";
  uint64_t offset = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const NamedTensor& t = *sorted[i];
    if (t.name == kMetadataKey) return invalid_argument("a tensor cannot be named __metadata__");
    if (!valid_utf8(t.name)) return invalid_argument("tensor name is not valid UTF-8");
    if (i > 0 && sorted[i - 1]->name == t.name) return invalid_argument("tensor '" + t.name + "' appears twice");
    int64_t numel = 0;
    if (!t.tensor.shape.checked_numel(std::numeric_limits<int64_t>::max() / 8, &numel))
      return invalid_argument("tensor '" + t.name + "': bad shape " + t.tensor.shape.to_string());
    const uint64_t bytes = static_cast<uint64_t>(numel) * dtype_size(t.tensor.dtype);
    if (bytes > 0 && t.tensor.data == nullptr) return invalid_argument("tensor '" + t.name + "': data is null");
    if (!metadata_written && kMetadataKey < t.name) {
      if (text.size() > 1) text.push_back(',');
      append_metadata(metadata, &text);
      metadata_written = true;
    }
    if (text.size() > 1) text.push_back(',');
    json_append_string(t.name, &text);
    text.append(":{\"data_offsets\":[");
    json_append_int(static_cast<int64_t>(offset), &text);
    text.push_back(',');
    json_append_int(static_cast<int64_t>(offset + bytes), &text);
    text.append("],\"dtype\":");
    json_append_string(dtype_safetensors_name(t.tensor.dtype), &text);
    text.append(",\"shape\":[");
    for (int d = 0; d < t.tensor.shape.rank(); ++d) {
      if (d) text.push_back(',');
      json_append_int(t.tensor.shape[d], &text);
    }
    text.append("]}");
    offset += bytes;
  }
  if (!metadata_written) {
    if (text.size() > 1) text.push_back(',');
    append_metadata(metadata, &text);
  }
  text.push_back('}');
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
