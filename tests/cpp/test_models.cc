#include "test_models.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace perch::test {

ModelBuilder& ModelBuilder::add_f32(const std::string& name, Shape shape, std::vector<float> values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return add_raw(name, DType::kF32, shape, std::move(bytes));
}

ModelBuilder& ModelBuilder::add_raw(const std::string& name, DType dtype, Shape shape, std::vector<uint8_t> bytes) {
  tensors_.push_back({name, dtype, shape, std::move(bytes)});
  return *this;
}

ModelBuilder& ModelBuilder::meta(const std::string& key, const std::string& value) {
  metadata_[key] = value;
  return *this;
}

ModelBuilder& ModelBuilder::graph(const std::string& graph_json) {
  metadata_["perch.format"] = "1";
  metadata_["perch.graph"] = graph_json;
  return *this;
}

std::vector<uint8_t> ModelBuilder::bytes() const {
  std::vector<NamedTensor> named;
  for (const auto& t : tensors_) {
    Tensor view;
    view.dtype = t.dtype;
    view.shape = t.shape;
    view.data = const_cast<uint8_t*>(t.bytes.data());
    named.push_back({t.name, view});
  }
  auto out = write_perch_bytes(named, metadata_);
  return out.is_ok() ? out.value() : std::vector<uint8_t>();
}

std::vector<uint8_t> raw_file(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(8);
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Mlp make_mlp() {
  Mlp m;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  m.w1.resize(8 * 4);
  m.b1.resize(8);
  for (auto& v : m.w1) v = dist(rng);
  for (auto& v : m.b1) v = dist(rng);
  m.w2.resize(3 * 8);
  m.w2_scale = {0.01f, 0.02f, 0.015f};
  for (auto& v : m.w2) v = static_cast<int8_t>(static_cast<int>(dist(rng) * 127));
  m.w2_real.resize(m.w2.size());
  for (size_t i = 0; i < m.w2.size(); ++i) m.w2_real[i] = m.w2[i] * m.w2_scale[i / 8];
  std::vector<uint8_t> w2_bytes(m.w2.size());
  std::memcpy(w2_bytes.data(), m.w2.data(), w2_bytes.size());
  m.file = ModelBuilder()
               .add_f32("fc1.weight", {8, 4}, m.w1)
               .add_f32("fc1.bias", {8}, m.b1)
               .add_raw("fc2.weight", DType::kI8, {3, 8}, w2_bytes)
               .add_f32("fc2.weight.scale", {3}, m.w2_scale)
               .graph(R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1,4],"max_shape":[16,4]}],
                 "outputs":["probs"],
                 "nodes":[
                   {"op":"FullyConnected","inputs":["x","fc1.weight","fc1.bias"],"outputs":["h"]},
                   {"op":"Relu","inputs":["h"],"outputs":["r"]},
                   {"op":"FullyConnected","inputs":["r","fc2.weight",""],"outputs":["logits"]},
                   {"op":"Softmax","inputs":["logits"],"outputs":["probs"],"attrs":{"axis":-1}}]})")
               .meta("perch.license", "CC0-1.0 (synthetic test weights)")
               .bytes();
  return m;
}

std::vector<float> Mlp::reference(const std::vector<float>& x, int rows) const {
  std::vector<float> out(static_cast<size_t>(rows) * 3);
  for (int r = 0; r < rows; ++r) {
    float h[8];
    for (int n = 0; n < 8; ++n) {
      double acc = b1[static_cast<size_t>(n)];
      for (int k = 0; k < 4; ++k) acc += double(x[static_cast<size_t>(r * 4 + k)]) * w1[static_cast<size_t>(n * 4 + k)];
      h[n] = static_cast<float>(std::max(0.0, acc));
    }
    double logits[3], mx = -1e30, sum = 0;
    for (int n = 0; n < 3; ++n) {
      double acc = 0;
      for (int k = 0; k < 8; ++k) acc += double(h[k]) * w2_real[static_cast<size_t>(n * 8 + k)];
      logits[n] = acc;
      mx = std::max(mx, acc);
    }
    for (double& l : logits) sum += (l = std::exp(l - mx));
    for (int n = 0; n < 3; ++n) out[static_cast<size_t>(r * 3 + n)] = static_cast<float>(logits[n] / sum);
  }
  return out;
}

}  // namespace perch::test
