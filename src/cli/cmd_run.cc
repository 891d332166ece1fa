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
      case DType::kF32:
        std::printf(" %.6g", static_cast<double>(t.as<float>()[i]));
        break;
      case DType::kF16:
        std::printf(" %.6g", static_cast<double>(f16_to_f32(t.as<uint16_t>()[i])));
        break;
      case DType::kI32:
        std::printf(" %d", t.as<int32_t>()[i]);
        break;
      case DType::kI8:
        std::printf(" %d", t.as<int8_t>()[i]);
        break;
      case DType::kU8:
        std::printf(" %u", t.as<uint8_t>()[i]);
        break;
    }
  }
  if (limit >= 0 && n > limit) std::printf(" ... (%lld values, --all prints every one)", static_cast<long long>(n));
  std::printf("\n");
}

// What `perch run` was asked for. Helpers below return the message to print as a Status
// (fail("run", st.message())).
struct RunArgs {
  std::string path;
  std::map<std::string, std::string> specs;  // input name -> "@file.bin" or "1,2,3"
  std::map<std::string, Shape> shapes;
  int threads = 1;
  bool all = false;
  std::string inputs_npz, outputs_npz;
  ModelOptions options;
};

Status usage_error(const std::string& message) { return invalid_argument(message); }

// --shape, --threads or --max-arena-bytes with its value `v`.
Status parse_valued_option(const std::string& a, const std::string& v, RunArgs* r) {
  if (a == "--max-arena-bytes") return parse_max_arena_bytes(v, &r->options);
  if (a == "--threads") {
    r->threads = std::atoi(v.c_str());
    return Status::ok();
  }
  const size_t eq = v.find('=');
  if (eq == std::string::npos) return usage_error("--shape wants name=d0,d1,...");
  Shape s;
  PERCH_RETURN_IF_ERROR(parse_dims(v.substr(eq + 1), &s));
  r->shapes[v.substr(0, eq)] = s;
  return Status::ok();
}

Status parse_run_args(const std::vector<std::string>& args, RunArgs* r) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--shape" || a == "--threads" || a == "--max-arena-bytes") {
      if (i + 1 >= args.size()) return usage_error(a + " needs a value");
      PERCH_RETURN_IF_ERROR(parse_valued_option(a, args[++i], r));
    } else if (a == "--inputs-npz" || a == "--outputs-npz") {
      if (i + 1 >= args.size()) return usage_error(a + " needs a path");
      (a == "--inputs-npz" ? r->inputs_npz : r->outputs_npz) = args[++i];
    } else if (a == "--reference") {
      r->options.backend = Backend::kReference;
    } else if (a == "--all") {
      r->all = true;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else if (r->path.empty()) {
      r->path = a;
    } else {
      const size_t eq = a.find('=');
      if (eq == std::string::npos) return usage_error("inputs are name=@file.bin or name=1,2,3, got '" + a + "'");
      r->specs[a.substr(0, eq)] = a.substr(eq + 1);
    }
  }
  if (r->path.empty())
    return usage_error(
        "usage: perch run MODEL name=@file.bin|name=1,2,3 ... [--inputs-npz IN.npz] [--outputs-npz OUT.npz] [--shape "
        "name=2,3] [--threads N]");
  return Status::ok();
}

// Input `io` from the npz array of its name or from the command line (consumed from r->specs).
Status set_one_input(const IoInfo& io, std::vector<NpyArray>& arrays, RunArgs* r, Session& session, InputData* in) {
  NpyArray* from_npz = nullptr;
  for (NpyArray& a : arrays)
    if (a.name == io.name) from_npz = &a;
  if (from_npz != nullptr) {
    if (r->specs.count(io.name)) return usage_error("input '" + io.name + "' given twice (npz and command line)");
    PERCH_RETURN_IF_ERROR(npy_to_tensor(*from_npz, io.dtype, &in->bytes, &in->tensor.shape));
    in->tensor.dtype = io.dtype;
    in->tensor.data = in->bytes.data();
    Status st = session.set_input(io.name, in->tensor);
    if (!st.is_ok()) return usage_error(st.to_string());
    from_npz->name.clear();
    return Status::ok();
  }
  auto it = r->specs.find(io.name);
  if (it == r->specs.end()) return usage_error("input '" + io.name + "' not given (" + io.name + "=...)");
  auto sh = r->shapes.find(io.name);
  PERCH_RETURN_IF_ERROR(make_input(io, it->second, sh == r->shapes.end() ? nullptr : &sh->second, in));
  r->specs.erase(it);
  Status st = session.set_input(io.name, in->tensor);
  if (!st.is_ok()) return usage_error(st.to_string());
  return Status::ok();
}

// Every model input set; every given input used.
Status set_inputs(const Model& model, RunArgs* r, Session& session, std::vector<InputData>* inputs) {
  std::vector<NpyArray> arrays;
  if (!r->inputs_npz.empty()) PERCH_RETURN_IF_ERROR(read_npz(r->inputs_npz, &arrays));
  inputs->resize(model.inputs().size());
  for (size_t i = 0; i < inputs->size(); ++i)
    PERCH_RETURN_IF_ERROR(set_one_input(model.inputs()[i], arrays, r, session, &(*inputs)[i]));
  if (!r->specs.empty()) return usage_error("the model has no input named '" + r->specs.begin()->first + "'");
  for (const NpyArray& a : arrays)
    if (!a.name.empty()) return usage_error(r->inputs_npz + ": the model has no input named '" + a.name + "'");
  return Status::ok();
}

// Every output, printed or written to the outputs npz.
Status report_outputs(const Model& model, const RunArgs& r, Session& session) {
  std::vector<std::pair<std::string, Tensor>> outs;
  for (const IoInfo& io : model.outputs()) {
    auto out = session.output(io.name);
    if (!out.is_ok()) return usage_error(out.status().to_string());
    if (r.outputs_npz.empty())
      print_tensor(io.name.c_str(), out.value(), r.all ? -1 : 64);
    else
      outs.emplace_back(io.name, out.value());
  }
  if (!r.outputs_npz.empty()) PERCH_RETURN_IF_ERROR(write_npz(r.outputs_npz, outs));
  return Status::ok();
}

int run_run(const std::vector<std::string>& args) {
  RunArgs r;
  Status st = parse_run_args(args, &r);
  if (!st.is_ok()) return fail("run", st.message());
  auto model = Model::load_file(r.path, r.options);
  if (!model.is_ok()) return fail("run", r.path + ": " + model.status().to_string());
  SessionOptions so;
  so.num_threads = r.threads;
  auto session = Session::create(model.value(), so);
  if (!session.is_ok()) return fail("run", session.status().to_string());
  std::vector<InputData> inputs;
  st = set_inputs(*model.value(), &r, *session.value(), &inputs);
  if (!st.is_ok()) return fail("run", st.message());
  st = session.value()->run();
  if (!st.is_ok()) return fail("run", st.to_string());
  st = report_outputs(*model.value(), r, *session.value());
  if (!st.is_ok()) return fail("run", st.message());
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(
    run, "run",
    "run MODEL name=@f.bin|name=1,2|--inputs-npz IN.npz [--outputs-npz OUT.npz] [--shape n=2,3] [--threads N]",
    "run once on the given inputs and print (or save) the outputs", run_run);

}  // namespace perch::cli
