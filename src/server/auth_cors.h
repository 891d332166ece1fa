// Access control: API keys (`Authorization: Bearer KEY`, keys one per line in a file) and CORS
// for an explicit list of origins. Requests from other origins are refused, not just left
// without CORS headers, so a foreign page cannot spend this server's compute.
#pragma once
#include <string>
#include <vector>

#include <httplib.h>

#include "perch/core/status.h"

namespace perch_server {

class AccessControl {
 public:
  // Keys file: one key per line; blank lines and lines starting with '#' are ignored.
  perch::Status load_api_keys(const std::string& path);
  void set_allowed_origins(std::vector<std::string> origins) { origins_ = std::move(origins); }

  bool authorized(const httplib::Request& req) const;
  // True when the request has no Origin, comes from this server's own origin, or from an
  // allowed one.
  bool origin_allowed(const httplib::Request& req) const;
  // Adds Access-Control-Allow-* headers for an allowed cross-origin request.
  void add_cors_headers(const httplib::Request& req, httplib::Response& res) const;

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> origins_;
};

}  // namespace perch_server
