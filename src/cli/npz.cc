#include "cli/npz.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>

#include "cli/command.h"

namespace perch::cli {
namespace {

uint32_t u16(const unsigned char* p) { return p[0] | (p[1] << 8); }
uint32_t u32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24); }
uint64_t u64(const unsigned char* p) { return u32(p) | (uint64_t(u32(p + 4)) << 32); }

Status bad(const std::string& path, const std::string& what) {
  return invalid_argument("'" + path + "' is not a readable .npz: " + what);
}

// Parses a .npy member: magic, version, header dict {'descr', 'fortran_order', 'shape'}.
Status parse_npy(const std::string& path, const std::string& member, const unsigned char* p, size_t n, NpyArray* out) {
  const std::string where = "member '" + member + "'";
  if (n < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) return bad(path, where + " is not a .npy array");
  const int major = p[6];
  size_t hlen, pos;
  if (major == 1) {
    hlen = u16(p + 8);
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (n < 12) return bad(path, where + " is truncated");
    hlen = u32(p + 8);
    pos = 12;
  } else {
    return bad(path, where + " has .npy version " + std::to_string(major));
  }
  if (hlen > n - pos) return bad(path, where + ": header runs past the member");
  const std::string h(reinterpret_cast<const char*>(p + pos), hlen);
  pos += hlen;
  auto value_of = [&](const char* key) -> std::string {
    const size_t k = h.find(std::string("'") + key + "'");
    if (k == std::string::npos) return "";
    size_t c = h.find(':', k);
    if (c == std::string::npos) return "";
    ++c;
    while (c < h.size() && h[c] == ' ') ++c;
    size_t e = c;
    if (c < h.size() && (h[c] == '\'' || h[c] == '(')) {
      const char close = h[c] == '\'' ? '\'' : ')';
      e = h.find(close, c + 1);
      if (e == std::string::npos) return "";
      return h.substr(c, e - c + 1);
    }
    while (e < h.size() && h[e] != ',' && h[e] != '}') ++e;
    return h.substr(c, e - c);
  };
  std::string descr = value_of("descr"), fortran = value_of("fortran_order"), shape = value_of("shape");
  if (descr.size() < 3 || shape.size() < 2) return bad(path, where + ": header lacks 'descr' or 'shape'");
  if (fortran != "False") return bad(path, where + " is in Fortran order (save it C-contiguous)");
  out->descr = descr.substr(1, descr.size() - 2);
  Shape s;
  const std::string dims = shape.substr(1, shape.size() - 2);
  size_t i = 0;
  while (i < dims.size()) {
    while (i < dims.size() && (dims[i] == ' ' || dims[i] == ',')) ++i;
    if (i >= dims.size()) break;
    size_t j = i;
    while (j < dims.size() && dims[j] >= '0' && dims[j] <= '9') ++j;
    if (j == i || j - i > 12) return bad(path, where + ": bad shape " + shape);
    if (s.rank() == kMaxRank) return bad(path, where + ": more than " + std::to_string(kMaxRank) + " dims");
    s.push_back(std::stoll(dims.substr(i, j - i)));
    i = j;
  }
  int64_t numel;
  if (!s.checked_numel(int64_t{1} << 31, &numel)) return bad(path, where + ": shape " + shape + " is too large");
  const std::string& d = out->descr;
  size_t esize = 0;
  if (d.size() >= 3 && (d[0] == '<' || d[0] == '|' || d[0] == '='))
    esize = static_cast<size_t>(std::atoi(d.c_str() + 2));
  if (esize == 0 || esize > 8)
    return bad(path, where + ": dtype '" + d + "' is not supported (little-endian numbers only)");
  if (static_cast<uint64_t>(numel) * esize != n - pos)
    return bad(path, where + ": " + std::to_string(n - pos) + " data bytes for shape " + s.to_string() + " of " + d);
  out->shape = s;
  out->data.assign(p + pos, p + n);
  return Status::ok();
}

}  // namespace

