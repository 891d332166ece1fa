// perch rewrite IN OUT: reads a .perch/safetensors file (validating it) and writes it back with
// the C++ writer. On a canonical file the output is byte-identical; tests use it for the
// C++ <-> Python round trip.
#include <cstdio>

#include "cli/command.h"
#include "perch/format/reader.h"
#include "perch/format/writer.h"

namespace perch::cli {
namespace {

int run_rewrite(const std::vector<std::string>& args) {
  if (args.size() != 2) return fail("rewrite", "usage: perch rewrite IN OUT");
  std::vector<unsigned char> bytes;
  std::string error;
  if (!read_file(args[0], &bytes, &error)) return fail("rewrite", error);
  auto file = read_perch_file(bytes.data(), bytes.size());
  if (!file.is_ok()) return fail("rewrite", args[0] + ": " + file.status().to_string());
  std::vector<NamedTensor> tensors;
  for (const TensorEntry& e : file.value().tensors) {
    Tensor t;
    t.dtype = e.dtype;
    t.shape = e.shape;
    t.data = const_cast<void*>(file.value().bytes_of(e));
    tensors.push_back({e.name, t});
  }
  auto out = write_perch_bytes(tensors, file.value().metadata);
  if (!out.is_ok()) return fail("rewrite", out.status().to_string());
  std::FILE* f = std::fopen(args[1].c_str(), "wb");
  if (!f) return fail("rewrite", "cannot create '" + args[1] + "'");
  const bool ok = std::fwrite(out.value().data(), 1, out.value().size(), f) == out.value().size();
  if (std::fclose(f) != 0 || !ok) return fail("rewrite", "cannot write '" + args[1] + "'");
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(rewrite, "rewrite", "rewrite IN OUT", "validate a model file and write it back canonically",
                  run_rewrite);

}  // namespace perch::cli
