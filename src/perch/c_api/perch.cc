#include <cstdlib>
#include <cstring>
#include <new>

#include "perch/c_api/c_api_internal.h"

namespace perch::c_api {

namespace {
thread_local std::string g_last_error;
}

perch_status fail(const Status& status) { return fail(status.code(), status.message()); }

perch_status fail(StatusCode code, const std::string& message) {
  g_last_error = message;
  return code == StatusCode::kOk ? PERCH_INTERNAL : static_cast<perch_status>(code);
}

char* copy_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

}  // namespace perch::c_api

using perch::StatusCode;
using perch::c_api::fail;

namespace {

perch_status null_arg(const char* fn, const char* what) {
  return fail(StatusCode::kInvalidArgument, std::string(fn) + ": " + what + " is NULL");
}

perch_status io_info(const std::vector<perch::IoInfo>& list, const char* fn, int index, const char** name, int* dtype,
                     int* rank, int64_t* dims, bool max_shape) {
  if (index < 0 || static_cast<size_t>(index) >= list.size())
    return fail(StatusCode::kOutOfRange, std::string(fn) + ": index " + std::to_string(index) + " is not in [0, " +
                                             std::to_string(list.size()) + ")");
  const perch::IoInfo& io = list[static_cast<size_t>(index)];
  const perch::Shape& s = max_shape ? io.max_shape : io.shape;
  if (name) *name = io.name.c_str();
  if (dtype) *dtype = static_cast<int>(io.dtype);
  if (rank) *rank = s.rank();
  if (dims)
    for (int d = 0; d < s.rank(); ++d) dims[d] = s[d];
  return PERCH_OK;
}

}  // namespace

