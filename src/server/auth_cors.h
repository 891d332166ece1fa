// Access control: API keys (`Authorization: Bearer KEY`, keys one per line in a file), CORS
// for an explicit list of origins, and the Host check. Requests from other origins are refused,
// not just left without CORS headers, so a foreign page cannot spend this server's compute.
// Without API keys, only requests whose Host is a loopback name or address, or one of
// --allowed-hosts, are answered: a page whose DNS name is rebound to 127.0.0.1 sends its own
// name as Host (and as its same-origin Origin), so it is refused.
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
  // Host names (no port) answered besides loopback ones when no API keys are set.
  void set_allowed_hosts(std::vector<std::string> hosts) { hosts_ = std::move(hosts); }
  bool has_api_keys() const { return !keys_.empty(); }

  bool authorized(const httplib::Request& req) const;
  // True when API keys are set, or the Host header names loopback or an allowed host.
  bool host_allowed(const httplib::Request& req) const;
  // True when the request has no Origin, comes from this server's own origin, or from an
  // allowed one.
  bool origin_allowed(const httplib::Request& req) const;
  // Adds Access-Control-Allow-* headers for an allowed cross-origin request.
  void add_cors_headers(const httplib::Request& req, httplib::Response& res) const;

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> origins_;
  std::vector<std::string> hosts_;
};

// The host part of a Host header value, lower-cased and without the port ("[::1]:80" -> "::1");
// empty when it is malformed.
std::string host_name_of(const std::string& host_header);
// localhost, *.localhost, 127.0.0.0/8 and ::1.
bool is_loopback_host(const std::string& host_name);

}  // namespace perch_server
