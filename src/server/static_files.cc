#include "server/static_files.h"

#include <sys/stat.h>

namespace perch_server {

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
  return perch::Status::ok();
}

}  // namespace perch_server
