// The .perch reader and writer: canonical bytes, and a corpus of broken files each rejected
// with its own message (never a crash: the asan build runs these too).
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>

#include "perch/format/reader.h"
#include "perch/format/writer.h"
#include "perch/runtime/model.h"
#include "test_models.h"

using namespace perch;
using perch::test::ModelBuilder;
using perch::test::raw_file;

namespace {

std::vector<uint8_t> zeros(size_t n) { return std::vector<uint8_t>(n, 0); }

Status read_status(const std::vector<uint8_t>& bytes) {
  auto r = read_perch_file(bytes.data(), bytes.size());
  return r.status();
}

Status load_status(const std::vector<uint8_t>& bytes) {
  auto r = Model::load(bytes.data(), bytes.size());
  return r.status();
}

void require_rejected(const Status& st, StatusCode code, const std::string& substring) {
  INFO("message: " << st.to_string());
  REQUIRE_FALSE(st.is_ok());
  REQUIRE(st.code() == code);
  REQUIRE(st.message().find(substring) != std::string::npos);
}

const char* kTinyGraph =
    R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})";

}  // namespace

TEST_CASE("writer produces the canonical layout", "[format]") {
  const std::vector<float> a = {1, 2, 3}, b = {4};
  auto bytes = ModelBuilder().add_f32("b", {1}, b).add_f32("a", {3}, a).meta("k", "v é \"q\"").bytes();
  REQUIRE(bytes.size() % 8 == 0);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<size_t>(i)];
  REQUIRE((8 + n) % 8 == 0);
  std::string header(reinterpret_cast<const char*>(bytes.data() + 8), n);
  // Sorted keys, compact separators, raw UTF-8, data in name order, space padding.
  const std::string expect =
      R"({"__metadata__":{"k":"v é \"q\""},"a":{"data_offsets":[0,12],"dtype":"F32","shape":[3]},)"
      R"("b":{"data_offsets":[12,16],"dtype":"F32","shape":[1]}})";
  REQUIRE(header.substr(0, expect.size()) == expect);
  REQUIRE(header.find_first_not_of(' ', expect.size()) == std::string::npos);
  float back[4];
  std::memcpy(back, bytes.data() + 8 + n, 16);
  REQUIRE(back[0] == 1.f);
  REQUIRE(back[2] == 3.f);
  REQUIRE(back[3] == 4.f);

  auto file = read_perch_file(bytes.data(), bytes.size());
  REQUIRE(file.is_ok());
  REQUIRE(file->tensors.size() == 2);
  REQUIRE(file->tensors[0].name == "a");
  REQUIRE(file->tensors[0].shape == Shape{3});
  REQUIRE(file->metadata.at("k") == "v é \"q\"");
  REQUIRE(file->find("b") != nullptr);
  REQUIRE(file->find("c") == nullptr);
}

TEST_CASE("writer rejects what it cannot write", "[format]") {
  Tensor t;
  t.shape = Shape{1};
  float v = 0;
  t.data = &v;
  REQUIRE_FALSE(write_perch_bytes({{"__metadata__", t}}, {}).is_ok());
  REQUIRE_FALSE(write_perch_bytes({{"a", t}, {"a", t}}, {}).is_ok());
  REQUIRE_FALSE(write_perch_bytes({{"a", t}}, {{"k", std::string("\xff\xfe")}}).is_ok());
  REQUIRE(write_perch_bytes({}, {}).is_ok());
}

