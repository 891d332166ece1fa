#include "perch/runtime/thread_pool.h"

#include <algorithm>

#ifdef PERCH_THREADS
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#include <emscripten/threading.h>
#endif
#endif

namespace perch {

#ifdef PERCH_THREADS
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

namespace {
double now_us() {
#if defined(__EMSCRIPTEN__)
  return emscripten_get_now() * 1000.0;
#else
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

// How long a waiting thread polls before it blocks on a condition variable. Waking a blocked
// wasm worker (Atomics.wait) took 0.1-0.5 ms in Node, 2-8% of a 7 ms GEMM on 2 threads; a
// worker that polls through the gap between back-to-back jobs (the caller's last chunk, the
// next layer or run) starts in microseconds. Bounded in time, not iterations, so an idle pool
// stops burning a core after a millisecond.
constexpr double kSpinUs = 1000.0;
// A thread that polls past the first few polls backs off, so that waiting costs other threads
// less. Natively it yields. In wasm a yield gives nothing away (sched_yield only runs queued
// calls), so an idle worker polls back to back for kTightUs (longer than the gaps between a
// model's layers and steps), then naps kNapMs at a time in a timed wait on the job word: an idle
// pool holds a core for ~kTightUs, not kSpinUs. Nobody wakes a nap: an Atomics.notify per job
// cost more than the nap's delay. The caller waiting for claimed chunks never naps.
#if defined(__EMSCRIPTEN__)
constexpr double kTightUs = 200.0;
constexpr double kNapMs = 0.05;
#endif

template <typename Ready, typename BackOff>
bool spin_until(Ready&& ready, BackOff&& back_off) {
  const double start = now_us();
  for (int i = 1;; ++i) {
    if (ready()) return true;
    if (i >= 64) {
      const double spun = now_us() - start;
      if (spun > kSpinUs) return ready();
      back_off(spun);
    }
  }
}

void yield_back_off(double) {
#if !defined(__EMSCRIPTEN__)
  std::this_thread::yield();
#endif
}
}  // namespace

#ifdef PERCH_POOL_PROFILE
PoolProfile* pool_profile() {
  static PoolProfile p;
  return &p;
}
#endif

// One job at a time. `work` packs (generation << 32 | next chunk): a thread claims a chunk with a
// compare-exchange, which succeeds only while the job it read is still current, so a worker that
// wakes late never runs a chunk of a finished job, and the caller waits only for claimed chunks
// (not for every worker to wake: on a busy machine the caller just does the chunks itself).
struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable done_cv;
  std::atomic<uint64_t> work{0};
  std::atomic<size_t> done{0};
  std::atomic<bool> stop{false};
  std::mutex busy;  // held by the caller for the whole parallel_for
  // The current job, written before `work` publishes its generation. Atomics because a late
  // worker may read them while the next job is being set up (its claim then fails).
  std::atomic<void (*)(void*, size_t, size_t)> call{nullptr};
  std::atomic<void*> fn{nullptr};
  std::atomic<size_t> n{0}, chunk{1}, num_chunks{0};
#ifdef PERCH_POOL_PROFILE
  std::atomic<double> publish_us{0};
#endif

  static uint64_t generation_of(uint64_t w) { return w >> 32; }
#if defined(__EMSCRIPTEN__)
  // The 32-bit half of `work` that holds the generation (wasm is little-endian): an idle
  // worker naps on it, so a nap that starts after a job was published returns at once.
  volatile void* generation_word() { return reinterpret_cast<volatile uint32_t*>(&work) + 1; }
  static_assert(sizeof(std::atomic<uint64_t>) == 8, "work must be a plain 64-bit word");
#endif
  static constexpr uint64_t kClosed = 0xFFFFFFFFu;  // chunk index of a finished job (> any count)

