// Builders for small .perch files used by the format, session and C ABI tests.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "perch/format/writer.h"

namespace perch::test {

// Owns the bytes of tensors added with add(); produces a canonical .perch file.
class ModelBuilder {
 public:
  ModelBuilder& add_f32(const std::string& name, Shape shape, std::vector<float> values);
  ModelBuilder& add_raw(const std::string& name, DType dtype, Shape shape, std::vector<uint8_t> bytes);
  ModelBuilder& meta(const std::string& key, const std::string& value);
  ModelBuilder& graph(const std::string& graph_json);  // sets perch.format = 1 and perch.graph
  std::vector<uint8_t> bytes() const;

 private:
  struct Owned {
    std::string name;
    DType dtype;
    Shape shape;
    std::vector<uint8_t> bytes;
  };
  std::vector<Owned> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A raw safetensors-shaped file: 8-byte length, header text as given (no padding), data.
std::vector<uint8_t> raw_file(const std::string& header, const std::vector<uint8_t>& data);

// A small MLP: x f32 [-1, 4] (max 16) -> FC(8)+bias -> Relu -> FC(3, int8 weights) -> Softmax.
struct Mlp {
  std::vector<float> w1, b1, w2_real;  // w2_real = int8 * scale, for the reference
  std::vector<int8_t> w2;
  std::vector<float> w2_scale;
  std::vector<uint8_t> file;
  // Reference output for x [rows, 4] computed with plain loops.
  std::vector<float> reference(const std::vector<float>& x, int rows) const;
};
Mlp make_mlp();

}  // namespace perch::test
