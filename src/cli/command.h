// The CLI's dispatch table. A subcommand is one cmd_<name>.cc file that registers itself with
//   PERCH_CLI_COMMAND(detect_language, "detect-language", "detect-language MODEL TEXT", "...", run_detect);
// (the first argument only names the registration variable; the second is what users type)
// so adding a command (detect-language, suggest, ...) never touches another command's file.
#pragma once
#include <string>
#include <vector>

namespace perch::cli {

// argv after the subcommand name. Returns the process exit code.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
  CommandFn fn;
};

// Registers at static-initialisation time; returns true so it can initialise a static.
bool register_command(const Command& command);
const std::vector<Command>& commands();

// Shared helpers.
bool read_file(const std::string& path, std::vector<unsigned char>* out, std::string* error);
// Prints "perch <cmd>: <message>" to stderr and returns 1.
int fail(const char* cmd, const std::string& message);

}  // namespace perch::cli

#define PERCH_CLI_COMMAND(ident, name, usage, summary, fn) \
  static const bool perch_cli_registered_##ident = ::perch::cli::register_command({name, usage, summary, fn})
