// Graders of lesson 04: the thread-safe caches under concurrent load. Several threads start
// together (std::latch) and mix reads and writes; afterwards, and during, invariants are checked
// that hold whatever the interleaving: values belong to their keys, nothing is counted twice or
// lost, every acknowledged write reaches the store.
//
// The suite is graded again under ThreadSanitizer ("race-free"). TSan reports two accesses that
// no lock, join or acquire/release orders, whether or not they happened at the same instant, so
// the small tests at the end provoke each race on every run instead of hoping for it:
// - threads start together at a std::latch, and each does its first operation at once;
// - an observer that must see an actor's finished work (stats() after a put, dirty() after a
//   flush) waits for it on a *relaxed* atomic flag, which orders nothing for TSan: if the cache
//   did not guard what the actor wrote, the observer's read is reported, whatever the timing;
// - FakeStore::write() bumps an unguarded counter, so two store writes the cache did not
//   serialise are reported too (see fakes.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cache_common.hpp"
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
// rethrows the exception of the lowest-numbered thread that threw (a stub's NotImplemented, a
// failed store...). Thread order, not arrival order, picks it: the same code always reports the
// same error.
template <class Body>
void run_together(Body body, int thread_count = kThreads) {
  std::latch start(thread_count);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(thread_count));
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t);
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();  // each thread its own slot
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
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

// --- Races: each shared structure contended on every run (see the top of the file) ---------

// Set by an actor when its work is done, read by an observer that then looks at the result.
// Relaxed on purpose: the flag must not order the two threads for ThreadSanitizer, so the only
// thing that can is the cache's own locking.
class DoneFlag {
 public:
  void set() { done_.store(true, std::memory_order_relaxed); }
  // Waits (yielding) until set, at most 10 s: a guard against a hang, not a measurement.
  bool wait() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done_.load(std::memory_order_relaxed)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

 private:
  std::atomic<bool> done_{false};
};

// Sets the flag when the scope ends, also when the actor threw.
class SetOnExit {
 public:
  explicit SetOnExit(DoneFlag& flag) : flag_(flag) {}
  ~SetOnExit() { flag_.set(); }
  SetOnExit(const SetOnExit&) = delete;
  SetOnExit& operator=(const SetOnExit&) = delete;

 private:
  DoneFlag& flag_;
};

// Two readers of one entry, at once: both mark it referenced and count a hit under the shared
// lock (atomics, or TSan reports them). The mark is real: the next eviction spares the entry.
TEST(Concurrency, ReadersOfOneShardMarkAndCountTogether) {
  ShardedCache<int, int> cache(2, 1);
  cache.put(1, 10);
  cache.put(2, 20);
  std::atomic<int> wrong{0};
  run_together([&](int) {
    if (cache.get(1) != 10) ++wrong;
  }, 2);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(cache.stats().hits, 2u);
  cache.put(3, 30);  // the hand passes 1 (referenced) and evicts 2
  EXPECT_TRUE(cache.contains(1));
  EXPECT_FALSE(cache.contains(2));
}

// A writer evicting in one shard while a reader reads it and an observer reads the totals.
TEST(Concurrency, AWriterEvictsWhileOthersReadTheShard) {
  ShardedCache<int, int> cache(2, 1);
  cache.put(0, 0);
  DoneFlag written;
  std::atomic<int> wrong{0};
  run_together([&](int t) {
    if (t == 0) {
      SetOnExit done(written);
      for (int k = 1; k <= 8; ++k) cache.put(k, k * 10);
    } else if (t == 1) {
      for (int k = 0; k <= 8; ++k) {
        if (const auto v = cache.get(k); v && *v != k * 10) ++wrong;
      }
    } else {
      ASSERT_TRUE(written.wait());
      const auto stats = cache.stats();
      EXPECT_EQ(stats.evictions, 7u);
      EXPECT_EQ(cache.size(), 2u);
      EXPECT_TRUE(cache.contains(8));
    }
  }, 3);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(cache.stats().hits + cache.stats().misses, 9u);
}

