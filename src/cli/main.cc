// perch: inspect, run and time .perch models from the command line. Subcommands live in
// cmd_*.cc files and register themselves (command.h).
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "cli/command.h"
#include "perch/c_api/perch.h"

namespace perch::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> list;
  return list;
}
}  // namespace

bool register_command(const Command& command) {
  registry().push_back(command);
  return true;
}

const std::vector<Command>& commands() { return registry(); }

bool read_file(const std::string& path, std::vector<unsigned char>* out, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = "cannot open '" + path + "'";
    return false;
  }
  out->clear();
  unsigned char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + got);
  const bool ok = !std::ferror(f);
  std::fclose(f);
  if (!ok) *error = "cannot read '" + path + "'";
  return ok;
}

int fail(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "perch %s: %s\n", cmd, message.c_str());
  return 1;
}

}  // namespace perch::cli

static void usage(FILE* to) {
  std::vector<perch::cli::Command> list = perch::cli::commands();
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return std::strcmp(a.name, b.name) < 0; });
  std::fprintf(to, "perch %s: inspect, run and time .perch models\n\nusage:\n", perch_version());
  for (const auto& c : list) std::fprintf(to, "  perch %-48s %s\n", c.usage, c.summary);
}

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("%s\n", perch_version());
    return 0;
  }
  for (const auto& c : perch::cli::commands()) {
    if (std::strcmp(c.name, argv[1]) != 0) continue;
    return c.fn(std::vector<std::string>(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "perch: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
