#include "server/auth_cors.h"

#include <cctype>
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

bool is_ipv4_loopback(const std::string& h) {
  // 127.a.b.c with every part a decimal number from 0 to 255.
  if (h.compare(0, 4, "127.") != 0) return false;
  int parts = 0;
  size_t i = 0;
  while (i <= h.size()) {
    size_t dot = h.find('.', i);
    if (dot == std::string::npos) dot = h.size();
    const std::string part = h.substr(i, dot - i);
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(part) > 255) {
      return false;
    }
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

}  // namespace

std::string host_name_of(const std::string& host_header) {
  std::string h;
  for (char c : trim(host_header)) h += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (h.empty()) return "";
  if (h[0] == '[') {  // IPv6 literal, optionally with a port
    const size_t close = h.find(']');
    if (close == std::string::npos) return "";
    const std::string rest = h.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || rest.find_first_not_of("0123456789", 1) != std::string::npos)) return "";
    return h.substr(1, close - 1);
  }
  const size_t colon = h.find(':');
  if (colon != std::string::npos) {
    if (h.find_first_not_of("0123456789", colon + 1) != std::string::npos) return "";
    h.resize(colon);
  }
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost." is localhost
  if (h.empty() || h.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") != std::string::npos) return "";
  return h;
}

bool is_loopback_host(const std::string& h) {
  static const std::string kLocal = ".localhost";
  return h == "localhost" || h == "::1" || is_ipv4_loopback(h) ||
         (h.size() > kLocal.size() && h.compare(h.size() - kLocal.size(), kLocal.size(), kLocal) == 0);
}

bool AccessControl::host_allowed(const httplib::Request& req) const {
  if (!keys_.empty()) return true;
  const std::string name = host_name_of(req.get_header_value("Host"));
  if (name.empty()) return false;
  if (is_loopback_host(name)) return true;
  for (const std::string& h : hosts_) {
    if (h == "*" || h == name) return true;
  }
  return false;
}

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