Status read_npz(const std::string& path, std::vector<NpyArray>* out) {
  std::vector<unsigned char> f;
  std::string error;
  if (!read_file(path, &f, &error)) return invalid_argument(error);
  // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
  if (f.size() < 22) return bad(path, "shorter than a zip end record");
  size_t eocd = std::string::npos;
  const size_t lowest = f.size() > 65557 ? f.size() - 65557 : 0;
  for (size_t i = f.size() - 22 + 1; i-- > lowest;)
    if (u32(&f[i]) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) return bad(path, "no zip end record");
  uint64_t entries = u16(&f[eocd + 10]), cd_size = u32(&f[eocd + 12]), cd_off = u32(&f[eocd + 16]);
  // zip64: the locator sits just before the end record and points at the zip64 end record.
  if ((cd_off == 0xFFFFFFFFu || entries == 0xFFFF) && eocd >= 20 && u32(&f[eocd - 20]) == 0x07064b50) {
    const uint64_t z = u64(&f[eocd - 12]);
    if (z > f.size() || f.size() - z < 56 || u32(&f[z]) != 0x06064b50) return bad(path, "bad zip64 end record");
    entries = u64(&f[z + 32]);
    cd_size = u64(&f[z + 40]);
    cd_off = u64(&f[z + 48]);
  }
  if (cd_off > f.size() || cd_size > f.size() - cd_off) return bad(path, "central directory outside the file");
  size_t pos = cd_off;
  const size_t cd_end = cd_off + cd_size;
  out->clear();
  for (uint64_t e = 0; e < entries; ++e) {
    if (cd_end - pos < 46 || u32(&f[pos]) != 0x02014b50) return bad(path, "bad central directory entry");
    const size_t entry = pos;
    const uint32_t method = u16(&f[pos + 10]);
    uint64_t csize = u32(&f[pos + 20]), usize = u32(&f[pos + 24]);
    const size_t name_len = u16(&f[pos + 28]), extra_len = u16(&f[pos + 30]), comment_len = u16(&f[pos + 32]);
    uint64_t local = u32(&f[pos + 42]);
    if (cd_end - pos - 46 < name_len + extra_len + comment_len)
      return bad(path, "central directory entry runs past its end");
    const std::string name(reinterpret_cast<const char*>(&f[pos + 46]), name_len);
    // zip64 extra field: the 0xFFFFFFFF fields, in order usize, csize, local.
    size_t x = pos + 46 + name_len;
    const size_t x_end = x + extra_len;
    while (x + 4 <= x_end) {
      const uint32_t id = u16(&f[x]), len = u16(&f[x + 2]);
      if (x + 4 + len > x_end) break;
      if (id == 1) {
        size_t y = x + 4;
        auto take = [&](uint64_t* v) {
          if (*v == 0xFFFFFFFFu && y + 8 <= x + 4 + len) {
            *v = u64(&f[y]);
            y += 8;
          }
        };
        take(&usize);
        take(&csize);
        take(&local);
      }
      x += 4 + len;
    }
    pos += 46 + name_len + extra_len + comment_len;
    if (local > f.size() || f.size() - local < 30 || u32(&f[local]) != 0x04034b50)
      return bad(path, "member '" + name + "': bad local header");
    const uint64_t data = local + 30 + u16(&f[local + 26]) + u16(&f[local + 28]);
    if (data > f.size() || csize > f.size() - data)
      return bad(path, "member '" + name + "' runs past the end of the file");
    if (usize > (uint64_t{1} << 33)) return bad(path, "member '" + name + "' is too large");
    std::vector<unsigned char> raw;
    if (method == 0) {
      if (csize != usize) return bad(path, "member '" + name + "': stored sizes differ");
      raw.assign(f.begin() + static_cast<std::ptrdiff_t>(data), f.begin() + static_cast<std::ptrdiff_t>(data + csize));
    } else if (method == 8) {
      raw.resize(static_cast<size_t>(usize));
      z_stream zs{};
      if (inflateInit2(&zs, -15) != Z_OK) return internal_error("zlib inflateInit2 failed");
      zs.next_in = const_cast<unsigned char*>(&f[data]);
      zs.avail_in = static_cast<uInt>(csize);
      zs.next_out = raw.data();
      zs.avail_out = static_cast<uInt>(usize);
      const int rc = inflate(&zs, Z_FINISH);
      const uint64_t produced = zs.total_out;
      inflateEnd(&zs);
      if (rc != Z_STREAM_END || produced != usize) return bad(path, "member '" + name + "' does not inflate");
    } else {
      return bad(path, "member '" + name + "' uses compression method " + std::to_string(method));
    }
    if (crc32(0L, raw.data(), static_cast<uInt>(raw.size())) != u32(&f[entry + 16]))
      return bad(path, "member '" + name + "' fails its CRC check");
    NpyArray a;
    a.name = name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0 ? name.substr(0, name.size() - 4) : name;
    PERCH_RETURN_IF_ERROR(parse_npy(path, name, raw.data(), raw.size(), &a));
    out->push_back(std::move(a));
  }
  return Status::ok();
}

