// Command-line options of perch-server and their parser (no exceptions, every value checked).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "perch/core/status.h"
#include "perch/runtime/model.h"

namespace perch_server {

struct ServerOptions {
  std::string models_dir;
  std::string host = "127.0.0.1";
  int port = -1;                           // 0 picks a free port (printed on stdout)
  std::string static_dir;                  // empty: no static files
  std::string api_keys_file;               // empty: no authentication
  std::vector<std::string> allow_origins;  // CORS; "*" allows any origin
  std::vector<std::string> allowed_hosts;  // Host names answered without API keys besides loopback
  int threads = 0;                         // concurrent inferences; 0: hardware concurrency
  int queue = 64;                          // requests allowed to wait for a free inference slot
  int http_threads = 0;                    // connection handlers; 0: threads + queue + 16, at least 64
  int max_pending_connections = -1;        // connections waiting for a handler; -1: http_threads
  int queue_timeout_ms = 10000;            // longest wait for a slot before 503
  int read_timeout_s = 10;
  int write_timeout_s = 10;
  size_t max_body_bytes = 1 << 20;
  size_t max_text_bytes = 1 << 18;                          // per text, in UTF-8 bytes (the JS API's 65,536 chars)
  int max_batch = 64;                                       // texts per batch request
  size_t max_tensor_elements = 1 << 20;                     // per v2 input tensor
  uint64_t max_arena_bytes = perch::kDefaultMaxArenaBytes;  // per session: a model over it is skipped
  std::string access_log = "-";                             // "-": stderr, "off", or a file path
};

std::string usage();
// Fills `out` from argv. A Status explains any bad or missing option.
perch::Status parse_options(int argc, const char* const* argv, ServerOptions* out);

}  // namespace perch_server
