#include "cli/task_lines.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "perch/text/utf8.h"

namespace perch::cli {
namespace {

bool readable(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f) std::fclose(f);
  return f != nullptr;
}

}  // namespace

std::string default_model_path(const char* env_var, const std::string& relative) {
  if (const char* env = std::getenv(env_var)) return env;
  if (readable(relative)) return relative;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    for (int up = 0; up < 4 && dir.find('/') != std::string::npos; ++up) {
      dir = dir.substr(0, dir.find_last_of('/'));
      if (readable(dir + "/" + relative)) return dir + "/" + relative;
    }
  }
  return relative;
}

bool next_int_arg(const std::vector<std::string>& args, size_t* i, int lo, int hi, int* out) {
  if (*i + 1 >= args.size()) return false;
  char* end = nullptr;
  const long v = std::strtol(args[++*i].c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

std::string error_line(const std::string& message) {
  return "{\"error\":" + nlohmann::json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
}

void answer_text_lines(const std::function<std::string(const std::string& text)>& answer) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::string out;
    const Status utf8 = text::validate_utf8(line);
    if (!utf8.is_ok()) {
      out = error_line(utf8.to_string());
    } else {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string()) {
        out = error_line("expected a JSON object with a string \"text\"");
      } else {
        out = answer(j["text"].get_ref<const std::string&>());
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
}

}  // namespace perch::cli
