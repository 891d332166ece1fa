#include "server/http_errors.h"

#include "server/request_context.h"

namespace perch_server {

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_json(httplib::Response& res, const nlohmann::json& value, int http_status) {
  res.status = http_status;
  res.set_content(dump_json(value), "application/json");
}

void send_error(httplib::Response& res, int http_status, std::string_view code, std::string_view message) {
  request_context().error_code = std::string(code);
  nlohmann::json body = nlohmann::json::object();
  body["error"] = std::string(message);
  body["code"] = std::string(code);
  send_json(res, body, http_status);
}

void send_status_error(httplib::Response& res, const perch::Status& status) {
  int http = 500;
  switch (status.code()) {
    case perch::StatusCode::kInvalidArgument:
    case perch::StatusCode::kOutOfRange:
    case perch::StatusCode::kInvalidUtf8:
    case perch::StatusCode::kUnsupported:
      http = 400;
      break;
    default:
      http = 500;
  }
  send_error(res, http, perch::status_code_name(status.code()), status.message());
}

const char* default_error_code(int http_status) {
  switch (http_status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    case 429:
      return "too_many_requests";
    case 431:
      return "headers_too_large";
    case 500:
      return "internal";
    case 503:
      return "unavailable";
    default:
      return http_status >= 500 ? "server_error" : "client_error";
  }
}

}  // namespace perch_server
