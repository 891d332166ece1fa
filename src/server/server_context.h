// The state every handler shares: options, models, admission queue, metrics, access control.
#pragma once
#include <atomic>

#include <httplib.h>

#include "server/admission.h"
#include "server/auth_cors.h"
#include "server/metrics.h"
#include "server/model_registry.h"
#include "server/options.h"

namespace perch_server {

struct ServerContext {
  ServerOptions options;
  ModelRegistry registry;
  AccessControl access;
  Metrics metrics;
  std::unique_ptr<AdmissionQueue> admission;
  std::atomic<bool> ready{false};  // false until models are loaded and after SIGTERM
};

// Waits for an inference slot. On refusal answers 503 with Retry-After and returns false.
bool admit_or_refuse(ServerContext& ctx, httplib::Response& res, AdmissionQueue::Ticket* ticket);

}  // namespace perch_server
