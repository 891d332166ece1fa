#include "server/metrics.h"

#include <cstdio>

namespace perch_server {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::observe_request(const std::string& route, int status, const std::string& model, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  if (status >= 400) ++errors_[status];
  if (!model.empty() && status < 400) {
    Histogram& h = latency_[model];
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      if (seconds <= kLatencyBuckets[i]) ++h.buckets[i];
    }
    ++h.count;
    h.sum += seconds;
  }
}

void Metrics::observe_rejection(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejections_[reason];
}

void Metrics::set_gauge_source(std::function<std::map<std::string, double>()> source) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_ = std::move(source);
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP perch_requests_total HTTP requests answered, by route and status code.\n";
  out += "# TYPE perch_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "perch_requests_total{route=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP perch_errors_total HTTP responses with a 4xx or 5xx status, by code.\n";
  out += "# TYPE perch_errors_total counter\n";
  for (const auto& [code, n] : errors_) {
    out += "perch_errors_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP perch_rejected_total Requests refused by the admission queue, by reason.\n";
  out += "# TYPE perch_rejected_total counter\n";
  for (const auto& [reason, n] : rejections_) {
    out += "perch_rejected_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP perch_request_duration_seconds Latency of successful model requests.\n";
  out += "# TYPE perch_request_duration_seconds histogram\n";
  for (const auto& [model, h] : latency_) {
    const std::string label = "model=\"" + model + "\"";
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      out += "perch_request_duration_seconds_bucket{" + label + ",le=\"" + number(kLatencyBuckets[i]) + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "perch_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "perch_request_duration_seconds_sum{" + label + "} " + number(h.sum) + "\n";
    out += "perch_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  if (gauges_) {
    for (const auto& [name, value] : gauges_()) {
      out += "# TYPE " + name + " gauge\n" + name + " " + number(value) + "\n";
    }
  }
  return out;
}

}  // namespace perch_server
