// Metrics: counters, a latency histogram per model and gauges, rendered in the Prometheus text
// exposition format at /metrics. Labels come from fixed route names and loaded model names,
// never from raw request paths, so hostile URLs cannot grow the label set.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace perch_server {

class Metrics {
 public:
  static constexpr std::array<double, 14> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  // One finished HTTP request. `model` is "" for requests not tied to a model.
  void observe_request(const std::string& route, int status, const std::string& model, double seconds);
  // One refusal by the admission queue ("queue_full", "queue_timeout").
  void observe_rejection(const std::string& reason);
  // Gauges read at render time (queue depth, active inferences, loaded models).
  void set_gauge_source(std::function<std::map<std::string, double>()> source);

  std::string render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status)
  std::map<int, uint64_t> errors_;                            // status >= 400
  std::map<std::string, Histogram> latency_;                  // by model
  std::map<std::string, uint64_t> rejections_;
  std::function<std::map<std::string, double>()> gauges_;
};

}  // namespace perch_server
