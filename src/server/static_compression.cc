#include "server/static_compression.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <cctype>
#include <cstdlib>

namespace perch_server {
namespace {

constexpr int kBrotliQuality = 5;
constexpr int kGzipLevel = 6;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// The q value of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent.
double q_value(const std::string& params) {
  size_t at = 0;
  while (at < params.size()) {
    size_t next = params.find(';', at);
    if (next == std::string::npos) next = params.size();
    const std::string p = lower(trim(params.substr(at, next - at)));
    if (p.size() > 2 && p.compare(0, 2, "q=") == 0) return std::strtod(p.c_str() + 2, nullptr);
    at = next + 1;
  }
  return 1.0;
}

std::string brotli(const std::string& body) {
  size_t size = BrotliEncoderMaxCompressedSize(body.size());
  if (size == 0) return {};
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(kBrotliQuality, BROTLI_DEFAULT_WINDOW, BROTLI_DEFAULT_MODE, body.size(),
                             reinterpret_cast<const uint8_t*>(body.data()), &size,
                             reinterpret_cast<uint8_t*>(&out[0]))) {
    return {};
  }
  out.resize(size);
  return out;
}

std::string gzip(const std::string& body) {
  z_stream z{};
  if (deflateInit2(&z, kGzipLevel, Z_DEFLATED, 15 + 16 /* gzip header */, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, body.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return {};
  out.resize(written);
  return out;
}

}  // namespace

ContentCoding preferred_coding(const std::string& accept_encoding) {
  double br = 0, gz = 0, any = 0;
  size_t at = 0;
  while (at < accept_encoding.size()) {
    size_t next = accept_encoding.find(',', at);
    if (next == std::string::npos) next = accept_encoding.size();
    const std::string element = accept_encoding.substr(at, next - at);
    const size_t semi = element.find(';');
    const std::string token = lower(trim(element.substr(0, semi)));
    const double q = semi == std::string::npos ? 1.0 : q_value(element.substr(semi + 1));
    if (token == "br")
      br = q;
    else if (token == "gzip" || token == "x-gzip")
      gz = q;
    else if (token == "*")
      any = q;
    at = next + 1;
  }
  if (br > 0) return ContentCoding::kBrotli;
  if (gz > 0 || any > 0) return ContentCoding::kGzip;
  return ContentCoding::kIdentity;
}

const char* coding_name(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kBrotli:
      return "br";
    case ContentCoding::kGzip:
      return "gzip";
    case ContentCoding::kIdentity:
      break;
  }
  return "";
}

bool is_compressible_type(const std::string& content_type) {
  const std::string t = lower(trim(content_type.substr(0, content_type.find(';'))));
  return (t.compare(0, 5, "text/") == 0 && t != "text/event-stream") || t == "application/javascript" ||
         t == "application/json" || t == "application/xml" || t == "application/xhtml+xml" || t == "image/svg+xml" ||
         t == "application/manifest+json";
}

std::string compress_body(const std::string& body, ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kBrotli:
      return brotli(body);
    case ContentCoding::kGzip:
      return gzip(body);
    case ContentCoding::kIdentity:
      break;
  }
  return {};
}

std::shared_ptr<const std::string> CompressedFiles::get(const std::string& path, const std::string& etag,
                                                        ContentCoding coding, const std::string& body) {
  const std::string key = std::string(coding_name(coding)) + ":" + path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.etag == etag) return it->second.bytes;
  }
  // Compressed outside the lock: two first requests of one file may both compress it.
  std::string packed = compress_body(body, coding);
  std::shared_ptr<const std::string> bytes;
  if (!packed.empty() && packed.size() < body.size()) bytes = std::make_shared<const std::string>(std::move(packed));
  const size_t size = bytes ? bytes->size() : 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    bytes_ -= it->second.bytes ? it->second.bytes->size() : 0;
    entries_.erase(it);
  }
  if (size > max_bytes_) return bytes;  // served, not kept
  if (bytes_ + size > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  }
  entries_[key] = Entry{etag, bytes};
  bytes_ += size;
  return bytes;
}

}  // namespace perch_server
