#include "server/static_files.h"

#include <sys/stat.h>

#include <cstdio>

namespace perch_server {
namespace {

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
  server.set_file_request_handler([dir](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    std::string path = dir + req.path;
    if (!path.empty() && path.back() == '/') path += "index.html";
    const std::string etag = file_etag(path);
    if (etag.empty() || res.status != 200) return;
    res.set_header("ETag", etag);
    if (req.has_header("If-None-Match") && etag_matches(req.get_header_value("If-None-Match"), etag)) {
      res.status = 304;
      res.body.clear();
    }
  });
  return perch::Status::ok();
}

}  // namespace perch_server
