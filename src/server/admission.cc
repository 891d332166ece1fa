#include "server/admission.h"

namespace perch_server {

AdmissionQueue::AdmissionQueue(int slots, int max_waiting, std::chrono::milliseconds wait_timeout)
    : slots_(slots < 1 ? 1 : slots), max_waiting_(max_waiting < 0 ? 0 : max_waiting), wait_timeout_(wait_timeout) {}

AdmissionQueue::Ticket::~Ticket() {
  if (queue_ != nullptr) queue_->release();
}

AdmissionQueue::Ticket& AdmissionQueue::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    if (queue_ != nullptr) queue_->release();
    queue_ = o.queue_;
    o.queue_ = nullptr;
  }
  return *this;
}

AdmissionQueue::Outcome AdmissionQueue::admit(Ticket* ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  if (active_ < slots_ && waiting_ == 0) {
    ++active_;
    *ticket = Ticket(this);
    return Outcome::kAdmitted;
  }
  if (waiting_ >= max_waiting_) return Outcome::kQueueFull;
  ++waiting_;
  bool got = cv_.wait_for(lock, wait_timeout_, [&] { return active_ < slots_; });
  --waiting_;
  if (!got) return Outcome::kTimedOut;
  ++active_;
  *ticket = Ticket(this);
  return Outcome::kAdmitted;
}

void AdmissionQueue::release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --active_;
  }
  cv_.notify_one();
}

int AdmissionQueue::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

int AdmissionQueue::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

}  // namespace perch_server
