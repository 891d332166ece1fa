// Parses a request body as JSON without exceptions, refusing nesting deeper than a fixed limit
// before parsing (so a body of a million '[' cannot exhaust the stack in later recursive code).
#pragma once
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace perch_server {

constexpr int kMaxJsonDepth = 32;

// True and `out` set for a JSON object body; otherwise answers 400 with a JSON error.
bool parse_json_object_body(const httplib::Request& req, httplib::Response& res, nlohmann::json* out);

}  // namespace perch_server
