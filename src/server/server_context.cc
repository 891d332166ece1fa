#include "server/server_context.h"

#include "server/http_errors.h"

namespace perch_server {

bool admit_or_refuse(ServerContext& ctx, httplib::Response& res, AdmissionQueue::Ticket* ticket) {
  switch (ctx.admission->admit(ticket)) {
    case AdmissionQueue::Outcome::kAdmitted:
      return true;
    case AdmissionQueue::Outcome::kQueueFull:
      ctx.metrics.observe_rejection("queue_full");
      res.set_header("Retry-After", std::to_string(ctx.admission->retry_after_seconds()));
      send_error(res, 503, "queue_full", "the server is busy; retry later");
      return false;
    case AdmissionQueue::Outcome::kTimedOut:
      ctx.metrics.observe_rejection("queue_timeout");
      res.set_header("Retry-After", std::to_string(ctx.admission->retry_after_seconds()));
      send_error(res, 503, "queue_timeout", "no inference slot freed in time; retry later");
      return false;
  }
  return false;
}

}  // namespace perch_server
