#include "server/static_files.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "server/static_compression.h"

namespace perch_server {
namespace {

// Text files up to this size are sent compressed (larger ones as they are); compressed copies
// are kept up to kCompressedCacheBytes in all.
constexpr size_t kMaxCompressedFileBytes = 16u << 20;
constexpr size_t kCompressedCacheBytes = 64u << 20;

// A strong validator from the file's size and modification time (nanoseconds); empty when the
// file cannot be stat'ed.
std::string file_etag(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  char tag[64];
  std::snprintf(tag, sizeof tag, "\"%llx-%llx%09lx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
  return tag;
}

// If-None-Match is a list of entity tags (or "*"); weak tags compare by their opaque part.
bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.find('*') != std::string::npos) return true;
  size_t at = 0;
  while ((at = if_none_match.find(etag, at)) != std::string::npos) {
    const bool starts = at == 0 || if_none_match[at - 1] == ' ' || if_none_match[at - 1] == ',' ||
                        (at >= 2 && if_none_match.compare(at - 2, 2, "W/") == 0);
    const size_t end = at + etag.size();
    if (starts && (end == if_none_match.size() || if_none_match[end] == ',' || if_none_match[end] == ' ')) {
      return true;
    }
    at = end;
  }
  return false;
}

// The ETag of one coding of a file version: compressed copies are other representations, so
// their strong validators differ ("size-mtime-br").
std::string coded_etag(const std::string& etag, ContentCoding coding) {
  if (coding == ContentCoding::kIdentity) return etag;
  return etag.substr(0, etag.size() - 1) + (coding == ContentCoding::kBrotli ? "-br\"" : "-gz\"");
}

// Sends `bytes` through a content provider of known length: cpp-httplib compresses a response
// body itself (brotli quality 11, per request) but sends a provider's bytes as they are.
void send_as_is(httplib::Response& res, std::shared_ptr<const std::string> bytes) {
  const std::string type = res.get_header_value("Content-Type");
  res.headers.erase("Content-Type");  // set_content_provider adds it again
  res.body.clear();
  const size_t size = bytes->size();
  res.set_content_provider(size, type, [bytes](size_t offset, size_t length, httplib::DataSink& sink) {
    return offset <= bytes->size() && length <= bytes->size() - offset && sink.write(bytes->data() + offset, length);
  });
}

}  // namespace

perch::Status mount_static_files(httplib::Server& server, const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return perch::invalid_argument("--static: '" + dir + "' is not a directory");
  }
  httplib::Headers headers = {
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Embedder-Policy", "require-corp"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"X-Content-Type-Options", "nosniff"},
  };
  server.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
  server.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  server.set_file_extension_and_mimetype_mapping("js", "text/javascript");
  server.set_file_extension_and_mimetype_mapping("json", "application/json");
  server.set_file_extension_and_mimetype_mapping("perch", "application/octet-stream");
  if (!server.set_mount_point("/", dir, headers)) {
    return perch::invalid_argument("--static: cannot serve '" + dir + "'");
  }
  // Runs after cpp-httplib found and read the file (GET only; its path was validated there).
  auto compressed = std::make_shared<CompressedFiles>(kCompressedCacheBytes);
  server.set_file_request_handler([dir, compressed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    std::string path = dir + req.path;
    if (!path.empty() && path.back() == '/') path += "index.html";
    const bool text = is_compressible_type(res.get_header_value("Content-Type"));
    if (text) res.set_header("Vary", "Accept-Encoding");
    const std::string etag = file_etag(path);
    if (etag.empty() || res.status != 200) {
      if (text && !res.body.empty()) send_as_is(res, std::make_shared<const std::string>(std::move(res.body)));
      return;
    }
    ContentCoding coding = text && res.body.size() <= kMaxCompressedFileBytes
                               ? preferred_coding(req.get_header_value("Accept-Encoding"))
                               : ContentCoding::kIdentity;
    if (req.has_header("If-None-Match")) {
      const std::string tags = req.get_header_value("If-None-Match");
      for (ContentCoding c : {ContentCoding::kIdentity, ContentCoding::kGzip, ContentCoding::kBrotli}) {
        // Any coding of this version: the browser's copy has the same content.
        if (!etag_matches(tags, coded_etag(etag, c))) continue;
        res.set_header("ETag", coded_etag(etag, c));
        res.status = 304;
        res.body.clear();
        return;
      }
    }
    std::shared_ptr<const std::string> packed;
    if (coding != ContentCoding::kIdentity) packed = compressed->get(path, etag, coding, res.body);
    if (!packed) coding = ContentCoding::kIdentity;
    res.set_header("ETag", coded_etag(etag, coding));
    if (!text) return;  // cpp-httplib compresses only text: this body goes out as read
    if (packed) res.set_header("Content-Encoding", coding_name(coding));
    send_as_is(res, packed ? packed : std::make_shared<const std::string>(std::move(res.body)));
  });
  return perch::Status::ok();
}

}  // namespace perch_server
