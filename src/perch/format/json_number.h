// Decimal <-> double for perch's JSON, exact and without strtod or printf (in the wasm build those
// pull in musl's long-double soft-float code). Reading rounds to the nearest double (ties to
// even): small inputs take the exact double fast path, the rest are corrected with big-integer
// comparisons. Writing finds the shortest decimal that reads back to the same double.
#pragma once
#include <string>
#include <string_view>

namespace perch {

// A JSON number literal (already checked against the RFC 8259 grammar) -> the nearest double.
// False when its magnitude rounds beyond the largest double (JSON has no infinity); tiny values
// round to a subnormal or to (signed) zero as IEEE does.
bool json_number_to_double(std::string_view literal, double* out);

// v finite and > 0: digits D (no leading or trailing zeros) and the decimal point position P
// such that 0.D x 10^P reads back as v: v's correctly rounded decimal at the fewest digits that
// read back (the shortest string, except next to a power of two, where it may be a digit longer).
void shortest_decimal_digits(double v, std::string* digits, int* point);

}  // namespace perch
