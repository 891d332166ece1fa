#include "server/json_body.h"

#include "server/http_errors.h"
#include "server/request_context.h"

namespace perch_server {

int json_nesting_depth(std::string_view text, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) max_depth = depth;
      if (max_depth > limit) return max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

bool parse_json_object_body(const httplib::Request& req, httplib::Response& res,
                            nlohmann::json* out) {
  if (req.body.empty()) {
    send_error(res, 400, "empty_body", "the request needs a JSON object body");
    return false;
  }
  if (json_nesting_depth(req.body, kMaxJsonDepth) > kMaxJsonDepth) {
    send_error(res, 400, "json_too_deep",
               "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
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