// Two puts at once (the store sees them one at a time: TSan reports two unordered store writes),
// an invalidate, a reader of a cached key and a missing one, and an observer of the statistics
// once the reader is done.
TEST(Concurrency, WriteThroughPutsReadsAndStatsContend) {
  FakeStore store;
  WriteThroughCache cache(store, 4);
  cache.put("cached", MessageStatus{"received", 1});
  cache.put("dropped", MessageStatus{"received", 2});
  DoneFlag read;
  run_together([&](int t) {
    switch (t) {
      case 0:
      case 1:
        cache.put("put-" + std::to_string(t), MessageStatus{"by", t});
        if (t == 1) (void)cache.invalidate("dropped");
        break;
      case 2: {
        SetOnExit done(read);
        EXPECT_EQ(cache.get("cached"), (MessageStatus{"received", 1}));
        EXPECT_EQ(cache.get("absent"), std::nullopt);
        break;
      }
      default:  // nothing that locks the cache before stats(): only its own lock may order it
        ASSERT_TRUE(read.wait());
        const auto stats = cache.stats();
        EXPECT_EQ(stats.hits + stats.misses, 2u);
    }
  });
  EXPECT_EQ(store.rows().size(), 4u);
  for (const auto& [key, row] : store.rows()) EXPECT_EQ(cache.get(key), row) << key;
}

// Two writers, a reader, a flush, and observers of dirty(), stats() and cache_stats() that look
// once the others are done: every member of the write-behind cache is used by two threads.
TEST(Concurrency, WriteBehindPutsReadsFlushAndStatsContend) {
  FakeStore store;
  edi::caching::test::FakeClock clock;
  WriteBehindOptions options;
  options.capacity = 4;
  options.batch_size = 100;
  options.background = false;
  WriteBehindCache cache(store, options, clock.now_function());
  store.set_row("stored", MessageStatus{"acknowledged", 9});
  cache.put("early", MessageStatus{"received", 0});
  DoneFlag put0, put1, read, flushed;
  run_together([&](int t) {
    switch (t) {
      case 0: {
        SetOnExit done(put0);
        cache.put("a", MessageStatus{"received", 1});
        cache.put("b", MessageStatus{"received", 2});
        break;
      }
      case 1: {
        SetOnExit done(put1);
        cache.put("c", MessageStatus{"received", 3});
        cache.put("c", MessageStatus{"validated", 4});  // coalesced, or dirty again after a flush
        break;
      }
      case 2: {
        SetOnExit done(read);
        EXPECT_EQ(cache.get("early"), (MessageStatus{"received", 0}));  // dirty or in flight
        EXPECT_EQ(cache.get("stored"), (MessageStatus{"acknowledged", 9}));  // a miss
        break;
      }
      case 3: {
        SetOnExit done(flushed);
        cache.flush();
        break;
      }
      default:
        ASSERT_TRUE(put0.wait() && put1.wait() && read.wait() && flushed.wait());
        EXPECT_LE(cache.dirty(), 4u);
        EXPECT_EQ(cache.stats().writes, 5u);
        EXPECT_GE(cache.stats().batches, 1u);
        EXPECT_EQ(cache.cache_stats().misses, 1u);
        EXPECT_EQ(cache.cache_stats().hits, 1u);
    }
  }, 5);
  cache.flush();
  EXPECT_EQ(cache.dirty(), 0u);
  EXPECT_EQ(store.rows().at("c"), (MessageStatus{"validated", 4}));
  EXPECT_EQ(store.rows().size(), 5u);
}

// The flusher thread against a writer: the size trigger wakes it while the writer goes on, and
// the backpressure flush in the writer's thread takes turns with it (one store write at a time).
TEST(Concurrency, WriteBehindFlusherAndWriterContend) {
  FakeStore store;
  edi::caching::test::FakeClock clock;
  WriteBehindOptions options;
  options.capacity = 4;
  options.batch_size = 2;
  options.max_dirty = 2;
  options.background = true;
  DoneFlag written;
  {
    WriteBehindCache cache(store, options, clock.now_function());
    run_together([&](int t) {
      if (t == 0) {
        SetOnExit done(written);
        for (int k = 0; k < 8; ++k) cache.put("k" + std::to_string(k), MessageStatus{"received", k});
      } else {
        ASSERT_TRUE(written.wait());
        (void)cache.stats();
        (void)cache.dirty();
      }
    }, 2);
    cache.flush();
    EXPECT_EQ(cache.dirty(), 0u);
    EXPECT_EQ(cache.stats().writes, 8u);
  }
  EXPECT_EQ(store.rows().size(), 8u);
}

}  // namespace
