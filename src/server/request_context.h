// What one request's handlers learned that the access log and metrics need afterwards (route
// name, model, error code, start time). cpp-httplib runs a request on one thread from routing to
// logging, so a thread_local is the request's own.
#pragma once
#include <chrono>
#include <string>

namespace perch_server {

struct RequestContext {
  std::chrono::steady_clock::time_point start;
  std::string route = "other";  // a fixed route name, never the raw path
  std::string model;
  std::string error_code;
};

inline RequestContext& request_context() {
  thread_local RequestContext context;
  return context;
}

}  // namespace perch_server