Status npy_to_tensor(const NpyArray& a, DType want, std::vector<unsigned char>* bytes, Shape* shape) {
  const std::string& d = a.descr.substr(1);
  const std::string from = a.descr;
  const int64_t n = a.shape.numel();
  *shape = a.shape;
  auto same = [&](const char* code) { return d == code; };
  const bool exact = (want == DType::kF32 && same("f4")) || (want == DType::kF16 && same("f2")) ||
                     (want == DType::kI32 && same("i4")) || (want == DType::kI8 && same("i1")) ||
                     (want == DType::kU8 && (same("u1") || same("b1")));
  if (exact) {
    *bytes = a.data;
    return Status::ok();
  }
  bytes->resize(static_cast<size_t>(n) * dtype_size(want));
  if (want == DType::kI32 && same("i8")) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v;
      std::memcpy(&v, &a.data[static_cast<size_t>(i) * 8], 8);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
        return invalid_argument("input '" + a.name + "': int64 value " + std::to_string(v) + " at " +
                                std::to_string(i) + " does not fit the model's i32");
      const int32_t w = static_cast<int32_t>(v);
      std::memcpy(&(*bytes)[static_cast<size_t>(i) * 4], &w, 4);
    }
    return Status::ok();
  }
  if (want == DType::kF32 && same("f8")) {
    for (int64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, &a.data[static_cast<size_t>(i) * 8], 8);
      const float w = static_cast<float>(v);
      std::memcpy(&(*bytes)[static_cast<size_t>(i) * 4], &w, 4);
    }
    return Status::ok();
  }
  return invalid_argument("input '" + a.name + "': numpy dtype '" + from + "' cannot feed the model's " +
                          dtype_name(want) + " input");
}

namespace {

void put16(std::vector<unsigned char>* b, uint32_t v) {
  b->push_back(v & 0xFF);
  b->push_back((v >> 8) & 0xFF);
}
void put32(std::vector<unsigned char>* b, uint32_t v) {
  put16(b, v & 0xFFFF);
  put16(b, v >> 16);
}

const char* npy_descr(DType t) {
  switch (t) {
    case DType::kF32:
      return "<f4";
    case DType::kF16:
      return "<f2";
    case DType::kI32:
      return "<i4";
    case DType::kI8:
      return "|i1";
    case DType::kU8:
      return "|u1";
  }
  return "";
}

}  // namespace

Status write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays) {
  std::vector<unsigned char> zip, central;
  for (const auto& [name, t] : arrays) {
    std::string shape = "(";
    for (int i = 0; i < t.shape.rank(); ++i)
      shape += std::to_string(t.shape[i]) + (t.shape.rank() == 1 ? ",)" : i + 1 < t.shape.rank() ? ", " : ")");
    if (t.shape.rank() == 0) shape += ")";
    std::string header =
        std::string("{'descr': '") + npy_descr(t.dtype) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::vector<unsigned char> npy = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    put16(&npy, static_cast<uint32_t>(header.size()));
    npy.insert(npy.end(), header.begin(), header.end());
    const auto* p = static_cast<const unsigned char*>(t.data);
    npy.insert(npy.end(), p, p + t.nbytes());
    if (npy.size() > 0xFFFFFFF0u || zip.size() > 0xFFFFFFF0u)
      return invalid_argument("outputs too large for a plain zip");
    const std::string member = name + ".npy";
    const uint32_t crc = static_cast<uint32_t>(crc32(0L, npy.data(), static_cast<uInt>(npy.size())));
    const uint32_t offset = static_cast<uint32_t>(zip.size());
    // Local header, stored.
    put32(&zip, 0x04034b50);
    put16(&zip, 20);
    put16(&zip, 0);
    put16(&zip, 0);
    put16(&zip, 0);
    put16(&zip, 0x21);
    put32(&zip, crc);
    put32(&zip, static_cast<uint32_t>(npy.size()));
    put32(&zip, static_cast<uint32_t>(npy.size()));
    put16(&zip, static_cast<uint32_t>(member.size()));
    put16(&zip, 0);
    zip.insert(zip.end(), member.begin(), member.end());
    zip.insert(zip.end(), npy.begin(), npy.end());
    put32(&central, 0x02014b50);
    put16(&central, 20);
    put16(&central, 20);
    put16(&central, 0);
    put16(&central, 0);
    put16(&central, 0);
    put16(&central, 0x21);
    put32(&central, crc);
    put32(&central, static_cast<uint32_t>(npy.size()));
    put32(&central, static_cast<uint32_t>(npy.size()));
    put16(&central, static_cast<uint32_t>(member.size()));
    put16(&central, 0);
    put16(&central, 0);
    put16(&central, 0);
    put16(&central, 0);
    put32(&central, 0);
    put32(&central, offset);
    central.insert(central.end(), member.begin(), member.end());
  }
  const uint32_t cd_off = static_cast<uint32_t>(zip.size());
  zip.insert(zip.end(), central.begin(), central.end());
  put32(&zip, 0x06054b50);
  put16(&zip, 0);
  put16(&zip, 0);
  put16(&zip, static_cast<uint32_t>(arrays.size()));
  put16(&zip, static_cast<uint32_t>(arrays.size()));
  put32(&zip, static_cast<uint32_t>(central.size()));
  put32(&zip, cd_off);
  put16(&zip, 0);
  std::FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) return invalid_argument("cannot write '" + path + "'");
  const bool ok = std::fwrite(zip.data(), 1, zip.size(), fp) == zip.size();
  if (std::fclose(fp) != 0 || !ok) return invalid_argument("cannot write '" + path + "'");
  return Status::ok();
}

}  // namespace perch::cli
