// Nesting-depth check for untrusted JSON, run before nlohmann parses it: nlohmann copies, dumps
// and compares values recursively, so a file nesting [[[[...]]]] a million deep would overflow
// the stack. Real perch JSON (header, graph, tokenizer, labels) nests a few levels.
#pragma once
#include <string_view>

namespace perch {

constexpr int kMaxJsonDepth = 64;

// False when arrays/objects nest deeper than max_depth (brackets inside strings are ignored).
bool json_depth_within(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace perch