TEST_CASE("broken file corpus: each file is rejected with its own message", "[format]") {
  const auto f32x2 = [](const std::string& offsets) {
    return R"("w":{"dtype":"F32","shape":[2],"data_offsets":)" + offsets + "}";
  };
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    StatusCode code;
    std::string message;
  };
  std::vector<uint8_t> valid = ModelBuilder().add_f32("w", {2, 2}, {1, 2, 3, 4}).bytes();
  std::vector<uint8_t> truncated_data(valid.begin(), valid.end() - 4);
  std::vector<uint8_t> truncated_header(valid.begin(), valid.begin() + 20);
  std::vector<uint8_t> huge_length = valid;
  huge_length[7] = 0x7f;
  std::vector<uint8_t> past_end = valid;
  past_end[0] = static_cast<uint8_t>(valid.size());  // header length > file
  past_end[1] = 0;

  std::vector<Case> cases = {
      {"empty", {}, StatusCode::kInvalidModel, "shorter than the 8-byte header length"},
      {"7 bytes", zeros(7), StatusCode::kInvalidModel, "shorter than the 8-byte header length"},
      {"truncated header", truncated_header, StatusCode::kInvalidModel, "runs past the end of the file"},
      {"header length past the end", past_end, StatusCode::kInvalidModel, "runs past the end of the file"},
      {"absurd header length", huge_length, StatusCode::kInvalidModel, "is absurd"},
      {"truncated data", truncated_data, StatusCode::kInvalidModel, "run past the end of the data"},
      {"not json", raw_file("{\"w\": nope}", {}), StatusCode::kInvalidModel, "header is not valid JSON"},
      {"not an object", raw_file("[1, 2]", {}), StatusCode::kInvalidModel, "header is not a JSON object"},
      {"header nested too deep", raw_file("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}", {}),
       StatusCode::kInvalidModel, "header JSON nests deeper than 64 levels"},
      {"invalid utf-8 in header", raw_file("{\"\xff\":1}", {}), StatusCode::kInvalidModel, "header is not valid JSON"},
      {"entry not object", raw_file(R"({"w":3})", {}), StatusCode::kInvalidModel,
       "tensor 'w': entry is not a JSON object"},
      {"missing dtype", raw_file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", zeros(4)), StatusCode::kInvalidModel,
       "tensor 'w': missing field 'dtype'"},
      {"missing data_offsets", raw_file(R"({"w":{"dtype":"F32","shape":[1]}})", zeros(4)), StatusCode::kInvalidModel,
       "tensor 'w': missing field 'data_offsets'"},
      {"dtype not a string", raw_file(R"({"w":{"dtype":1,"shape":[1],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "tensor 'w': field 'dtype' is not a string"},
      {"unknown dtype", raw_file(R"({"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", zeros(8)),
       StatusCode::kInvalidModel, "tensor 'w': unknown dtype 'F64'"},
      {"lowercase dtype in file", raw_file(R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "unknown dtype 'f32'"},
      {"shape not an array", raw_file(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", zeros(16)),
       StatusCode::kInvalidModel, "tensor 'w': field 'shape' is not an array"},
      {"negative dim", raw_file(R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})", zeros(16)),
       StatusCode::kInvalidModel, "tensor 'w': shape[1] = -2 is negative"},
      {"fractional dim", raw_file(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "tensor 'w': shape[0] is not an integer"},
      {"rank 7", raw_file(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "rank 7, more than 6"},
      {"huge dims overflow",
       raw_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4096],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "has too many elements (overflow)"},
      {"dim beyond int64",
       raw_file(R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "is negative or too large"},
      {"offsets past the end", raw_file("{" + f32x2("[0,8]") + "}", zeros(4)), StatusCode::kInvalidModel,
       "tensor 'w': data_offsets [0, 8) run past the end of the data (4 bytes)"},
      {"offsets reversed", raw_file("{" + f32x2("[8,0]") + "}", zeros(8)), StatusCode::kInvalidModel,
       "end before they begin"},
      {"offsets negative", raw_file("{" + f32x2("[-8,0]") + "}", zeros(8)), StatusCode::kInvalidModel,
       "'data_offsets' must be [begin, end]"},
      {"offsets wrong arity", raw_file("{" + f32x2("[0]") + "}", zeros(8)), StatusCode::kInvalidModel,
       "'data_offsets' must be [begin, end]"},
      {"wrong dtype size", raw_file(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", zeros(12)),
       StatusCode::kInvalidModel, "tensor 'w': data_offsets span 12 bytes but shape [2, 2] of F32 needs 16"},
      {"overlapping tensors",
       raw_file(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
           zeros(12)),
       StatusCode::kInvalidModel, "tensors 'a' [0, 8) and 'b' [4, 12) overlap"},
      {"hole between tensors",
       raw_file(
           R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
           zeros(12)),
       StatusCode::kInvalidModel, "hole of 4 bytes in the data before tensor 'b'"},
      {"trailing bytes", raw_file("{" + f32x2("[0,8]") + "}", zeros(12)), StatusCode::kInvalidModel,
       "4 bytes of data after the last tensor"},
      {"metadata not an object", raw_file(R"({"__metadata__":[1]})", {}), StatusCode::kInvalidModel,
       "__metadata__ is not a JSON object"},
      {"metadata value not a string", raw_file(R"({"__metadata__":{"perch.format":1}})", {}), StatusCode::kInvalidModel,
       "metadata 'perch.format': value is not a string"},
      {"unsupported format", raw_file(R"({"__metadata__":{"perch.format":"2"}})", {}), StatusCode::kUnsupported,
       "perch.format '2' is not supported"},
      {"int8 without scale", raw_file(R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]}})", zeros(4)),
       StatusCode::kInvalidModel, "tensor 'q' is I8 but has no companion 'q.scale'"},
      {"int8 scale of wrong shape",
       raw_file(
           R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"q.scale":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}})",
           zeros(16)),
       StatusCode::kInvalidModel, "tensor 'q.scale': F32 [3] but 'q' [2, 2] needs F32 [2]"},
      {"int8 scale of wrong dtype",
       raw_file(
           R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"q.scale":{"dtype":"I32","shape":[2],"data_offsets":[4,12]}})",
           zeros(12)),
       StatusCode::kInvalidModel, "tensor 'q.scale': I32 [2] but 'q' [2, 2] needs F32 [2]"},
  };
  for (const Case& c : cases) {
    INFO("case: " << c.what);
    require_rejected(read_status(c.bytes), c.code, c.message);
    // Loading a model goes through the same checks first.
    require_rejected(load_status(c.bytes), c.code, c.message);
  }
}

