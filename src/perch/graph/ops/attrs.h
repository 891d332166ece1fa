// Attribute readers for op factories: an absent attr takes its default, a present one must have
// the right type, and every error names the op and the attr ("Softmax: attr 'axis' ...").
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "perch/core/status.h"
#include "perch/graph/op.h"

namespace perch::ops {

class Attrs {
 public:
  Attrs(const char* op, const JsonValue& attrs) : op_(op), attrs_(attrs) {}

  // Rejects attrs the op does not know (a typo would otherwise be silently ignored).
  Status check_known(std::initializer_list<const char*> names) const;
  bool has(const char* name) const;
  // Integers (booleans read as 0/1).
  Status get_int(const char* name, int64_t def, int64_t* out) const;
  Status get_float(const char* name, float def, float* out) const;
  Status get_string(const char* name, const char* def, std::string* out) const;
  // A list of integers; *present says whether the attr was given.
  Status get_ints(const char* name, std::vector<int64_t>* out, bool* present) const;

  // InvalidModel "<op>: <message>".
  Status error(const std::string& message) const;

 private:
  const char* op_;
  const JsonValue& attrs_;
};

// Checks the node's input and output counts.
Status check_arity(const char* op, const OpBuildArgs& args, int min_inputs, int max_inputs, int num_outputs);
// True when input i is given (not past the end, not the "" absent marker).
bool input_present(const OpBuildArgs& args, int i);
// Maps axis in [-rank, rank) to [0, rank); false when out of range.
bool normalize_axis(int64_t axis, int rank, int* out);

}  // namespace perch::ops
