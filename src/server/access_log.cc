#include "server/access_log.h"

#include <chrono>
#include <ctime>

#include "server/http_errors.h"

namespace perch_server {
namespace {

constexpr size_t kMaxLoggedPath = 256;

std::string utc_timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

perch::Status AccessLog::open(const std::string& target) {
  if (target == "off") return perch::Status::ok();
  if (target == "-") {
    file_ = stderr;
    return perch::Status::ok();
  }
  file_ = std::fopen(target.c_str(), "a");
  if (file_ == nullptr) return perch::invalid_argument("cannot open access log '" + target + "'");
  owns_file_ = true;
  return perch::Status::ok();
}

AccessLog::~AccessLog() {
  if (owns_file_ && file_ != nullptr) std::fclose(file_);
}

void AccessLog::write(const AccessRecord& r) {
  if (file_ == nullptr) return;
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = utc_timestamp();
  line["remote"] = r.remote_addr;
  line["method"] = r.method.substr(0, 16);
  line["path"] = r.path.size() > kMaxLoggedPath ? r.path.substr(0, kMaxLoggedPath) + "..." : r.path;
  line["status"] = r.status;
  line["bytes_in"] = r.bytes_in;
  line["bytes_out"] = r.bytes_out;
  line["ms"] = static_cast<double>(static_cast<int64_t>(r.seconds * 1e6)) / 1e3;
  if (!r.model.empty()) line["model"] = r.model;
  if (!r.error_code.empty()) line["error"] = r.error_code;
  std::string text = dump_json(line);
  text += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace perch_server
