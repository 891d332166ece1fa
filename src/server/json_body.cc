#include "server/json_body.h"

#include "server/json_depth.h"

#include "server/http_errors.h"
#include "server/request_context.h"

namespace perch_server {

bool parse_json_object_body(const httplib::Request& req, httplib::Response& res, nlohmann::json* out) {
  if (req.body.empty()) {
    send_error(res, 400, "empty_body", "the request needs a JSON object body");
    return false;
  }
  if (!json_depth_within(req.body, kMaxJsonDepth)) {
    send_error(res, 400, "json_too_deep", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return false;
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    send_error(res, 400, "invalid_json", "the body is not valid JSON (or not valid UTF-8)");
    return false;
  }
  if (!body.is_object()) {
    send_error(res, 400, "invalid_json", "the body must be a JSON object");
    return false;
  }
  *out = std::move(body);
  return true;
}

}  // namespace perch_server
