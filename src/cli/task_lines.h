// What the task subcommands (detect-language, suggest) share: finding the shipped model, and the
// JSON-lines pipe — one {"text": ...} per stdin line, one answer line each, flushed at once.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace perch::cli {

// $env_var when set, else `relative` (e.g. "models/langid/langid.perch") under the current
// directory or up to four folders above the executable (build/<preset>/perch -> ../../models).
std::string default_model_path(const char* env_var, const std::string& relative);

// The option value after args[*i] as an int in [lo, hi]; advances *i. False when missing or bad.
bool next_int_arg(const std::vector<std::string>& args, size_t* i, int lo, int hi, int* out);

// {"error": message} as one JSON line (invalid UTF-8 in the message is replaced, never thrown).
std::string error_line(const std::string& message);

// Reads stdin to its end. A line that is not valid UTF-8, or not a JSON object with a string
// "text", gets an error line; otherwise `answer(text)` gives the line to print.
void answer_text_lines(const std::function<std::string(const std::string& text)>& answer);

}  // namespace perch::cli
