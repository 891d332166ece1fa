#include "server/options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace perch_server {
namespace {

bool parse_int(std::string_view text, long min, long max, long* out) {
  if (text.empty() || text.size() > 18) return false;
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string usage() {
  return "usage: perch-server --models DIR --port N [--host 127.0.0.1] [--static DIR]\n"
         "         [--api-keys FILE] [--allow-origin ORIGIN ...] [--allowed-hosts NAME,...]\n"
         "         [--threads N] [--queue N]\n"
         "         [--http-threads N] [--max-pending-connections N] [--queue-timeout-ms MS]\n"
         "         [--max-body-bytes N] [--max-text-bytes N] [--max-batch N] [--read-timeout-s S]\n"
         "         [--write-timeout-s S] [--access-log -|off|FILE] [--max-arena-bytes N]\n";
}

namespace {

// --allow-origin: repeatable, and each may be a comma-separated list.
void add_allowed_origins(std::string_view value, ServerOptions* o) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    if (comma > start) o->allow_origins.emplace_back(value.substr(start, comma - start));
    start = comma + 1;
  }
}

// --allowed-hosts: repeatable, comma-separated; names without ports, lowercased, [v6] unbracketed.
perch::Status add_allowed_hosts(std::string_view value, ServerOptions* o) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string name(value.substr(start, comma - start));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!name.empty()) {
      if (name != "*" && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]") != std::string::npos) {
        return perch::invalid_argument("--allowed-hosts: '" + name + "' is not a host name");
      }
      if (name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
      o->allowed_hosts.push_back(name);
    }
    start = comma + 1;
  }
  return perch::Status::ok();
}

// Thread and connection counts left at 0 (or -1) follow the machine and each other.
void apply_defaults(ServerOptions* o) {
  if (o->threads == 0) {
    unsigned hc = std::thread::hardware_concurrency();
    o->threads = hc == 0 ? 1 : static_cast<int>(hc);
  }
  if (o->http_threads == 0) o->http_threads = std::min(std::max(o->threads + o->queue + 16, 64), 1024);
  if (o->max_pending_connections < 0) o->max_pending_connections = o->http_threads;
}

}  // namespace

perch::Status parse_options(int argc, const char* const* argv, ServerOptions* out) {
  ServerOptions o;
  bool have_port = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") return perch::invalid_argument("help requested");
    if (i + 1 >= argc) return perch::invalid_argument(std::string(flag) + " needs a value");
    std::string_view value = argv[++i];
    long n = 0;
    auto number = [&](long min, long max) -> perch::Status {
      if (!parse_int(value, min, max, &n)) {
        return perch::invalid_argument(std::string(flag) + ": expected an integer in [" + std::to_string(min) + ", " +
                                       std::to_string(max) + "], got '" + std::string(value) + "'");
      }
      return perch::Status::ok();
    };
    if (flag == "--models") {
      o.models_dir = value;
    } else if (flag == "--port") {
      PERCH_RETURN_IF_ERROR(number(0, 65535));
      o.port = static_cast<int>(n);
      have_port = true;
    } else if (flag == "--host") {
      o.host = value;
    } else if (flag == "--static") {
      o.static_dir = value;
    } else if (flag == "--api-keys") {
      o.api_keys_file = value;
    } else if (flag == "--allow-origin") {
      add_allowed_origins(value, &o);
    } else if (flag == "--allowed-hosts") {
      PERCH_RETURN_IF_ERROR(add_allowed_hosts(value, &o));
    } else if (flag == "--threads") {
      PERCH_RETURN_IF_ERROR(number(0, 256));
      o.threads = static_cast<int>(n);
    } else if (flag == "--queue") {
      PERCH_RETURN_IF_ERROR(number(0, 100000));
      o.queue = static_cast<int>(n);
    } else if (flag == "--http-threads") {
      PERCH_RETURN_IF_ERROR(number(0, 4096));
      o.http_threads = static_cast<int>(n);
    } else if (flag == "--max-pending-connections") {
      PERCH_RETURN_IF_ERROR(number(0, 100000));
      o.max_pending_connections = static_cast<int>(n);
    } else if (flag == "--queue-timeout-ms") {
      PERCH_RETURN_IF_ERROR(number(1, 600000));
      o.queue_timeout_ms = static_cast<int>(n);
    } else if (flag == "--read-timeout-s") {
      PERCH_RETURN_IF_ERROR(number(1, 3600));
      o.read_timeout_s = static_cast<int>(n);
    } else if (flag == "--write-timeout-s") {
      PERCH_RETURN_IF_ERROR(number(1, 3600));
      o.write_timeout_s = static_cast<int>(n);
    } else if (flag == "--max-body-bytes") {
      PERCH_RETURN_IF_ERROR(number(64, 1L << 30));
      o.max_body_bytes = static_cast<size_t>(n);
    } else if (flag == "--max-text-bytes") {
      PERCH_RETURN_IF_ERROR(number(1, 1L << 24));
      o.max_text_bytes = static_cast<size_t>(n);
    } else if (flag == "--max-batch") {
      PERCH_RETURN_IF_ERROR(number(1, 100000));
      o.max_batch = static_cast<int>(n);
    } else if (flag == "--max-arena-bytes") {  // session memory a model may plan (ModelOptions)
      PERCH_RETURN_IF_ERROR(number(1L << 16, 1L << 40));
      o.max_arena_bytes = static_cast<uint64_t>(n);
    } else if (flag == "--access-log") {
      o.access_log = value;
    } else {
      return perch::invalid_argument("unknown option " + std::string(flag));
    }
  }
  if (o.models_dir.empty()) return perch::invalid_argument("--models DIR is required");
  if (!have_port) return perch::invalid_argument("--port N is required (0 picks a free port)");
  apply_defaults(&o);
  *out = std::move(o);
  return perch::Status::ok();
}

}  // namespace perch_server
