// perch bench MODEL [--runs N] [--warmup N] [--threads N] [--shape name=2,3] [--reference]
// Times Session::run on random inputs (max shapes unless --shape) and prints p50/p95/mean µs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "cli/command.h"
#include "cli/inputs.h"
#include "perch/runtime/session.h"

namespace perch::cli {
namespace {

int run_bench(const std::vector<std::string>& args) {
  std::string path;
  std::map<std::string, Shape> shapes;
  int runs = 100, warmup = 10, threads = 1;
  ModelOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--runs" || a == "--warmup" || a == "--threads" || a == "--shape" || a == "--max-arena-bytes") {
      if (i + 1 >= args.size()) return fail("bench", a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--max-arena-bytes") {
        Status st = parse_max_arena_bytes(v, &options);
        if (!st.is_ok()) return fail("bench", st.message());
      } else if (a == "--runs")
        runs = std::atoi(v.c_str());
      else if (a == "--warmup")
        warmup = std::atoi(v.c_str());
      else if (a == "--threads")
        threads = std::atoi(v.c_str());
      else {
        const size_t eq = v.find('=');
        Shape s;
        if (eq == std::string::npos || !parse_dims(v.substr(eq + 1), &s).is_ok())
          return fail("bench", "--shape wants name=d0,d1,...");
        shapes[v.substr(0, eq)] = s;
      }
    } else if (a == "--reference") {
      options.backend = Backend::kReference;
    } else if (!a.empty() && a[0] == '-') {
      return fail("bench", "unknown option '" + a + "'");
    } else if (path.empty()) {
      path = a;
    } else {
      return fail("bench", "more than one model given");
    }
  }
  if (path.empty() || runs < 1 || warmup < 0)
    return fail("bench", "usage: perch bench MODEL [--runs N] [--warmup N] [--threads N] [--shape name=2,3]");
  auto model = Model::load_file(path, options);
  if (!model.is_ok()) return fail("bench", path + ": " + model.status().to_string());
  SessionOptions so;
  so.num_threads = threads;
  auto session = Session::create(model.value(), so);
  if (!session.is_ok()) return fail("bench", session.status().to_string());
  Session& s = *session.value();
  std::vector<InputData> inputs;
  unsigned seed = 1;
  for (const IoInfo& io : model.value()->inputs()) {
    auto it = shapes.find(io.name);
    inputs.push_back(random_input(io, it == shapes.end() ? io.max_shape : it->second, seed++));
    Status st = s.set_input(io.name, inputs.back().tensor);
    if (!st.is_ok()) return fail("bench", st.to_string());
  }
  std::vector<double> us;
  us.reserve(static_cast<size_t>(runs));
  for (int r = 0; r < warmup + runs; ++r) {
    s.kv_cache().reset();  // every run starts from an empty cache, so runs are alike
    const auto t0 = std::chrono::steady_clock::now();
    Status st = s.run();
    const auto t1 = std::chrono::steady_clock::now();
    if (!st.is_ok()) return fail("bench", st.to_string());
    if (r >= warmup) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  double mean = 0;
  for (double v : us) mean += v;
  mean /= static_cast<double>(us.size());
  auto pct = [&](double p) {
    return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))];
  };
  std::string shape_list;
  for (size_t i = 0; i < inputs.size(); ++i)
    shape_list += (i ? " " : "") + model.value()->inputs()[i].name + inputs[i].tensor.shape.to_string();
  std::printf("%s: %d runs (%d warmup), %d thread(s), inputs %s\n", path.c_str(), runs, warmup, s.num_threads(),
              shape_list.c_str());
  std::printf("p50 %.1f us  p95 %.1f us  mean %.1f us  min %.1f us\n", pct(0.5), pct(0.95), mean, us.front());
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(bench, "bench", "bench MODEL [--runs N] [--threads N] [--shape n=2,3]",
                  "time runs on random inputs (p50/p95 per run, us)", run_bench);

}  // namespace perch::cli
