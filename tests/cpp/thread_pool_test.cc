#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

#include "perch/runtime/thread_pool.h"

using namespace perch;

// Every index in [0, n) is visited exactly once, chunks respect the grain, for many sizes.
static void check_cover(ThreadPool& pool, size_t n, size_t grain) {
  std::vector<std::atomic<int>> hits(n);
  for (auto& h : hits) h.store(0);
  std::atomic<int> short_chunks{0}, bad_ranges{0};
  // Catch's REQUIRE is not thread-safe: count problems on the workers, assert on the caller.
  pool.parallel_for(n, grain, [&](size_t b, size_t e) {
    if (!(b < e && e <= n)) bad_ranges.fetch_add(1);
    if (e - b < grain && e != n) short_chunks.fetch_add(1);
    for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
  });
  for (size_t i = 0; i < n; ++i) REQUIRE(hits[i].load() == 1);
  REQUIRE(short_chunks.load() == 0);
  REQUIRE(bad_ranges.load() == 0);
}

TEST_CASE("ThreadPool covers [0, n) exactly once for many sizes and grains", "[thread_pool]") {
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    REQUIRE(pool.num_threads() >= 1);
    for (size_t n : {0u, 1u, 2u, 3u, 7u, 8u, 63u, 64u, 65u, 1000u, 4097u}) {
      for (size_t grain : {0u, 1u, 3u, 16u, 5000u}) check_cover(pool, n, grain);
    }
  }
}

TEST_CASE("ThreadPool survives many back-to-back jobs and nested calls", "[thread_pool]") {
  ThreadPool pool(3);
  std::atomic<long> sum{0};
  for (int rep = 0; rep < 500; ++rep) {
    pool.parallel_for(100, 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) sum.fetch_add(static_cast<long>(i));
    });
  }
  REQUIRE(sum.load() == 500L * 4950L);
  // A nested parallel_for runs inline instead of deadlocking.
  std::atomic<long> nested{0};
  pool.parallel_for(8, 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i)
      pool.parallel_for(10, 1, [&](size_t b2, size_t e2) { nested.fetch_add(static_cast<long>(e2 - b2)); });
  });
  REQUIRE(nested.load() == 80);
}

TEST_CASE("ThreadPool uses more than one thread when the build has threads", "[thread_pool]") {
  ThreadPool pool(2);
#ifdef PERCH_THREADS
  REQUIRE(pool.num_threads() == 2);
#else
  REQUIRE(pool.num_threads() == 1);
#endif
  ThreadPool clamped(1000);
  REQUIRE(clamped.num_threads() <= 64);
  ThreadPool none(0);
  REQUIRE(none.num_threads() == 1);
}
