// Nesting-depth check for untrusted request bodies, run before nlohmann parses them: nlohmann
// copies, dumps and compares values recursively, so a body nesting [[[[...]]]] a million deep
// would overflow the stack. (The core's own JSON reader, perch/format/json.h, limits depth
// itself; this is for the server's nlohmann side only.)
#pragma once
#include <string_view>

namespace perch_server {

// False when arrays/objects nest deeper than max_depth (brackets inside strings are ignored).
bool json_depth_within(std::string_view text, int max_depth);

}  // namespace perch_server
