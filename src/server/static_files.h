// Serves a directory (the demo) at "/" with the cross-origin isolation headers that wasm
// threads need (COOP same-origin, COEP require-corp) and the right MIME types for .wasm/.mjs.
// Paths are resolved by cpp-httplib, which refuses ".." segments outside the mount.
#pragma once
#include <string>

#include <httplib.h>

#include "perch/core/status.h"

namespace perch_server {

perch::Status mount_static_files(httplib::Server& server, const std::string& dir);

}  // namespace perch_server