TEST_CASE("broken graph corpus: each model is rejected with its own message", "[format][graph]") {
  const auto model = [](const std::string& graph) {
    return ModelBuilder().add_f32("w", {3, 2}, {1, 2, 3, 4, 5, 6}).graph(graph).bytes();
  };
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    std::string message;
  };
  std::vector<Case> cases = {
      {"no perch.format", ModelBuilder().meta("perch.graph", kTinyGraph).bytes(),
       "not a perch model: metadata has no 'perch.format'"},
      {"no perch.graph", ModelBuilder().meta("perch.format", "1").bytes(), "metadata has no 'perch.graph'"},
      {"unknown task", ModelBuilder().graph(kTinyGraph).meta("perch.task", "chess").bytes(), "perch.task 'chess'"},
      {"graph not json", model("{nodes: []"), "perch.graph is not valid JSON"},
      {"graph not object", model("[]"), "perch.graph is not a JSON object"},
      {"graph nested too deep",
       model(R"({"inputs":[],"outputs":["y"],"nodes":[{"op":"Relu","inputs":[],"outputs":["y"],"attrs":{"a":)" +
             std::string(100000, '[') + std::string(100000, ']') + "}}]}"),
       "perch.graph nests deeper than 64 levels"},
      {"graph without nodes", model(R"({"inputs":[],"outputs":[]})"), "'nodes' must be an array"},
      {"input never produced",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["nope"],"outputs":["y"]}]})"),
       "node 0 (Relu): input 'nope' is not a graph input, a weight, or the output of any node"},
      {"value produced twice", model(R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[
         {"op":"Relu","inputs":["x"],"outputs":["y"]},{"op":"Tanh","inputs":["x"],"outputs":["y"]}]})"),
       "value 'y' is produced twice (by the node 0 and by the node 1 (Tanh))"},
      {"node output shadows a weight",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["w"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["w"]}]})"),
       "value 'w' is produced twice (by the weight tensor"},
      {"cyclic graph", model(R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["c"],"nodes":[
         {"op":"Add","inputs":["x","c"],"outputs":["a"]},{"op":"Relu","inputs":["a"],"outputs":["b"]},
         {"op":"Tanh","inputs":["b"],"outputs":["c"]}]})"),
       "perch.graph has a cycle"},
      {"self loop", model(R"({"inputs":[],"outputs":["a"],"nodes":[{"op":"Relu","inputs":["a"],"outputs":["a"]}]})"),
       "perch.graph has a cycle: node 0 (Relu) <- node 0"},
      {"unknown op",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Frobnicate","inputs":["x"],"outputs":["y"]}]})"),
       "perch.graph node 0: unknown op 'Frobnicate'"},
      {"op not a string", model(R"({"inputs":[],"outputs":["y"],"nodes":[{"op":3,"inputs":[],"outputs":["y"]}]})"),
       "'op' must be a string"},
      {"node without outputs",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":[]}]})"),
       "node 0 (Relu) has no outputs"},
      {"attrs not an object",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"],"attrs":[]}]})"),
       "'attrs' is not an object"},
      {"input with bad dtype",
       model(
           R"({"inputs":[{"name":"x","dtype":"f64","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "perch.graph input 0 'x': 'dtype' must be one of"},
      {"input without name", model(R"({"inputs":[{"dtype":"f32","shape":[2]}],"outputs":[],"nodes":[]})"),
       "perch.graph input 0: 'name' must be a non-empty string"},
      {"input shape dim below -1",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[-2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "perch.graph input 0 'x': shape[0] = -2 is out of range"},
      {"dynamic input without max_shape",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "shape [-1] has dynamic dims but no max_shape"},
      {"max_shape of other rank",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1],"max_shape":[4,4]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "max_shape [4, 4] and shape [-1] differ in rank"},
      {"max_shape disagrees with static dim",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1,3],"max_shape":[4,4]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "max_shape [4, 4] disagrees with static shape [-1, 3]"},
      {"huge max_shape",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1,-1],"max_shape":[1000000,1000000]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "has more than 1073741824 elements"},
      {"input name clashes with a weight",
       model(
           R"({"inputs":[{"name":"w","dtype":"f32","shape":[2]}],"outputs":["y"],"nodes":[{"op":"Relu","inputs":["w"],"outputs":["y"]}]})"),
       "value 'w' is produced twice (by the graph input and by the weight tensor)"},
      {"output never produced",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":["z"],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "perch.graph output 'z' is not the output of any node"},
      {"no outputs",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[2]}],"outputs":[],"nodes":[{"op":"Relu","inputs":["x"],"outputs":["y"]}]})"),
       "perch.graph declares no outputs"},
      {"shape mismatch found by the op",
       model(
           R"({"inputs":[{"name":"x","dtype":"f32","shape":[1,5]}],"outputs":["y"],"nodes":[{"op":"FullyConnected","inputs":["x","w",""],"outputs":["y"]}]})"),
       "perch.graph node 0 (FullyConnected -> 'y'): FullyConnected"},
  };
  for (const Case& c : cases) {
    INFO("case: " << c.what);
    const Status st = load_status(c.bytes);
    INFO("message: " << st.to_string());
    REQUIRE_FALSE(st.is_ok());
    REQUIRE(st.message().find(c.message) != std::string::npos);
  }
}

TEST_CASE("every truncation and random corruption of a model is rejected or loads, never crashes", "[format]") {
  const auto mlp = perch::test::make_mlp();
  REQUIRE(Model::load(mlp.file.data(), mlp.file.size()).is_ok());
  for (size_t n = 0; n < mlp.file.size(); ++n) {
    std::vector<uint8_t> cut(mlp.file.begin(), mlp.file.begin() + static_cast<long>(n));
    REQUIRE_FALSE(Model::load(cut.data(), cut.size()).is_ok());
  }
  std::mt19937 rng(7);
  int loaded = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::vector<uint8_t> bad = mlp.file;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<uint8_t>(rng());
    auto m = Model::load(bad.data(), bad.size());
    if (m.is_ok())
      ++loaded;  // e.g. a flipped weight byte: still a valid model
    else
      REQUIRE_FALSE(m.status().message().empty());
  }
  REQUIRE(loaded < 600);
}
