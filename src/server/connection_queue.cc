#include "server/connection_queue.h"

namespace perch_server {
namespace {
thread_local bool t_refusing = false;
}  // namespace

bool ConnectionQueue::refusing() { return t_refusing; }

ConnectionQueue::ConnectionQueue(int workers, int max_pending)
    : workers_(workers < 1 ? 1 : workers), max_pending_(max_pending < 0 ? 0 : max_pending) {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { work(); });
  refuser_ = std::thread([this] { refuse(); });
}

ConnectionQueue::~ConnectionQueue() { shutdown(); }

void ConnectionQueue::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int outstanding = busy_ + static_cast<int>(jobs_.size());
    if (outstanding < workers_ + max_pending_) {
      jobs_.push_back(std::move(fn));
      cv_.notify_one();
      return;
    }
    overflow_.push_back(std::move(fn));
  }
  refuse_cv_.notify_one();
}

void ConnectionQueue::work() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      fn = std::move(jobs_.front());
      jobs_.pop_front();
      ++busy_;
    }
    fn();
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
  }
}

void ConnectionQueue::refuse() {
  t_refusing = true;
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      refuse_cv_.wait(lock, [&] { return stopping_ || !overflow_.empty(); });
      if (overflow_.empty()) return;
      fn = std::move(overflow_.front());
      overflow_.pop_front();
    }
    fn();  // reads the request, answers 503 (see refusing()), closes
  }
}

void ConnectionQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  refuse_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  if (refuser_.joinable()) refuser_.join();
}

}  // namespace perch_server
