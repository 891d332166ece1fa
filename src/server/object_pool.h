// ObjectPool<T>: up to `max` objects (sessions, task objects) made on demand by a factory and
// lent to one request at a time, because perch sessions are not thread-safe. The admission
// queue bounds concurrency to `max`, so a free object is normally there without waiting.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "perch/core/status.h"

namespace perch_server {

template <typename T>
class ObjectPool {
 public:
  using Factory = std::function<perch::Result<std::unique_ptr<T>>()>;

  ObjectPool(Factory factory, int max) : factory_(std::move(factory)), max_(max < 1 ? 1 : max) {}

  // Returns the object to the pool when it goes out of scope.
  class Lease {
   public:
    Lease() = default;
    ~Lease() { give_back(); }
    Lease(Lease&& o) noexcept : pool_(o.pool_), object_(std::move(o.object_)) { o.pool_ = nullptr; }
    Lease& operator=(Lease&& o) noexcept {
      if (this != &o) {
        give_back();
        pool_ = o.pool_;
        object_ = std::move(o.object_);
        o.pool_ = nullptr;
      }
      return *this;
    }
    T* operator->() { return object_.get(); }
    T& operator*() { return *object_; }

   private:
    friend class ObjectPool;
    void give_back() {
      if (pool_ != nullptr && object_) pool_->put(std::move(object_));
      pool_ = nullptr;
    }
    ObjectPool* pool_ = nullptr;
    std::unique_ptr<T> object_;
  };

  perch::Status acquire(Lease* out) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty() || created_ < max_; });
    if (!free_.empty()) {
      out->pool_ = this;
      out->object_ = std::move(free_.back());
      free_.pop_back();
      return perch::Status::ok();
    }
    ++created_;
    lock.unlock();
    auto made = factory_();  // outside the lock: creating a session allocates its arena
    if (!made.is_ok()) {
      lock.lock();
      --created_;
      lock.unlock();
      cv_.notify_one();
      return made.status();
    }
    out->pool_ = this;
    out->object_ = std::move(made).value();
    return perch::Status::ok();
  }

 private:
  void put(std::unique_ptr<T> object) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(std::move(object));
    }
    cv_.notify_one();
  }

  Factory factory_;
  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<T>> free_;
  int created_ = 0;
};

}  // namespace perch_server
