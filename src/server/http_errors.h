// Every error the server answers carries a JSON body {"error": message, "code": short_code}
// (the Open Inference Protocol's error shape plus a machine-readable code).
#pragma once
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "perch/core/status.h"

namespace perch_server {

void send_error(httplib::Response& res, int http_status, std::string_view code, std::string_view message);
// Maps a perch Status to an answer: the caller's input (invalid argument, out of range, invalid
// UTF-8, unsupported) is a 400, anything else a 500.
void send_status_error(httplib::Response& res, const perch::Status& status);
// Serialises JSON that may hold caller-supplied strings: invalid UTF-8 is replaced, never thrown.
std::string dump_json(const nlohmann::json& value);
void send_json(httplib::Response& res, const nlohmann::json& value, int http_status = 200);
// Short reason code for a status (used when a response has no body yet).
const char* default_error_code(int http_status);

}  // namespace perch_server
