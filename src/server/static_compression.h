// Compressed copies of static files, made once per file version and kept in memory.
// Why: Debian's cpp-httplib 0.11.4 brotli-compresses every text/* and JSON body it sends, per
// response, at quality 11: 230 ms for the perch package's 123 KB index.js on this machine, paid
// on every fresh page load (a cache revalidation gets a bodiless 304). Brotli quality 5 makes
// that file 12% larger than quality 11 in 5-20 ms, and here that is paid once per file version
// (its ETag), not per request. The caller sends the copy through a content provider of known
// length, which cpp-httplib sends as it is.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace perch_server {

enum class ContentCoding { kIdentity, kGzip, kBrotli };

/** The coding to send for an Accept-Encoding header: br, else gzip, else identity (q=0 refuses one). */
ContentCoding preferred_coding(const std::string& accept_encoding);

/** The Content-Encoding token of a coding ("" for identity). */
const char* coding_name(ContentCoding coding);

/** Whether a Content-Type is text that compresses (HTML, CSS, JavaScript, JSON, SVG, XML). */
bool is_compressible_type(const std::string& content_type);

/** `body` compressed with `coding` (brotli quality 5, gzip level 6); empty on failure. */
std::string compress_body(const std::string& body, ContentCoding coding);

class CompressedFiles {
 public:
  /** Keeps at most `max_bytes` of compressed copies (all dropped when a new one does not fit). */
  explicit CompressedFiles(size_t max_bytes) : max_bytes_(max_bytes) {}

  /**
   * `body` (the bytes of `path` at version `etag`) compressed with `coding`, made on the first
   * request of that version. Null when compression does not make it smaller.
   */
  std::shared_ptr<const std::string> get(const std::string& path, const std::string& etag, ContentCoding coding,
                                         const std::string& body);

 private:
  struct Entry {
    std::string etag;
    std::shared_ptr<const std::string> bytes;  // null: not worth compressing
  };
  const size_t max_bytes_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by coding name + path
  size_t bytes_ = 0;
};

}  // namespace perch_server
