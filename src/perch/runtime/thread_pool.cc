#include "perch/runtime/thread_pool.h"

#include <algorithm>

#ifdef PERCH_THREADS
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace perch {

namespace {
// Upper bound on pool size. In wasm every worker is a Web Worker taken from Emscripten's
// pre-started pool (PTHREAD_POOL_SIZE); asking for more would block the main thread forever.
#if defined(__EMSCRIPTEN__)
constexpr int kMaxThreads = 4;
#else
constexpr int kMaxThreads = 64;
#endif

size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }
}  // namespace

#ifdef PERCH_THREADS

// One job at a time: the caller publishes (call, fn, n, chunk) and bumps `generation`; every
// worker takes part in every generation (even when no chunk is left for it), so the caller can
// wait for `remaining == 0` and know no worker still touches the job.
struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable done_cv;
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> stop{false};
  std::atomic<size_t> next_chunk{0};
  std::atomic<int> remaining{0};
  std::mutex busy;  // held by the caller for the whole parallel_for
  // The current job (written before `generation` is bumped).
  void (*call)(void*, size_t, size_t) = nullptr;
  void* fn = nullptr;
  size_t n = 0, chunk = 1, num_chunks = 0;

  void do_chunks() {
    for (;;) {
      const size_t c = next_chunk.fetch_add(1, std::memory_order_relaxed);
      if (c >= num_chunks) return;
      const size_t b = c * chunk;
      call(fn, b, std::min(n, b + chunk));
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      // Spin briefly: back-to-back parallel_for calls (one per layer) then skip the futex.
      for (int i = 0; i < 4000 && generation.load(std::memory_order_acquire) == seen &&
                      !stop.load(std::memory_order_relaxed);
           ++i) {
        if (i > 64) std::this_thread::yield();
      }
      if (generation.load(std::memory_order_acquire) == seen && !stop.load()) {
        std::unique_lock<std::mutex> lock(mutex);
        work_cv.wait(lock, [&] { return stop.load() || generation.load() != seen; });
      }
      if (stop.load()) return;
      seen = generation.load(std::memory_order_acquire);
      do_chunks();
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex);
        done_cv.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(int num_threads) {
  num_threads_ = std::max(1, std::min(num_threads, kMaxThreads));
  if (num_threads_ == 1) return;
  impl_ = new Impl;
  impl_->workers.reserve(static_cast<size_t>(num_threads_ - 1));
  for (int i = 0; i < num_threads_ - 1; ++i) impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop.store(true);
  }
  impl_->work_cv.notify_all();
  for (auto& t : impl_->workers) t.join();
  delete impl_;
}

void ThreadPool::run_chunks(size_t n, size_t grain, void (*call)(void*, size_t, size_t), void* fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const size_t max_chunks = div_up(n, grain);
  // Inline when there is no pool, too little work to split, or a parallel_for is already
  // running (a nested call from inside fn, or a second caller): correct, just not parallel.
  if (!impl_ || max_chunks < 2 || !impl_->busy.try_lock()) {
    call(fn, 0, n);
    return;
  }
  Impl& p = *impl_;
  // A few chunks per thread balance uneven work without making chunks smaller than `grain`.
  const size_t num_chunks = std::min(max_chunks, static_cast<size_t>(num_threads_) * 4);
  p.call = call;
  p.fn = fn;
  p.n = n;
  p.chunk = std::max(grain, div_up(n, num_chunks));
  p.num_chunks = div_up(n, p.chunk);
  p.next_chunk.store(0, std::memory_order_relaxed);
  p.remaining.store(static_cast<int>(p.workers.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.generation.fetch_add(1, std::memory_order_release);
  }
  p.work_cv.notify_all();
  p.do_chunks();
  for (int i = 0; i < 4000 && p.remaining.load(std::memory_order_acquire) != 0; ++i) {
    if (i > 64) std::this_thread::yield();
  }
  if (p.remaining.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(p.mutex);
    p.done_cv.wait(lock, [&] { return p.remaining.load(std::memory_order_acquire) == 0; });
  }
  p.busy.unlock();
}

#else  // no threads in this build: everything runs on the caller

struct ThreadPool::Impl {};

ThreadPool::ThreadPool(int num_threads) { (void)num_threads; num_threads_ = 1; }
ThreadPool::~ThreadPool() = default;

void ThreadPool::run_chunks(size_t n, size_t grain, void (*call)(void*, size_t, size_t), void* fn) {
  (void)grain;
  if (n == 0) return;
  call(fn, 0, n);
}

#endif

}  // namespace perch
