#include "perch/graph/ops/attrs.h"

#include <cstring>

namespace perch::ops {

Status Attrs::error(const std::string& message) const { return invalid_model(std::string(op_) + ": " + message); }

bool Attrs::has(const char* name) const { return attrs_.is_object() && attrs_.contains(name); }

Status Attrs::check_known(std::initializer_list<const char*> names) const {
  if (attrs_.is_null()) return Status::ok();
  if (!attrs_.is_object()) return error("attrs must be a JSON object");
  for (size_t i = 0; i < attrs_.size(); ++i) {
    bool known = false;
    for (const char* n : names) known = known || attrs_.key(i) == n;
    if (!known) {
      std::string list;
      for (const char* n : names) list += std::string(list.empty() ? "" : ", ") + n;
      return error("unknown attr '" + attrs_.key(i) + "' (known: " + (list.empty() ? "none" : list) + ")");
    }
  }
  return Status::ok();
}

Status Attrs::get_int(const char* name, int64_t def, int64_t* out) const {
  *out = def;
  if (!has(name)) return Status::ok();
  const JsonValue& v = *attrs_.find(name);
  if (v.is_bool()) {
    *out = v.as_bool() ? 1 : 0;
  } else if (v.is_integer()) {
    *out = v.as_int64();  // clamped to int64 when beyond it: range checks then reject it
  } else {
    return error(std::string("attr '") + name + "' must be an integer");
  }
  return Status::ok();
}

Status Attrs::get_float(const char* name, float def, float* out) const {
  *out = def;
  if (!has(name)) return Status::ok();
  const JsonValue& v = *attrs_.find(name);
  if (!v.is_number()) return error(std::string("attr '") + name + "' must be a number");
  *out = static_cast<float>(v.as_double());
  return Status::ok();
}

Status Attrs::get_string(const char* name, const char* def, std::string* out) const {
  *out = def;
  if (!has(name)) return Status::ok();
  const JsonValue& v = *attrs_.find(name);
  if (!v.is_string()) return error(std::string("attr '") + name + "' must be a string");
  *out = v.as_string();
  return Status::ok();
}

Status Attrs::get_ints(const char* name, std::vector<int64_t>* out, bool* present) const {
  out->clear();
  *present = has(name);
  if (!*present) return Status::ok();
  const JsonValue& v = *attrs_.find(name);
  if (!v.is_array()) return error(std::string("attr '") + name + "' must be a list of integers");
  for (const JsonValue& e : v.items()) {
    if (!e.is_integer()) return error(std::string("attr '") + name + "' must be a list of integers");
    out->push_back(e.as_int64());
  }
  return Status::ok();
}

Status check_arity(const char* op, const OpBuildArgs& args, int min_inputs, int max_inputs, int num_outputs) {
  if (args.num_inputs < min_inputs || args.num_inputs > max_inputs) {
    std::string want = min_inputs == max_inputs ? std::to_string(min_inputs)
                                                : std::to_string(min_inputs) + " to " + std::to_string(max_inputs);
    return invalid_model(std::string(op) + ": takes " + want + " inputs, got " + std::to_string(args.num_inputs));
  }
  for (int i = 0; i < min_inputs; ++i)
    if (!input_present(args, i))
      return invalid_model(std::string(op) + ": input " + std::to_string(i) + " is required");
  if (args.num_outputs != num_outputs)
    return invalid_model(std::string(op) + ": has " + std::to_string(num_outputs) + " output(s), got " +
                         std::to_string(args.num_outputs));
  return Status::ok();
}

bool input_present(const OpBuildArgs& args, int i) {
  if (i < 0 || i >= args.num_inputs) return false;
  return args.input_names == nullptr || !args.input_names[i].empty();
}

bool normalize_axis(int64_t axis, int rank, int* out) {
  if (axis < -rank || axis >= rank) return false;
  *out = static_cast<int>(axis < 0 ? axis + rank : axis);
  return true;
}

}  // namespace perch::ops
