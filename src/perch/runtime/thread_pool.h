// ThreadPool: a fixed set of workers started when the session is created (never on first run),
// with a blocking parallel_for. In the wasm builds without threads it runs inline.
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>

namespace perch {

#ifdef PERCH_POOL_PROFILE
// Development-only counters (build with -DPERCH_POOL_PROFILE): per thread (0 = the caller) the
// time spent inside chunks, chunk count, and the lag from a job's publication to the thread's
// first chunk; summed over every parallel_for since the last reset.
struct PoolProfile {
  double busy_us[8] = {};
  double start_lag_us[8] = {};
  long chunks[8] = {};
  long started[8] = {};
  double wall_us = 0;
  long calls = 0;
};
PoolProfile* pool_profile();
#endif

class ThreadPool {
 public:
  // num_threads counts the calling thread: 1 means no workers.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n), chunks of at least `grain` items,
  // on the workers and the calling thread; returns when all are done. No allocation after the
  // first such call (which starts the workers).
  template <typename Fn>
  void parallel_for(size_t n, size_t grain, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    run_chunks(
        n, grain, [](void* f, size_t b, size_t e) { (*static_cast<F*>(f))(b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  void run_chunks(size_t n, size_t grain, void (*call)(void*, size_t, size_t), void* fn);
  void start_workers();
  struct Impl;
  Impl* impl_ = nullptr;
  int num_threads_ = 1;
};

}  // namespace perch
