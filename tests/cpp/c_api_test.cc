// The C ABI (perch.h): status codes equal StatusCode, last-error messages, NULL safety, and a
// full load -> inspect -> set_input -> run -> get_output round trip.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>

#include "perch/c_api/perch.h"
#include "perch/core/status.h"
#include "test_models.h"

namespace {
bool last_error_has(const char* text) { return std::string(perch_last_error()).find(text) != std::string::npos; }
}  // namespace

TEST_CASE("C ABI status codes equal StatusCode values", "[c_api]") {
  using perch::StatusCode;
  STATIC_REQUIRE(PERCH_OK == static_cast<int>(StatusCode::kOk));
  STATIC_REQUIRE(PERCH_INVALID_ARGUMENT == static_cast<int>(StatusCode::kInvalidArgument));
  STATIC_REQUIRE(PERCH_INVALID_MODEL == static_cast<int>(StatusCode::kInvalidModel));
  STATIC_REQUIRE(PERCH_UNSUPPORTED == static_cast<int>(StatusCode::kUnsupported));
  STATIC_REQUIRE(PERCH_OUT_OF_RANGE == static_cast<int>(StatusCode::kOutOfRange));
  STATIC_REQUIRE(PERCH_INVALID_UTF8 == static_cast<int>(StatusCode::kInvalidUtf8));
  STATIC_REQUIRE(PERCH_OUT_OF_MEMORY == static_cast<int>(StatusCode::kOutOfMemory));
  STATIC_REQUIRE(PERCH_INTERNAL == static_cast<int>(StatusCode::kInternal));
  STATIC_REQUIRE(PERCH_MAX_RANK == perch::kMaxRank);
  REQUIRE(std::string(perch_version()) == "0.1.0");
}

TEST_CASE("C ABI: load, inspect, run, read outputs", "[c_api]") {
  const auto mlp = perch::test::make_mlp();
  perch_model* model = nullptr;
  REQUIRE(perch_model_load(mlp.file.data(), mlp.file.size(), &model) == PERCH_OK);
  REQUIRE(model != nullptr);
  REQUIRE(perch_model_num_inputs(model) == 1);
  REQUIRE(perch_model_num_outputs(model) == 1);
  const char* name = nullptr;
  int dtype = -1, rank = -1;
  int64_t dims[PERCH_MAX_RANK] = {0};
  REQUIRE(perch_model_input_info(model, 0, &name, &dtype, &rank, dims) == PERCH_OK);
  REQUIRE(std::string(name) == "x");
  REQUIRE(dtype == PERCH_F32);
  REQUIRE(rank == 2);
  REQUIRE(dims[0] == -1);
  REQUIRE(dims[1] == 4);
  REQUIRE(perch_model_input_max_shape(model, 0, &rank, dims) == PERCH_OK);
  REQUIRE(dims[0] == 16);
  REQUIRE(perch_model_output_info(model, 0, &name, &dtype, &rank, dims) == PERCH_OK);
  REQUIRE(std::string(name) == "probs");
  REQUIRE(dims[1] == 3);
  REQUIRE(perch_model_input_info(model, 1, &name, nullptr, nullptr, nullptr) == PERCH_OUT_OF_RANGE);
  REQUIRE(last_error_has("index 1 is not in [0, 1)"));
  REQUIRE(std::string(perch_model_metadata(model, "perch.format")) == "1");
  REQUIRE(perch_model_metadata(model, "missing") == nullptr);
  REQUIRE(std::string(perch_model_task(model)) == "");
  REQUIRE(perch_model_weight_bytes(model) > 0);
  REQUIRE(perch_model_arena_bytes(model) > 0);

  perch_session* session = nullptr;
  REQUIRE(perch_session_create(model, 2, &session) == PERCH_OK);
  perch_model_free(model);  // the session keeps the model alive
  const float x[8] = {0.1f, -0.2f, 0.3f, 0.9f, -1.f, 0.5f, 0.25f, 0.f};
  const int64_t shape[2] = {2, 4};
  REQUIRE(perch_session_run(session) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("input 'x' was not set"));
  REQUIRE(perch_session_set_input(session, "x", PERCH_F32, shape, 2, x, sizeof x - 4) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("28 bytes given, shape [2, 4] of f32 needs 32"));
  REQUIRE(perch_session_set_input(session, "x", PERCH_I32, shape, 2, x, sizeof x) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("dtype i32, expected f32"));
  REQUIRE(perch_session_set_input(session, "x", 42, shape, 2, x, sizeof x) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("unknown dtype code 42"));
  REQUIRE(perch_session_set_input(session, "x", PERCH_F32, shape, 9, x, sizeof x) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("rank 9"));
  REQUIRE(perch_session_set_input(session, "zz", PERCH_F32, shape, 2, x, sizeof x) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("no input named 'zz'"));
  REQUIRE(perch_session_set_input(session, "x", PERCH_F32, shape, 2, x, sizeof x) == PERCH_OK);
  REQUIRE(perch_session_run(session) == PERCH_OK);
  const void* data = nullptr;
  size_t nbytes = 0;
  REQUIRE(perch_session_get_output(session, "probs", &dtype, &rank, dims, &data, &nbytes) == PERCH_OK);
  REQUIRE(dtype == PERCH_F32);
  REQUIRE(rank == 2);
  REQUIRE(dims[0] == 2);
  REQUIRE(dims[1] == 3);
  REQUIRE(nbytes == 6 * sizeof(float));
  const auto want = mlp.reference(std::vector<float>(x, x + 8), 2);
  for (int i = 0; i < 6; ++i)
    REQUIRE(static_cast<const float*>(data)[i] == Approx(want[static_cast<size_t>(i)]).margin(1e-4));
  REQUIRE(perch_session_get_output(session, "nope", &dtype, &rank, dims, &data, &nbytes) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("no output named 'nope'"));
  REQUIRE(perch_session_kv_position(session) == 0);
  REQUIRE(perch_session_kv_truncate(session, 3) == PERCH_OUT_OF_RANGE);
  REQUIRE(perch_session_kv_reset(session) == PERCH_OK);
  perch_session_free(session);
}

