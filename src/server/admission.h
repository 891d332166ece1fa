// AdmissionQueue: at most `slots` inferences run at once; at most `max_waiting` more wait for a
// slot (FIFO by wake-up order), each at most `wait_timeout`. Anything beyond is refused at once,
// so overload turns into fast 503s instead of a growing pile of requests.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace perch_server {

class AdmissionQueue {
 public:
  enum class Outcome { kAdmitted, kQueueFull, kTimedOut };

  AdmissionQueue(int slots, int max_waiting, std::chrono::milliseconds wait_timeout);

  // Holds a slot while alive.
  class Ticket {
   public:
    Ticket() = default;
    ~Ticket();
    Ticket(Ticket&& o) noexcept : queue_(o.queue_) { o.queue_ = nullptr; }
    Ticket& operator=(Ticket&& o) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    bool admitted() const { return queue_ != nullptr; }

   private:
    friend class AdmissionQueue;
    explicit Ticket(AdmissionQueue* q) : queue_(q) {}
    AdmissionQueue* queue_ = nullptr;
  };

  Outcome admit(Ticket* ticket);

  int active() const;
  int waiting() const;
  int slots() const { return slots_; }
  // Seconds a refused client should wait before retrying (for Retry-After).
  int retry_after_seconds() const { return 1; }

 private:
  void release();

  const int slots_;
  const int max_waiting_;
  const std::chrono::milliseconds wait_timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;
  int waiting_ = 0;
};

}  // namespace perch_server