  // Runs chunks of the job published as generation `gen` until none is left.
  void do_chunks(uint64_t gen, int self) {
#ifdef PERCH_POOL_PROFILE
    bool first_chunk = true;
    self = std::min(self, 7);  // PoolProfile keeps 8 slots; threads past them share the last
#endif
    for (;;) {
      uint64_t w = work.load(std::memory_order_acquire);
      if (generation_of(w) != gen) return;
      const size_t c = static_cast<size_t>(w & 0xFFFFFFFFu);
      const size_t total = num_chunks.load(std::memory_order_relaxed);
      if (c >= total) return;
      auto* f = call.load(std::memory_order_relaxed);
      void* arg = fn.load(std::memory_order_relaxed);
      const size_t len = n.load(std::memory_order_relaxed), step = chunk.load(std::memory_order_relaxed);
      if (!work.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel)) continue;
      const size_t b = c * step;
#ifdef PERCH_POOL_PROFILE
      const double t0 = now_us();
      if (first_chunk) {
        pool_profile()->start_lag_us[self] += t0 - publish_us.load();
        pool_profile()->started[self] += 1;
        first_chunk = false;
      }
#endif
      f(arg, b, std::min(len, b + step));
#ifdef PERCH_POOL_PROFILE
      pool_profile()->busy_us[self] += now_us() - t0;
      pool_profile()->chunks[self] += 1;
#endif
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == total) {
        std::lock_guard<std::mutex> lock(mutex);
        done_cv.notify_one();
      }
    }
  }

  void worker_loop(int self) {
    uint64_t seen = 0;
    for (;;) {
      spin_until(
          [&] {
            return generation_of(work.load(std::memory_order_acquire)) != seen || stop.load(std::memory_order_relaxed);
          },
          [&](double spun_us) {
#if defined(__EMSCRIPTEN__)
            if (spun_us > kTightUs) emscripten_futex_wait(generation_word(), static_cast<uint32_t>(seen), kNapMs);
#else
            yield_back_off(spun_us);
#endif
          });
      if (generation_of(work.load(std::memory_order_acquire)) == seen && !stop.load()) {
        std::unique_lock<std::mutex> lock(mutex);
        work_cv.wait(lock, [&] { return stop.load() || generation_of(work.load()) != seen; });
      }
      if (stop.load()) return;
      seen = generation_of(work.load(std::memory_order_acquire));
      do_chunks(seen, self);
    }
  }
};

// The workers start with the first job that splits, not here: in wasm each is a Web Worker that
// may still be loading the module (PTHREAD_POOL_DELAY_LOAD: the binding does not wait for it),
// and one that never ran must not be joined from the page's thread, which would then never see
// its "loaded" message. A session created and destroyed before its first job (a failed create)
// thus never starts or joins a thread; the binding waits for loaded workers before freeing a
// session that ran.
ThreadPool::ThreadPool(int num_threads) {
  num_threads_ = std::max(1, std::min(num_threads, kMaxThreads));
  if (num_threads_ == 1) return;
  impl_ = new Impl;
}

void ThreadPool::start_workers() {
  impl_->workers.reserve(static_cast<size_t>(num_threads_ - 1));
  for (int i = 0; i < num_threads_ - 1; ++i) impl_->workers.emplace_back([this, i] { impl_->worker_loop(i + 1); });
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
  if (p.workers.empty()) start_workers();  // the first job that splits (the caller works meanwhile)
  // A few chunks per thread balance uneven work without making chunks smaller than `grain`.
  const size_t want = std::min(max_chunks, static_cast<size_t>(num_threads_) * 4);
  const size_t chunk = std::max(grain, div_up(n, want));
  const size_t num_chunks = div_up(n, chunk);
  p.call.store(call, std::memory_order_relaxed);
  p.fn.store(fn, std::memory_order_relaxed);
  p.n.store(n, std::memory_order_relaxed);
  p.chunk.store(chunk, std::memory_order_relaxed);
  p.num_chunks.store(num_chunks, std::memory_order_relaxed);
  p.done.store(0, std::memory_order_relaxed);
  const uint64_t gen = Impl::generation_of(p.work.load(std::memory_order_relaxed)) + 1;
#ifdef PERCH_POOL_PROFILE
  const double call_t0 = now_us();
  p.publish_us.store(call_t0);
  pool_profile()->calls += 1;
#endif
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.work.store(gen << 32, std::memory_order_release);
  }
  p.work_cv.notify_all();
  p.do_chunks(gen, 0);
  spin_until([&] { return p.done.load(std::memory_order_acquire) == num_chunks; }, yield_back_off);
  if (p.done.load(std::memory_order_acquire) != num_chunks) {
    std::unique_lock<std::mutex> lock(p.mutex);
    p.done_cv.wait(lock, [&] { return p.done.load(std::memory_order_acquire) == num_chunks; });
  }
  // Close the job: a late worker that read this generation must not see the next job's
  // num_chunks while its fields are being written and claim a chunk of it.
  p.work.store((gen << 32) | Impl::kClosed, std::memory_order_release);
#ifdef PERCH_POOL_PROFILE
  pool_profile()->wall_us += now_us() - call_t0;
#endif
  p.busy.unlock();
}

#else  // no threads in this build: everything runs on the caller

struct ThreadPool::Impl {};

ThreadPool::ThreadPool(int num_threads) {
  (void)num_threads;
  num_threads_ = 1;
}
ThreadPool::~ThreadPool() = default;

void ThreadPool::run_chunks(size_t n, size_t grain, void (*call)(void*, size_t, size_t), void* fn) {
  (void)grain;
  if (n == 0) return;
  call(fn, 0, n);
}

#endif

}  // namespace perch
