// perch-server: loads the models, wires the routes and safety checks, serves until SIGTERM or
// SIGINT, then stops accepting and lets in-flight requests finish.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <httplib.h>

#include "server/access_log.h"
#include "server/connection_queue.h"
#include "server/http_errors.h"
#include "server/request_context.h"
#include "server/server_context.h"
#include "server/static_files.h"
#include "server/task_handlers.h"
#include "server/v2_protocol.h"

namespace perch_server {
namespace {

constexpr size_t kMaxHeaders = 64;

bool is_protected_path(const std::string& path) {
  return path.rfind("/v1/", 0) == 0 || path.rfind("/v2/models", 0) == 0 || path == "/v2" || path == "/v2/" ||
         path == "/metrics";
}

void install_safety_handlers(httplib::Server& server, ServerContext& ctx, AccessLog& log) {
  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    RequestContext& rc = request_context();
    rc = RequestContext();
    rc.start = std::chrono::steady_clock::now();
    if (ConnectionQueue::refusing()) {  // more connections than handlers and waiting room
      ctx.metrics.observe_rejection("connections_full");
      res.set_header("Connection", "close");
      res.set_header("Retry-After", "1");
      send_error(res, 503, "connections_full", "the server has too many open connections; retry later");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!ctx.access.host_allowed(req)) {
      res.set_header("Connection", "close");
      send_error(res, 403, "host_not_allowed",
                 "this server answers only loopback Host names without API keys; name this host "
                 "with --allowed-hosts (or set --api-keys)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!ctx.access.origin_allowed(req)) {
      res.set_header("Connection", "close");  // the body (if any) is left unread
      send_error(res, 403, "origin_not_allowed", "this origin may not call the server");
      return httplib::Server::HandlerResponse::Handled;
    }
    ctx.access.add_cors_headers(req, res);
    if (req.method == "OPTIONS") {  // CORS preflight: never needs a key
      rc.route = "preflight";
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.headers.size() > kMaxHeaders) {
      res.set_header("Connection", "close");
      send_error(res, 431, "headers_too_large", "more than " + std::to_string(kMaxHeaders) + " header fields");
      return httplib::Server::HandlerResponse::Handled;
    }
    // A declared body over the limit is refused before reading it (cpp-httplib would otherwise
    // read and discard the whole declared length first).
    if (req.has_header("Content-Length")) {
      const std::string declared = req.get_header_value("Content-Length");
      if (declared.size() > 12 || declared.find_first_not_of("0123456789") != std::string::npos ||
          std::stoull("0" + declared) > ctx.options.max_body_bytes) {
        res.set_header("Connection", "close");
        send_error(res, 413, "payload_too_large",
                   "bodies are limited to " + std::to_string(ctx.options.max_body_bytes) + " bytes");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (is_protected_path(req.path) && !ctx.access.authorized(req)) {
      res.set_header("Connection", "close");
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "unauthorized", "a valid 'Authorization: Bearer KEY' is required");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && res.status != 204) {
      std::string code = default_error_code(res.status);
      std::string message = code;
      for (char& ch : message) ch = ch == '_' ? ' ' : ch;
      send_error(res, res.status, code, message);
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([&](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, 500, "internal", "internal error");
  });
  server.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    RequestContext& rc = request_context();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - rc.start).count();
    if (rc.route == "other" && res.status < 400 && !req.path.empty()) rc.route = "static";
    ctx.metrics.observe_request(rc.route, res.status, rc.model, seconds);
    AccessRecord record;
    record.remote_addr = req.remote_addr;
    record.method = req.method;
    record.path = req.path;
    record.status = res.status;
    record.bytes_in = req.body.size();
    record.bytes_out = res.body.size();
    record.seconds = seconds;
    record.model = rc.model;
    record.error_code = rc.error_code;
    log.write(record);
  });
}

void register_metrics_route(httplib::Server& server, ServerContext& ctx) {
  ctx.metrics.set_gauge_source([&ctx]() {
    return std::map<std::string, double>{
        {"perch_queue_depth", ctx.admission->waiting()},
        {"perch_inflight_inferences", ctx.admission->active()},
        {"perch_inference_slots", ctx.admission->slots()},
        {"perch_models_loaded", static_cast<double>(ctx.registry.models().size())},
        {"perch_ready", ctx.ready.load() ? 1.0 : 0.0},
    };
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "metrics";
    res.set_content(ctx.metrics.render(), "text/plain; version=0.0.4");
  });
}

// SIGTERM/SIGINT are taken by one thread with sigwait; block them before any thread starts.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Few malloc arenas: many connection threads would otherwise each grow their own, and the
  // resident size would creep up under changing load instead of settling.
  mallopt(M_ARENA_MAX, 4);
  return stop_signals;
}

