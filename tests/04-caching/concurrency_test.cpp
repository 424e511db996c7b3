// Graders of lesson 04: the thread-safe caches under concurrent load. Several threads start
// together (std::latch) and mix reads and writes; afterwards, and during, invariants are checked
// that hold whatever the interleaving: values belong to their keys, nothing is counted twice or
// lost, every acknowledged write reaches the store. Run under ThreadSanitizer by `make test`.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "edi/generator.hpp"
#include "fakes.hpp"
#include "sharded_cache.hpp"
#include "write_cache.hpp"

namespace {

using namespace std::chrono_literals;
using edi::caching::MessageStatus;
using edi::caching::ShardedCache;
using edi::caching::WriteBehindCache;
using edi::caching::WriteBehindOptions;
using edi::caching::WriteThroughCache;
using edi::caching::test::FakeStore;

constexpr int kThreads = 4;

// Runs body(thread_index) on kThreads threads that start together; returns when all are done and
// rethrows the first exception a thread threw (a stub's NotImplemented, a failed store...).
template <class Body>
void run_together(Body body) {
  std::latch start(kThreads);
  std::mutex mutex;
  std::exception_ptr first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

// 90% reads, 10% writes over 512 keys into a 64-entry, 8-shard cache: every value read belongs
// to its key, the size never passes the capacity, and every get() is counted exactly once.
TEST(Concurrency, ShardedCacheKeepsItsInvariantsUnderMixedLoad) {
  ShardedCache<std::uint64_t, std::uint64_t> cache(64, 8);
  constexpr int kOps = 20'000;
  std::atomic<std::uint64_t> gets{0};
  std::atomic<int> wrong_values{0};
  run_together([&](int t) {
    edi::SplitMix64 rng(static_cast<std::uint64_t>(t) + 1);
    std::uint64_t my_gets = 0;
    for (int i = 0; i < kOps; ++i) {
      const std::uint64_t key = rng.skewed(512);
      if (rng.below(10) == 0) {
        cache.put(key, key * 1'000'000 + static_cast<std::uint64_t>(i));
      } else {
        ++my_gets;
        if (const auto v = cache.get(key); v && *v / 1'000'000 != key) ++wrong_values;
      }
    }
    gets += my_gets;
  });
  EXPECT_EQ(wrong_values.load(), 0) << "a get() returned another key's value";
  EXPECT_LE(cache.size(), 64u);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, gets.load()) << "hits or misses lost or counted twice";
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.evictions, 0u);
  for (std::uint64_t key = 0; key < 512; ++key) {
    if (const auto v = cache.get(key)) {
      EXPECT_EQ(*v / 1'000'000, key);
    }
  }
}

// Writers and readers of shared keys: when they are done, the cache and the store agree on every
// key (puts reach both in the same order), and each thread always read its own last write of
// its private key.
TEST(Concurrency, WriteThroughKeepsCacheAndStoreInAgreement) {
  FakeStore store;
  WriteThroughCache cache(store, 8);  // smaller than the 12 keys: evictions and reloads too
  std::atomic<int> stale_reads{0};
  run_together([&](int t) {
    edi::SplitMix64 rng(static_cast<std::uint64_t>(t) + 10);
    const std::string mine = "own-" + std::to_string(t);
    for (int i = 0; i < 2000; ++i) {
      const std::string shared = "shared-" + std::to_string(rng.below(8));
      if (rng.below(3) == 0) {
        cache.put(shared, MessageStatus{"by-" + std::to_string(t), i});
      } else {
        (void)cache.get(shared);
      }
      cache.put(mine, MessageStatus{"own", i});
      if (cache.get(mine) != MessageStatus{"own", i}) ++stale_reads;
    }
  });
  EXPECT_EQ(stale_reads.load(), 0) << "a thread did not read its own last write";
  for (const auto& [key, row] : store.rows()) EXPECT_EQ(cache.get(key), row) << key;
}

// The write-behind cache with its flusher thread, small batches, and a store that refuses every
// third batch: each thread writes its own keys with rising versions and always reads back its
// last write; at the end one flush() puts every key's last version in the store.
TEST(Concurrency, WriteBehindLosesNoAcknowledgedWrite) {
  FakeStore store;
  store.fail_every_nth_write(3);
  WriteBehindOptions options;
  options.capacity = 16;  // far fewer than the 64 keys: reads must find dirty and in-flight data
  options.batch_size = 8;
  options.max_delay = 2ms;
  options.background = true;
  constexpr int kKeys = 16;
  constexpr int kVersions = 400;
  std::atomic<int> stale_reads{0};
  std::atomic<std::uint64_t> puts{0};
  {
    WriteBehindCache cache(store, options);  // the real clock
    run_together([&](int t) {
      for (int v = 1; v <= kVersions; ++v) {
        for (int k = 0; k < kKeys; ++k) {
          const std::string key = "t" + std::to_string(t) + "-k" + std::to_string(k);
          cache.put(key, MessageStatus{"v", v});
          ++puts;
          if (cache.get(key) != MessageStatus{"v", v}) ++stale_reads;
        }
      }
    });
    EXPECT_EQ(stale_reads.load(), 0) << "a thread did not read its own last write";
    EXPECT_EQ(cache.stats().writes, puts.load());
    store.fail_every_nth_write(0);
    cache.flush();
    EXPECT_EQ(cache.dirty(), 0u);
    EXPECT_GT(cache.stats().coalesced, 0u);
  }
  const auto rows = store.rows();
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(kThreads * kKeys));
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kKeys; ++k) {
      const std::string key = "t" + std::to_string(t) + "-k" + std::to_string(k);
      const auto it = rows.find(key);
      ASSERT_NE(it, rows.end()) << key << " never reached the store";
      EXPECT_EQ(it->second, (MessageStatus{"v", kVersions})) << key;
    }
  }
}

}  // namespace
