// Fuzz target (e): perch-server's request handling. A request (raw HTTP bytes, or a generated
// one: a route of the server, JSON content type, fuzzed headers and body) goes through
// cpp-httplib's request parser and router into the very handlers perch-server registers (v2
// protocol with JSON tensors, task endpoints), over the shipped models and a small graph model.
// Byte 0: bit 0 raw; byte 1: the route; byte 2: extra header; then the body.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <httplib.h>

#include "perch/format/writer.h"
#include "server/server_context.h"
#include "server/task_handlers.h"
#include "server/v2_protocol.h"

using namespace perch_server;

namespace {

// The request comes from the fuzz bytes; the response goes nowhere (its size is kept).
class FuzzStream : public httplib::Stream {
 public:
  FuzzStream(const char* data, size_t size) : data_(data), size_(size) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, size_ - pos_);
    std::memcpy(ptr, data_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    written_ += size;
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return -1; }

 private:
  const char* data_;
  size_t size_, pos_ = 0, written_ = 0;
};

class FuzzServer : public httplib::Server {
 public:
  void serve(FuzzStream& stream) {
    bool closed = false;
    process_request(stream, true, closed, nullptr);
  }
};

// A tiny raw graph for v2 tensors: x f32 [-1, 4] (max 8) and ids i32 [-1] (max 8) -> y, e.
void write_graph_model(const std::string& dir) {
  std::vector<float> w(3 * 4, 0.25f), table(5 * 2, 1.5f);
  const std::string graph =
      R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1,4],"max_shape":[8,4]},)"
      R"({"name":"ids","dtype":"i32","shape":[-1],"max_shape":[8]}],"outputs":["y","e"],"nodes":[)"
      R"({"op":"FullyConnected","inputs":["x","w"],"outputs":["h"]},)"
      R"({"op":"Softmax","inputs":["h"],"outputs":["y"]},)"
      R"({"op":"Gather","inputs":["table","ids"],"outputs":["e"]}]})";
  auto bytes =
      perch::write_perch_bytes({{"w", perch::Tensor{perch::DType::kF32, perch::Shape{3, 4}, w.data()}},
                                {"table", perch::Tensor{perch::DType::kF32, perch::Shape{5, 2}, table.data()}}},
                               {{"perch.format", "1"}, {"perch.graph", graph}});
  if (!bytes.is_ok()) std::abort();
  std::FILE* f = std::fopen((dir + "/tiny.perch").c_str(), "wb");
  if (!f || std::fwrite(bytes.value().data(), 1, bytes.value().size(), f) != bytes.value().size()) std::abort();
  std::fclose(f);
}

FuzzServer& server() {
  static ServerContext* ctx = [] {
    auto* c = new ServerContext();
    c->options.threads = 1;
    c->admission = std::make_unique<AdmissionQueue>(1, 0, std::chrono::milliseconds(1000));
    const char* env = std::getenv("PERCH_SOURCE_DIR");
    const std::string models = std::string(env ? env : PERCH_SOURCE_DIR) + "/models";
    auto quiet = [](const std::string&) {};
    if (!c->registry.load_directory(models, 1, quiet).is_ok()) std::abort();
    char tmp[] = "/tmp/perch-fuzz-XXXXXX";
    if (!mkdtemp(tmp)) std::abort();
    write_graph_model(tmp);
    if (!c->registry.load_directory(tmp, 1, quiet).is_ok()) std::abort();
    unlink((std::string(tmp) + "/tiny.perch").c_str());
    rmdir(tmp);
    c->ready = true;
    return c;
  }();
  static FuzzServer* s = [] {
    auto* srv = new FuzzServer();
    register_v2_routes(*srv, *ctx);
    register_task_routes(*srv, *ctx);
    srv->set_payload_max_length(ctx->options.max_body_bytes);
    return srv;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  FuzzServer& srv = server();
  const char* body = reinterpret_cast<const char*>(data + 3);
  const size_t body_size = size - 3;
  if (data[0] & 1) {
    FuzzStream stream(body, body_size);
    srv.serve(stream);
    return 0;
  }
  static const char* const kRoutes[] = {"POST /v2/models/tiny/infer",
                                        "POST /v2/models/langid.graph/infer",
                                        "POST /v2/models/langid/infer",
                                        "POST /v2/models/suggest/infer",
                                        "POST /v1/language:detect",
                                        "POST /v1/text:suggest",
                                        "GET /v2/models/tiny",
                                        "GET /v2/models/langid/ready",
                                        "POST /v2/models/suggest.graph/infer",
                                        "POST /v2/models/tiny/versions/1/infer",
                                        "GET /v2/health/ready",
                                        "POST /v2/models/nope/infer"};
  static const char* const kHeaders[] = {"",
                                         "X-Perch-Model: langid\r\n",
                                         "Content-Type: text/plain\r\n",
                                         "Accept-Encoding: gzip\r\n",
                                         "Transfer-Encoding: chunked\r\n",
                                         "Content-Type: application/json; charset=latin1\r\n",
                                         "Inference-Header-Content-Length: 3\r\n",
                                         "Origin: http://evil.example\r\n"};
  std::string request = kRoutes[data[1] % (sizeof kRoutes / sizeof *kRoutes)];
  request += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  request += kHeaders[data[2] % 8];
  request += "Content-Length: " + std::to_string(body_size) + "\r\n\r\n";
  request.append(body, body_size);
  FuzzStream stream(request.data(), request.size());
  srv.serve(stream);
  return 0;
}