extern "C" {

const char* perch_version(void) { return "0.1.0"; }
const char* perch_last_error(void) { return perch::c_api::g_last_error.c_str(); }
void perch_free_string(char* s) { std::free(s); }

perch_status perch_model_load(const uint8_t* bytes, size_t size, perch_model** out) {
  if (!out) return null_arg("perch_model_load", "out");
  *out = nullptr;
  if (!bytes) return null_arg("perch_model_load", "bytes");
  auto loaded = perch::Model::load(bytes, size);
  if (!loaded.is_ok()) return fail(loaded.status());
  perch_model* m = new (std::nothrow) perch_model;
  if (!m) return fail(StatusCode::kOutOfMemory, "perch_model_load: out of memory");
  m->model = std::move(loaded.value());
  *out = m;
  return PERCH_OK;
}

void perch_model_free(perch_model* model) { delete model; }

int perch_model_num_inputs(const perch_model* model) {
  return model ? static_cast<int>(model->model->inputs().size()) : -1;
}
int perch_model_num_outputs(const perch_model* model) {
  return model ? static_cast<int>(model->model->outputs().size()) : -1;
}

perch_status perch_model_input_info(const perch_model* model, int index, const char** name, int* dtype, int* rank,
                                    int64_t* dims) {
  if (!model) return null_arg("perch_model_input_info", "model");
  return io_info(model->model->inputs(), "perch_model_input_info", index, name, dtype, rank, dims, false);
}

perch_status perch_model_input_max_shape(const perch_model* model, int index, int* rank, int64_t* dims) {
  if (!model) return null_arg("perch_model_input_max_shape", "model");
  return io_info(model->model->inputs(), "perch_model_input_max_shape", index, nullptr, nullptr, rank, dims, true);
}

perch_status perch_model_output_info(const perch_model* model, int index, const char** name, int* dtype, int* rank,
                                     int64_t* dims) {
  if (!model) return null_arg("perch_model_output_info", "model");
  return io_info(model->model->outputs(), "perch_model_output_info", index, name, dtype, rank, dims, false);
}

const char* perch_model_metadata(const perch_model* model, const char* key) {
  if (!model || !key) return nullptr;
  const std::string* v = model->model->metadata(key);
  return v ? v->c_str() : nullptr;
}

const char* perch_model_task(const perch_model* model) { return model ? model->model->task().c_str() : ""; }
size_t perch_model_weight_bytes(const perch_model* model) { return model ? model->model->weight_bytes() : 0; }
size_t perch_model_arena_bytes(const perch_model* model) { return model ? model->model->arena_bytes() : 0; }

perch_status perch_session_create(const perch_model* model, int num_threads, perch_session** out) {
  if (!out) return null_arg("perch_session_create", "out");
  *out = nullptr;
  if (!model) return null_arg("perch_session_create", "model");
  perch::SessionOptions options;
  options.num_threads = num_threads;
  auto created = perch::Session::create(model->model, options);
  if (!created.is_ok()) return fail(created.status());
  perch_session* s = new (std::nothrow) perch_session;
  if (!s) return fail(StatusCode::kOutOfMemory, "perch_session_create: out of memory");
  s->session = std::move(created.value());
  *out = s;
  return PERCH_OK;
}

void perch_session_free(perch_session* session) { delete session; }

perch_status perch_session_set_input(perch_session* session, const char* name, int dtype, const int64_t* dims, int rank,
                                     const void* data, size_t nbytes) {
  const char* fn = "perch_session_set_input";
  if (!session) return null_arg(fn, "session");
  if (!name) return null_arg(fn, "name");
  if (dtype < 0 || dtype > static_cast<int>(perch::DType::kU8))
    return fail(StatusCode::kInvalidArgument,
                std::string(fn) + ": input '" + name + "': unknown dtype code " + std::to_string(dtype));
  if (rank < 0 || rank > perch::kMaxRank)
    return fail(StatusCode::kInvalidArgument, std::string(fn) + ": input '" + name + "': rank " + std::to_string(rank) +
                                                  " is not in [0, " + std::to_string(perch::kMaxRank) + "]");
  if (rank > 0 && !dims) return null_arg(fn, "dims");
  perch::Tensor t;
  t.dtype = static_cast<perch::DType>(dtype);
  if (rank > 0) perch::Shape::from(dims, rank, &t.shape);
  int64_t numel = 0;
  if (!t.shape.checked_numel(INT64_MAX / 8, &numel))
    return fail(StatusCode::kInvalidArgument,
                std::string(fn) + ": input '" + name + "': bad shape " + t.shape.to_string());
  const uint64_t need = static_cast<uint64_t>(numel) * perch::dtype_size(t.dtype);
  if (need != nbytes)
    return fail(StatusCode::kInvalidArgument, std::string(fn) + ": input '" + name + "': " + std::to_string(nbytes) +
                                                  " bytes given, shape " + t.shape.to_string() + " of " +
                                                  perch::dtype_name(t.dtype) + " needs " + std::to_string(need));
  if (need > 0 && !data) return null_arg(fn, "data");
  t.data = const_cast<void*>(data);
  return perch::c_api::from(session->session->set_input(name, t));
}

perch_status perch_session_run(perch_session* session) {
  if (!session) return null_arg("perch_session_run", "session");
  return perch::c_api::from(session->session->run());
}

perch_status perch_session_get_output(const perch_session* session, const char* name, int* dtype, int* rank,
                                      int64_t* dims, const void** data, size_t* nbytes) {
  const char* fn = "perch_session_get_output";
  if (!session) return null_arg(fn, "session");
  if (!name) return null_arg(fn, "name");
  auto out = session->session->output(name);
  if (!out.is_ok()) return fail(out.status());
  const perch::Tensor& t = out.value();
  if (dtype) *dtype = static_cast<int>(t.dtype);
  if (rank) *rank = t.shape.rank();
  if (dims)
    for (int d = 0; d < t.shape.rank(); ++d) dims[d] = t.shape[d];
  if (data) *data = t.data;
  if (nbytes) *nbytes = t.nbytes();
  return PERCH_OK;
}

int perch_session_kv_position(const perch_session* session) {
  return session ? session->session->kv_cache().position() : -1;
}

perch_status perch_session_kv_truncate(perch_session* session, int rows) {
  if (!session) return null_arg("perch_session_kv_truncate", "session");
  return perch::c_api::from(session->session->kv_cache().truncate(rows));
}

perch_status perch_session_kv_reset(perch_session* session) {
  if (!session) return null_arg("perch_session_kv_reset", "session");
  session->session->kv_cache().reset();
  return PERCH_OK;
}

int perch_session_num_threads(const perch_session* session) { return session ? session->session->num_threads() : -1; }

}  // extern "C"
