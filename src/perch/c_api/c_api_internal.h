// Shared by the C ABI's implementation files (perch.cc and the task engineers' c_api/*.cc):
// the handle structs and how a perch::Status becomes a perch_status plus last-error message.
#pragma once
#include <memory>
#include <string>

#include "perch/c_api/perch.h"
#include "perch/core/status.h"
#include "perch/runtime/model.h"
#include "perch/runtime/session.h"

struct perch_model {
  std::shared_ptr<const perch::Model> model;
};

struct perch_session {
  std::unique_ptr<perch::Session> session;
};

namespace perch::c_api {

// Records the message for perch_last_error() on this thread and returns the status code.
perch_status fail(const Status& status);
perch_status fail(StatusCode code, const std::string& message);
// PERCH_OK after a success: leaves the last error as it was (like errno).
inline perch_status ok() { return PERCH_OK; }
inline perch_status from(const Status& status) { return status.is_ok() ? PERCH_OK : fail(status); }
// A malloc'ed copy for strings handed to the caller (freed with perch_free_string).
char* copy_string(const std::string& s);

}  // namespace perch::c_api
