// perch run MODEL name=@file.bin|name=1,2,3 ... [--shape name=2,3] [--threads N] [--reference]
//           [--max-arena-bytes N] [--inputs-npz IN.npz] [--outputs-npz OUT.npz]
// Runs the model once and prints every output (dtype, shape, values), or writes them to a numpy
// .npz named as the model's outputs. Inputs may come from a .npz named as the model's inputs.
#include <cstdio>
#include <cstdlib>
#include <map>

#include "cli/command.h"
#include "cli/inputs.h"
#include "cli/npz.h"
#include "perch/runtime/session.h"

namespace perch::cli {
namespace {

void print_tensor(const char* name, const Tensor& t, int64_t limit) {
  std::printf("%s %s %s:", name, dtype_name(t.dtype), t.shape.to_string().c_str());
  const int64_t n = t.shape.numel();
  for (int64_t i = 0; i < n && (limit < 0 || i < limit); ++i) {
    switch (t.dtype) {
      case DType::kF32: std::printf(" %.6g", static_cast<double>(t.as<float>()[i])); break;
      case DType::kF16: std::printf(" %.6g", static_cast<double>(f16_to_f32(t.as<uint16_t>()[i]))); break;
      case DType::kI32: std::printf(" %d", t.as<int32_t>()[i]); break;
      case DType::kI8: std::printf(" %d", t.as<int8_t>()[i]); break;
      case DType::kU8: std::printf(" %u", t.as<uint8_t>()[i]); break;
    }
  }
  if (limit >= 0 && n > limit) std::printf(" ... (%lld values, --all prints every one)", static_cast<long long>(n));
  std::printf("\n");
}

int run_run(const std::vector<std::string>& args) {
  std::string path;
  std::map<std::string, std::string> specs;
  std::map<std::string, Shape> shapes;
  int threads = 1;
  bool all = false;
  std::string inputs_npz, outputs_npz;
  ModelOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--shape" || a == "--threads" || a == "--max-arena-bytes") {
      if (i + 1 >= args.size()) return fail("run", a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--max-arena-bytes") {
        Status st = parse_max_arena_bytes(v, &options);
        if (!st.is_ok()) return fail("run", st.message());
        continue;
      }
      if (a == "--threads") {
        threads = std::atoi(v.c_str());
        continue;
      }
      const size_t eq = v.find('=');
      if (eq == std::string::npos) return fail("run", "--shape wants name=d0,d1,...");
      Shape s;
      Status st = parse_dims(v.substr(eq + 1), &s);
      if (!st.is_ok()) return fail("run", st.message());
      shapes[v.substr(0, eq)] = s;
    } else if (a == "--inputs-npz" || a == "--outputs-npz") {
      if (i + 1 >= args.size()) return fail("run", a + " needs a path");
      (a == "--inputs-npz" ? inputs_npz : outputs_npz) = args[++i];
    } else if (a == "--reference") {
      options.backend = Backend::kReference;
    } else if (a == "--all") {
      all = true;
    } else if (!a.empty() && a[0] == '-') {
      return fail("run", "unknown option '" + a + "'");
    } else if (path.empty()) {
      path = a;
    } else {
      const size_t eq = a.find('=');
      if (eq == std::string::npos) return fail("run", "inputs are name=@file.bin or name=1,2,3, got '" + a + "'");
      specs[a.substr(0, eq)] = a.substr(eq + 1);
    }
  }
  if (path.empty())
    return fail("run", "usage: perch run MODEL name=@file.bin|name=1,2,3 ... [--inputs-npz IN.npz] [--outputs-npz OUT.npz] [--shape name=2,3] [--threads N]");
  auto model = Model::load_file(path, options);
  if (!model.is_ok()) return fail("run", path + ": " + model.status().to_string());
  SessionOptions so;
  so.num_threads = threads;
  auto session = Session::create(model.value(), so);
  if (!session.is_ok()) return fail("run", session.status().to_string());
  std::vector<NpyArray> arrays;
  if (!inputs_npz.empty()) {
    Status st = read_npz(inputs_npz, &arrays);
    if (!st.is_ok()) return fail("run", st.message());
  }
  std::vector<InputData> inputs(model.value()->inputs().size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const IoInfo& io = model.value()->inputs()[i];
    NpyArray* from_npz = nullptr;
    for (NpyArray& a : arrays)
      if (a.name == io.name) from_npz = &a;
    if (from_npz != nullptr) {
      if (specs.count(io.name)) return fail("run", "input '" + io.name + "' given twice (npz and command line)");
      Status st = npy_to_tensor(*from_npz, io.dtype, &inputs[i].bytes, &inputs[i].tensor.shape);
      if (!st.is_ok()) return fail("run", st.message());
      inputs[i].tensor.dtype = io.dtype;
      inputs[i].tensor.data = inputs[i].bytes.data();
      st = session.value()->set_input(io.name, inputs[i].tensor);
      if (!st.is_ok()) return fail("run", st.to_string());
      from_npz->name.clear();
      continue;
    }
    auto it = specs.find(io.name);
    if (it == specs.end()) return fail("run", "input '" + io.name + "' not given (" + io.name + "=...)");
    auto sh = shapes.find(io.name);
    Status st = make_input(io, it->second, sh == shapes.end() ? nullptr : &sh->second, &inputs[i]);
    if (!st.is_ok()) return fail("run", st.message());
    specs.erase(it);
    st = session.value()->set_input(io.name, inputs[i].tensor);
    if (!st.is_ok()) return fail("run", st.to_string());
  }
  if (!specs.empty()) return fail("run", "the model has no input named '" + specs.begin()->first + "'");
  for (const NpyArray& a : arrays)
    if (!a.name.empty()) return fail("run", inputs_npz + ": the model has no input named '" + a.name + "'");
  Status st = session.value()->run();
  if (!st.is_ok()) return fail("run", st.to_string());
  if (!outputs_npz.empty()) {
    std::vector<std::pair<std::string, Tensor>> outs;
    for (const IoInfo& io : model.value()->outputs()) {
      auto out = session.value()->output(io.name);
      if (!out.is_ok()) return fail("run", out.status().to_string());
      outs.emplace_back(io.name, out.value());
    }
    st = write_npz(outputs_npz, outs);
    if (!st.is_ok()) return fail("run", st.message());
    return 0;
  }
  for (const IoInfo& io : model.value()->outputs()) {
    auto out = session.value()->output(io.name);
    if (!out.is_ok()) return fail("run", out.status().to_string());
    print_tensor(io.name.c_str(), out.value(), all ? -1 : 64);
  }
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(run, "run", "run MODEL name=@f.bin|name=1,2|--inputs-npz IN.npz [--outputs-npz OUT.npz] [--shape n=2,3] [--threads N]",
                  "run once on the given inputs and print (or save) the outputs", run_run);

}  // namespace perch::cli
