// Serves a directory (the demo) at "/" with the cross-origin isolation headers that wasm
// threads need (COOP same-origin, COEP require-corp) and the right MIME types for .wasm/.mjs.
// Paths are resolved by cpp-httplib, which refuses ".." segments outside the mount.
// Caching: every file carries `Cache-Control: no-cache` and an ETag made of its size and
// modification time, so a browser keeps the 350 KB of wasm and the models between visits and
// revalidates them with one round trip (If-None-Match -> 304, no body); a rebuilt file changes
// its ETag, so the demo never runs stale code.
// Text (HTML, CSS, JavaScript, JSON) goes out brotli- or gzip-compressed, from copies made once
// per file version (static_compression.h), never compressed per request.
#pragma once
#include <string>

#include <httplib.h>

#include "perch/core/status.h"

namespace perch_server {

perch::Status mount_static_files(httplib::Server& server, const std::string& dir);

}  // namespace perch_server