// Access log, API keys, origins and hosts, the admission queue, and the models directory.
perch::Status set_up_context(ServerContext& ctx, AccessLog& access_log) {
  const ServerOptions& opt = ctx.options;
  PERCH_RETURN_IF_ERROR(access_log.open(opt.access_log));
  if (!opt.api_keys_file.empty()) PERCH_RETURN_IF_ERROR(ctx.access.load_api_keys(opt.api_keys_file));
  ctx.access.set_allowed_origins(opt.allow_origins);
  ctx.access.set_allowed_hosts(opt.allowed_hosts);
  ctx.admission =
      std::make_unique<AdmissionQueue>(opt.threads, opt.queue, std::chrono::milliseconds(opt.queue_timeout_ms));

  perch::ModelOptions model_options;
  model_options.max_arena_bytes = opt.max_arena_bytes;
  PERCH_RETURN_IF_ERROR(ctx.registry.load_directory(
      opt.models_dir, opt.threads,
      [](const std::string& line) { std::fprintf(stderr, "perch-server: %s\n", line.c_str()); }, model_options));
  for (const auto& m : ctx.registry.models()) {
    std::fprintf(stderr, "perch-server: loaded model '%s' (%s) from %s\n", m->name.c_str(),
                 m->model->task().empty() ? "graph" : m->model->task().c_str(), m->path.c_str());
  }
  return perch::Status::ok();
}

// Connection limits and timeouts, safety handlers, static files and every route.
perch::Status configure_server(httplib::Server& server, ServerContext& ctx, AccessLog& access_log) {
  const ServerOptions& opt = ctx.options;
  const int http_threads = opt.http_threads;
  const int max_pending = opt.max_pending_connections;
  server.new_task_queue = [http_threads, max_pending] { return new ConnectionQueue(http_threads, max_pending); };
  server.set_payload_max_length(opt.max_body_bytes);
  server.set_read_timeout(opt.read_timeout_s, 0);
  server.set_write_timeout(opt.write_timeout_s, 0);
  server.set_keep_alive_timeout(2);  // idle keep-alive connections hold a handler thread
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true);  // small JSON answers must not wait for delayed ACKs (40 ms)
  install_safety_handlers(server, ctx, access_log);
  if (!opt.static_dir.empty()) PERCH_RETURN_IF_ERROR(mount_static_files(server, opt.static_dir));
  register_v2_routes(server, ctx);
  register_task_routes(server, ctx);
  register_metrics_route(server, ctx);
  return perch::Status::ok();
}

// Binds, serves until a stop signal, then lets in-flight requests finish. The exit code.
int serve(httplib::Server& server, ServerContext& ctx, sigset_t stop_signals) {
  const ServerOptions& opt = ctx.options;
  // cpp-httplib listens with a backlog of 5: a burst of new connections overflows it and
  // clients see resets. Remember the socket, and listen again with a deep backlog after bind.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int sock) {
    httplib::default_socket_options(sock);
    listen_fd = sock;
  });
  int port = opt.port;
  if (port == 0) {
    port = server.bind_to_any_port(opt.host);
  } else if (!server.bind_to_port(opt.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "perch-server: cannot listen on %s:%d\n", opt.host.c_str(), opt.port);
    return 1;
  }
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  std::printf("perch-server: listening on http://%s:%d\n", opt.host.c_str(), port);
  std::fflush(stdout);
  ctx.ready = true;

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    ctx.ready = false;
    std::fprintf(stderr, "perch-server: signal %d, finishing in-flight requests\n", sig);
    server.stop();
  });
  const bool listened = server.listen_after_bind();  // returns after stop(), once workers finish
  if (!listened) {
    // The stopper still waits in sigwait: wake it so it can be joined.
    pthread_kill(stopper.native_handle(), SIGTERM);
  }
  stopper.join();
  std::fprintf(stderr, "perch-server: stopped\n");
  return listened ? 0 : 1;
}

int run(int argc, char** argv) {
  ServerContext ctx;
  perch::Status st = parse_options(argc, argv, &ctx.options);
  if (!st.is_ok()) {
    std::fprintf(stderr, "perch-server: %s\n%s", st.message().c_str(), usage().c_str());
    return 2;
  }
  const sigset_t stop_signals = block_stop_signals();
  AccessLog access_log;
  httplib::Server server;
  if (!(st = set_up_context(ctx, access_log)).is_ok() || !(st = configure_server(server, ctx, access_log)).is_ok()) {
    std::fprintf(stderr, "perch-server: %s\n", st.message().c_str());
    return 2;
  }
  return serve(server, ctx, stop_signals);
}

}  // namespace
}  // namespace perch_server

int main(int argc, char** argv) { return perch_server::run(argc, argv); }
