#include "server/auth_cors.h"

#include <fstream>

namespace perch_server {
namespace {

// Compares without an early exit, so the time taken does not reveal a key's prefix.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

perch::Status AccessControl::load_api_keys(const std::string& path) {
  std::ifstream in(path);
  if (!in) return perch::invalid_argument("cannot read API keys file '" + path + "'");
  std::string line;
  while (std::getline(in, line)) {
    std::string key = trim(line);
    if (key.empty() || key[0] == '#') continue;
    keys_.push_back(key);
  }
  if (keys_.empty()) return perch::invalid_argument("API keys file '" + path + "' has no keys");
  return perch::Status::ok();
}

bool AccessControl::authorized(const httplib::Request& req) const {
  if (keys_.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  static const std::string kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  const std::string given = trim(header.substr(kBearer.size()));
  bool ok = false;
  for (const std::string& key : keys_) ok |= constant_time_equal(given, key);
  return ok;
}

bool AccessControl::origin_allowed(const httplib::Request& req) const {
  if (!req.has_header("Origin")) return true;
  const std::string origin = req.get_header_value("Origin");
  const std::string host = req.get_header_value("Host");
  if (!host.empty() && (origin == "http://" + host || origin == "https://" + host)) return true;
  for (const std::string& allowed : origins_) {
    if (allowed == "*" || allowed == origin) return true;
  }
  return false;
}

void AccessControl::add_cors_headers(const httplib::Request& req, httplib::Response& res) const {
  if (!req.has_header("Origin") || origins_.empty() || !origin_allowed(req)) return;
  res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
  res.set_header("Vary", "Origin");
  res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
  res.set_header("Access-Control-Expose-Headers", "X-Perch-Model, Retry-After");
  res.set_header("Access-Control-Max-Age", "600");
}

}  // namespace perch_server