TEST_CASE("C ABI: bad models set the last error", "[c_api]") {
  perch_model* model = reinterpret_cast<perch_model*>(0x1);
  const uint8_t junk[4] = {1, 2, 3, 4};
  REQUIRE(perch_model_load(junk, sizeof junk, &model) == PERCH_INVALID_MODEL);
  REQUIRE(model == nullptr);
  REQUIRE(last_error_has("shorter than the 8-byte header length"));
  auto unsupported = perch::test::raw_file(R"({"__metadata__":{"perch.format":"9"}})", {});
  REQUIRE(perch_model_load(unsupported.data(), unsupported.size(), &model) == PERCH_UNSUPPORTED);
  REQUIRE(last_error_has("perch.format '9'"));
}

TEST_CASE("C ABI: every function is NULL-safe", "[c_api]") {
  perch_model* model = nullptr;
  perch_session* session = nullptr;
  const uint8_t byte = 0;
  REQUIRE(perch_model_load(nullptr, 10, &model) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("bytes is NULL"));
  REQUIRE(perch_model_load(&byte, 1, nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("out is NULL"));
  perch_model_free(nullptr);
  perch_session_free(nullptr);
  perch_free_string(nullptr);
  REQUIRE(perch_model_num_inputs(nullptr) == -1);
  REQUIRE(perch_model_num_outputs(nullptr) == -1);
  REQUIRE(perch_model_input_info(nullptr, 0, nullptr, nullptr, nullptr, nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_model_output_info(nullptr, 0, nullptr, nullptr, nullptr, nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_model_input_max_shape(nullptr, 0, nullptr, nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_model_metadata(nullptr, "k") == nullptr);
  REQUIRE(std::string(perch_model_task(nullptr)).empty());
  REQUIRE(perch_model_weight_bytes(nullptr) == 0);
  REQUIRE(perch_model_arena_bytes(nullptr) == 0);
  REQUIRE(perch_session_create(nullptr, 1, &session) == PERCH_INVALID_ARGUMENT);
  REQUIRE(session == nullptr);
  REQUIRE(perch_session_create(nullptr, 1, nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_session_set_input(nullptr, "x", 0, nullptr, 0, nullptr, 0) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_session_run(nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("perch_session_run: session is NULL"));
  REQUIRE(perch_session_get_output(nullptr, "y", nullptr, nullptr, nullptr, nullptr, nullptr) ==
          PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_session_kv_truncate(nullptr, 0) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_session_kv_reset(nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_session_kv_position(nullptr) == -1);
  REQUIRE(perch_session_num_threads(nullptr) == -1);

  const auto mlp = perch::test::make_mlp();
  REQUIRE(perch_model_load(mlp.file.data(), mlp.file.size(), &model) == PERCH_OK);
  REQUIRE(perch_model_metadata(model, nullptr) == nullptr);
  REQUIRE(perch_model_input_info(model, 0, nullptr, nullptr, nullptr, nullptr) == PERCH_OK);
  REQUIRE(perch_session_create(model, 1, &session) == PERCH_OK);
  const int64_t dims[2] = {1, 4};
  REQUIRE(perch_session_set_input(session, nullptr, 0, dims, 2, nullptr, 16) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_session_set_input(session, "x", 0, nullptr, 2, nullptr, 16) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("dims is NULL"));
  REQUIRE(perch_session_set_input(session, "x", 0, dims, 2, nullptr, 16) == PERCH_INVALID_ARGUMENT);
  REQUIRE(last_error_has("data is NULL"));
  REQUIRE(perch_session_get_output(session, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr) ==
          PERCH_INVALID_ARGUMENT);
  perch_session_free(session);
  perch_model_free(model);
}

TEST_CASE("C ABI: the last error is per thread", "[c_api]") {
  REQUIRE(perch_session_run(nullptr) == PERCH_INVALID_ARGUMENT);
  const std::string mine = perch_last_error();
#ifdef PERCH_THREADS
  std::string theirs;
  std::thread t([&] {
    theirs = perch_last_error();  // nothing failed on this thread yet
    perch_model* m = nullptr;
    (void)perch_model_load(nullptr, 0, &m);
  });
  t.join();
  REQUIRE(theirs.empty());
#endif
  REQUIRE(std::string(perch_last_error()) == mine);
}
