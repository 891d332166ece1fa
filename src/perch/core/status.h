// Status: how every fallible perch function reports failure. No exceptions cross module or ABI
// boundaries (the wasm builds compile without exception support), so errors travel as values.
#pragma once
#include <string>
#include <utility>

namespace perch {

// Stable numbers: they are the C ABI's perch_status values too.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // a caller passed something wrong (shape, dtype, name, option)
  kInvalidModel = 2,     // the model file is malformed or inconsistent
  kUnsupported = 3,      // well-formed but not something this build can do
  kOutOfRange = 4,       // an index, id or length beyond its bound
  kInvalidUtf8 = 5,      // text input that is not valid UTF-8
  kOutOfMemory = 6,
  kInternal = 7,  // a bug in perch
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidModel: tensor 'fc1.weight': data_offsets [0, 4096) run past the end of the file"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status invalid_model(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status invalid_utf8(std::string m) { return {StatusCode::kInvalidUtf8, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool is_ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace perch

#define PERCH_CONCAT_INNER(a, b) a##b
#define PERCH_CONCAT(a, b) PERCH_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` fails.
#define PERCH_RETURN_IF_ERROR(expr)                   \
  do {                                                \
    ::perch::Status perch_status_ = (expr);           \
    if (!perch_status_.is_ok()) return perch_status_; \
  } while (0)

// `PERCH_ASSIGN_OR_RETURN(auto x, make_x());`
#define PERCH_ASSIGN_OR_RETURN(decl, expr) \
  PERCH_ASSIGN_OR_RETURN_IMPL(PERCH_CONCAT(perch_result_, __LINE__), decl, expr)
#define PERCH_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.is_ok()) return tmp.status();             \
  decl = std::move(tmp).value()
