// perch import-onnx IN.onnx OUT.perch [--quantize int8] [--shape NAME=D0,D1,...]
// The importer is Python (Debian's python3-onnx parses the protobuf; numpy folds constants):
// tools/convert/onnx_to_perch.py, run with /usr/bin/python3. This command finds the script, runs
// it with the arguments as given and returns its exit status; PERCH_BIN tells the script where
// this binary is, so it can run both models when measuring --quantize int8's accuracy change.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cli/command.h"

namespace perch::cli {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// $PERCH_IMPORTER, the source tree this binary was built from, or ../../tools beside the binary.
std::string find_script(const std::string& self) {
  if (const char* env = std::getenv("PERCH_IMPORTER")) return env;
  const char* rel = "tools/convert/onnx_to_perch.py";
#ifdef PERCH_SOURCE_DIR
  if (exists(std::string(PERCH_SOURCE_DIR) + "/" + rel)) return std::string(PERCH_SOURCE_DIR) + "/" + rel;
#endif
  std::string dir = self.substr(0, self.rfind('/'));
  for (int up = 0; up < 3 && !dir.empty(); ++up) {
    if (exists(dir + "/" + rel)) return dir + "/" + rel;
    dir = dir.substr(0, dir.rfind('/'));
  }
  return "";
}

int run_import_onnx(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fprintf(args.empty() ? stderr : stdout,
                 "usage: perch import-onnx IN.onnx OUT.perch [--quantize int8] [--shape NAME=D0,D1,...]\n"
                 "Imports an ONNX model (docs/import-onnx.md). Nothing is written when any op or attr\n"
                 "is unsupported; the error lists every one.\n");
    return args.empty() ? 2 : 0;
  }
  const char* python = "/usr/bin/python3";
  if (!exists(python)) return fail("import-onnx", "needs /usr/bin/python3 with python3-onnx and python3-numpy");
  const std::string self = self_path();
  const std::string script = find_script(self);
  if (script.empty() || !exists(script))
    return fail("import-onnx", "cannot find tools/convert/onnx_to_perch.py (set PERCH_IMPORTER to its path)");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(python));
  argv.push_back(const_cast<char*>(script.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) return fail("import-onnx", std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    if (!self.empty()) ::setenv("PERCH_BIN", self.c_str(), 1);
    ::execv(python, argv.data());
    std::fprintf(stderr, "perch import-onnx: cannot run %s: %s\n", python, std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return fail("import-onnx", std::string("waitpid failed: ") + std::strerror(errno));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return fail("import-onnx", "the importer was killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace

PERCH_CLI_COMMAND(import_onnx, "import-onnx", "import-onnx IN.onnx OUT.perch [--quantize int8] [--shape n=1,8]",
                  "import an ONNX model (docs/import-onnx.md)", run_import_onnx);

}  // namespace perch::cli
