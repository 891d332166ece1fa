// AccessLog: one JSON object per request and line (time, client, method, path, status, sizes,
// latency, model), to stderr, a file, or nowhere. Caller-supplied text is escaped and clipped.
#pragma once
#include <cstdio>
#include <mutex>
#include <string>

#include "perch/core/status.h"

namespace perch_server {

struct AccessRecord {
  std::string remote_addr;
  std::string method;
  std::string path;
  int status = 0;
  size_t bytes_in = 0;
  size_t bytes_out = 0;
  double seconds = 0;
  std::string model;
  std::string error_code;
};

class AccessLog {
 public:
  // "-": stderr; "off": disabled; anything else: a file opened for appending.
  perch::Status open(const std::string& target);
  ~AccessLog();
  void write(const AccessRecord& record);

 private:
  std::mutex mu_;
  FILE* file_ = nullptr;
  bool owns_file_ = false;
};

}  // namespace perch_server
