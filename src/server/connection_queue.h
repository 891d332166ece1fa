// ConnectionQueue: cpp-httplib's task queue, bounded. `workers` threads serve connections; at
// most `max_pending` more wait for one. A connection beyond that is not queued: a separate
// thread reads its request and answers 503 + Retry-After + Connection: close at once (the
// pre-routing handler sees refusing() == true), so a flood of connections cannot pile up.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace perch_server {

class ConnectionQueue : public httplib::TaskQueue {
 public:
  ConnectionQueue(int workers, int max_pending);
  ~ConnectionQueue() override;

  void enqueue(std::function<void()> fn) override;
  // Serves what is queued, then joins every thread.
  void shutdown() override;

  // True on the thread that answers connections over the limit.
  static bool refusing();

 private:
  void work();
  void refuse();

  const int workers_;
  const int max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable refuse_cv_;
  std::deque<std::function<void()>> jobs_;
  std::deque<std::function<void()>> overflow_;
  int busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::thread refuser_;
};

}  // namespace perch_server
