// Graders of lesson 04, exercise 3: WriteThroughCache and WriteBehindCache over a fake store that
// records every batch and fails, or holds a write in flight, on command. Time is a fake clock:
// triggers are checked at exact instants. Suites: WriteThrough, WriteBehind (triggers,
// coalescing, reads) and Durability (no acknowledged write is ever lost).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fakes.hpp"
#include "store.hpp"
#include "write_cache.hpp"

namespace {

using namespace std::chrono_literals;
using edi::caching::Duration;
using edi::caching::MessageStatus;
using edi::caching::SqliteStore;
using edi::caching::StatusWrite;
using edi::caching::StoreError;
using edi::caching::WriteBehindCache;
using edi::caching::WriteBehindOptions;
using edi::caching::WriteThroughCache;
using edi::caching::test::FakeClock;
using edi::caching::test::FakeStore;
using edi::caching::test::ForeignStoreError;
using edi::caching::test::status;
using Rows = std::map<std::string, MessageStatus>;

// Options without a flusher thread: nothing is written unless the test says so.
WriteBehindOptions manual(std::size_t batch_size = 100, std::size_t capacity = 100) {
  WriteBehindOptions o;
  o.capacity = capacity;
  o.batch_size = batch_size;
  o.max_dirty = 10'000;
  o.max_delay = 100ms;
  o.background = false;
  return o;
}

std::set<std::string> keys_of(const std::vector<StatusWrite>& batch) {
  std::set<std::string> keys;
  for (const auto& w : batch) keys.insert(w.key);
  return keys;
}

// Waits until `pred` holds, yielding the processor; gives up after 10 s (a guard against a hang,
// not a measurement: the condition holds within microseconds in a correct implementation).
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Calls cache.flush() on another thread while the store holds writes in flight: the test acts
// while the batch is in the store's write(), then releases it. Rethrows what the flush threw.
class FlushInFlight {
 public:
  FlushInFlight(WriteBehindCache& cache, FakeStore& store) : store_(store) {
    store_.hold_writes();
    thread_ = std::thread([&] {
      try {
        cache.flush();
      } catch (...) {
        error_ = std::current_exception();
      }
      done_ = true;
      store_.poke();
    });
    if (!store_.wait_for_writes_entered(1, [&] { return done_.load(); })) {
      finish();  // the flush ended without writing: report why
      ADD_FAILURE() << "flush() returned without calling the store's write()";
    }
  }
  ~FlushInFlight() {
    if (thread_.joinable()) finish();
  }
  FlushInFlight(const FlushInFlight&) = delete;
  FlushInFlight& operator=(const FlushInFlight&) = delete;
  // Lets the write finish; rethrows the flush's exception.
  void finish() {
    store_.release_writes();
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  FakeStore& store_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::exception_ptr error_;
};

// Calls get(key) on another thread while the store holds loads: the test acts between the
// cache's miss and the moment its load returns (a put, an invalidate), then lets the load
// finish. result() is what that get() returned; it rethrows what it threw.
template <class Cache>
class GetInFlight {
 public:
  GetInFlight(Cache& cache, FakeStore& store, std::string key) : store_(store) {
    store_.hold_loads();
    const int before = store_.loads();
    thread_ = std::thread([this, &cache, key = std::move(key)] {
      try {
        result_ = cache.get(key);
      } catch (...) {
        error_ = std::current_exception();
      }
      done_ = true;
      store_.poke();
    });
    if (!store_.wait_for_loads_entered(before + 1, [&] { return done_.load(); })) {
      finish();
      ADD_FAILURE() << "get() of a key the cache does not hold returned without loading it from the store";
    }
  }
  ~GetInFlight() {
    if (thread_.joinable()) finish();
  }
  GetInFlight(const GetInFlight&) = delete;
  GetInFlight& operator=(const GetInFlight&) = delete;
  // Lets the load finish; returns what get() returned, or rethrows what it threw.
  std::optional<MessageStatus> finish() {
    store_.release_loads();
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return result_;
  }

 private:
  FakeStore& store_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::optional<MessageStatus> result_;
  std::exception_ptr error_;
};

// Runs `action` on a thread while the test thread does something that must not wait for it;
// if the test thread has not called done() within 10 s (a guard against a hang, not a
// measurement: a correct cache answers in microseconds), `rescue` runs to unblock it, and
// rescued() says so.
class Watchdog {
 public:
  explicit Watchdog(std::function<void()> rescue)
      : thread_([this, rescue = std::move(rescue)] {
          std::unique_lock lock(mutex_);
          if (!changed_.wait_for(lock, std::chrono::seconds(10), [&] { return done_; })) {
            rescued_ = true;
            lock.unlock();
            rescue();
          }
        }) {}
  ~Watchdog() { done(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  void done() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool rescued() const { return rescued_; }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool done_ = false;
  std::atomic<bool> rescued_{false};
  std::thread thread_;
};

// --- WriteThrough -----------------------------------------------------------------------------

// A put is in the store when it returns, as a batch of one; the following get is a hit.
TEST(WriteThrough, PutReachesTheStoreBeforeItReturns) {
  FakeStore store;
  WriteThroughCache cache(store, 16);
  cache.put("m1", status("received", 1));
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("received", 1)}}));
  ASSERT_EQ(store.batches().size(), 1u);
  EXPECT_EQ(store.batches()[0].size(), 1u);
  cache.put("m1", status("validated", 2));
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("validated", 2)}}));
  EXPECT_EQ(cache.get("m1"), status("validated", 2));
  EXPECT_EQ(store.loads(), 0) << "a key just written must be served from the cache";
  EXPECT_EQ(cache.stats().hits, 1u);
}

// When the store refuses a write, the put throws and neither the store nor the cache changes.
TEST(WriteThrough, AFailedStoreWriteChangesNothing) {
  FakeStore store;
  WriteThroughCache cache(store, 16);
  cache.put("m1", status("received", 1));
  store.fail_writes(true);
  EXPECT_THROW(cache.put("m1", status("validated", 2)), StoreError);
  EXPECT_THROW(cache.put("m2", status("received", 3)), StoreError);
  EXPECT_EQ(cache.get("m1"), status("received", 1)) << "the cache holds a write the store refused";
  EXPECT_EQ(cache.get("m2"), std::nullopt);
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("received", 1)}}));
}

// A miss reads the store, and caches what it read: the next get is a hit.
TEST(WriteThrough, GetReadsThroughOnAMissAndCachesTheResult) {
  FakeStore store;
  store.set_row("m1", status("acknowledged", 9));
  WriteThroughCache cache(store, 16);
  EXPECT_EQ(cache.get("m1"), status("acknowledged", 9));
  EXPECT_EQ(cache.get("m1"), status("acknowledged", 9));
  EXPECT_EQ(cache.get("absent"), std::nullopt);
  EXPECT_EQ(store.loads(), 2);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 2u);
}

// invalidate() drops the cached copy, so a change made behind the cache's back is seen.
TEST(WriteThrough, InvalidateDropsTheCachedCopy) {
  FakeStore store;
  WriteThroughCache cache(store, 16);
  cache.put("m1", status("received", 1));
  store.set_row("m1", status("rejected", 5));  // another process
  EXPECT_EQ(cache.get("m1"), status("received", 1));
  EXPECT_TRUE(cache.invalidate("m1"));
  EXPECT_FALSE(cache.invalidate("m1"));
  EXPECT_EQ(cache.get("m1"), status("rejected", 5));
}

// The cache holds at most `capacity` entries; an evicted key is read from the store again.
TEST(WriteThrough, CapacityBoundsTheCache) {
  FakeStore store;
  WriteThroughCache cache(store, 2);
  cache.put("a", status("received"));
  cache.put("b", status("received"));
  cache.put("c", status("received"));
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.get("a"), status("received"));
  EXPECT_EQ(store.loads(), 1);
  EXPECT_THROW((WriteThroughCache(store, 0)), std::invalid_argument);
}

// Over the real database: every put is a committed row.
TEST(WriteThrough, WritesToSqlite) {
  SqliteStore db(":memory:");
  WriteThroughCache cache(db, 8);
  for (int i = 0; i < 20; ++i) cache.put("m" + std::to_string(i), status("received", i));
  cache.put("m3", status("validated", 100));
  EXPECT_EQ(db.status_count(), 20u);
  EXPECT_EQ(db.load("m3"), status("validated", 100));
  EXPECT_EQ(cache.get("m3"), status("validated", 100));
  EXPECT_EQ(cache.get("m0"), status("received", 0));  // evicted, read back from SQLite
}

// A put that lands while a miss is loading makes the loaded value stale: get() returns what it
// loaded (one load per miss, not retried) but does not cache it over the newer put.
TEST(WriteThrough, AStaleLoadIsNotCachedOverANewerPut) {
  FakeStore store;
  store.set_row("m1", status("received", 1));
  WriteThroughCache cache(store, 16);
  std::optional<MessageStatus> loaded;
  {
    GetInFlight miss(cache, store, "m1");  // loading the old row...
    cache.put("m1", status("validated", 2));  // ...when a newer value is written
    loaded = miss.finish();
  }
  EXPECT_EQ(loaded, status("received", 1)) << "get() returns the value it loaded";
  EXPECT_EQ(store.loads(), 1) << "one miss, one load: a stale load is not retried";
  EXPECT_EQ(cache.get("m1"), status("validated", 2)) << "the stale load was cached over the newer put";
  EXPECT_EQ(store.loads(), 1) << "the put cached its value: this get is a hit";
  EXPECT_EQ(store.rows().at("m1"), status("validated", 2));
}

// invalidate() during a load: the load read the row before the change, so it must not be cached.
TEST(WriteThrough, AnInvalidateDuringALoadKeepsTheOldValueOut) {
  FakeStore store;
  store.set_row("m1", status("received", 1));
  WriteThroughCache cache(store, 16);
  {
    GetInFlight miss(cache, store, "m1");
    store.set_row("m1", status("rejected", 7));  // another process changes the row...
    EXPECT_FALSE(cache.invalidate("m1"));         // ...and tells the cache (nothing cached yet)
    EXPECT_EQ(miss.finish(), status("received", 1));
  }
  EXPECT_EQ(cache.get("m1"), status("rejected", 7)) << "a load older than the invalidate was cached";
  EXPECT_EQ(store.loads(), 2);
}

// A put holds its write mutex across the store write, not the cache's lock: while one put's
// write is in the store, other threads still read cached keys, read stats, and invalidate.
TEST(WriteThrough, GetsDoNotWaitForAPutsStoreWrite) {
  FakeStore store;
  WriteThroughCache cache(store, 16);
  cache.put("cached", status("received", 1));
  store.hold_writes();
  std::atomic<bool> put_done{false};
  std::exception_ptr put_error;
  std::thread writer([&] {
    try {
      cache.put("slow", status("received", 2));
    } catch (...) {
      put_error = std::current_exception();
    }
    put_done = true;
    store.poke();
  });
  const bool entered = store.wait_for_writes_entered(2, [&] { return put_done.load(); });
  if (entered) {
    Watchdog watchdog([&] { store.release_writes(); });
    EXPECT_EQ(cache.get("cached"), status("received", 1));
    EXPECT_EQ(cache.stats().hits, 1u);
    EXPECT_TRUE(cache.invalidate("cached"));
    watchdog.done();
    EXPECT_FALSE(watchdog.rescued()) << "get() waited for another key's put to finish its store write: "
                                        "hold the write mutex, not the cache's lock, across the store write";
  }
  store.release_writes();
  writer.join();
  if (put_error) std::rethrow_exception(put_error);
  ASSERT_TRUE(entered) << "put() returned without writing to the store";
  EXPECT_EQ(cache.get("slow"), status("received", 2));
}

// --- WriteBehind ------------------------------------------------------------------------------

// A put is acknowledged at once: readable, dirty, and not written yet.
TEST(WriteBehind, PutIsReadableBeforeAnyFlush) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  cache.put("m1", status("received", 1));
  EXPECT_EQ(cache.get("m1"), status("received", 1));
  EXPECT_EQ(cache.dirty(), 1u);
  EXPECT_TRUE(store.batches().empty());
  EXPECT_EQ(store.loads(), 0);
  EXPECT_EQ(cache.stats().writes, 1u);
}

// flush() writes every dirty key as one batch, with the newest values.
TEST(WriteBehind, FlushWritesEveryDirtyKeyInOneBatch) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  Rows expected;
  for (int i = 0; i < 50; ++i) {
    const std::string key = "m" + std::to_string(i);
    cache.put(key, status("received", i));
    expected[key] = status("received", i);
  }
  cache.flush();
  EXPECT_EQ(store.rows(), expected);
  ASSERT_EQ(store.batches().size(), 1u);
  EXPECT_EQ(store.batches()[0].size(), 50u);
  EXPECT_EQ(cache.dirty(), 0u);
  EXPECT_EQ(cache.stats().batches, 1u);
  EXPECT_EQ(cache.stats().written, 50u);
  cache.flush();  // nothing dirty: no empty batch either
  EXPECT_EQ(store.batches().size(), 1u);
}

// Repeated writes of one key before a flush reach the store once, with the last value.
TEST(WriteBehind, CoalescesRepeatedWritesToOneKey) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  cache.put("m1", status("received", 1));
  cache.put("m2", status("received", 2));
  cache.put("m1", status("validated", 3));
  cache.put("m1", status("acknowledged", 4));
  cache.put("m2", status("rejected", 5));
  EXPECT_EQ(cache.dirty(), 2u);
  EXPECT_EQ(cache.get("m1"), status("acknowledged", 4));
  cache.flush();
  ASSERT_EQ(store.batches().size(), 1u);
  EXPECT_EQ(store.batches()[0].size(), 2u) << "one store write per key, not one per put";
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("acknowledged", 4)}, {"m2", status("rejected", 5)}}));
  EXPECT_EQ(cache.stats().writes, 5u);
  EXPECT_EQ(cache.stats().coalesced, 3u);
}

// The size trigger: a flush is due when batch_size keys are dirty, not before.
TEST(WriteBehind, SizeTriggerFiresAtBatchSize) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(4), clock.now_function());
  for (int i = 0; i < 3; ++i) cache.put("m" + std::to_string(i), status("received", i));
  cache.put("m0", status("validated", 9));  // coalesced: still 3 dirty keys
  EXPECT_FALSE(cache.flush_if_due());
  EXPECT_TRUE(store.batches().empty());
  cache.put("m3", status("received", 3));
  EXPECT_TRUE(cache.flush_if_due());
  ASSERT_EQ(store.batches().size(), 1u);
  EXPECT_EQ(keys_of(store.batches()[0]), (std::set<std::string>{"m0", "m1", "m2", "m3"}));
  EXPECT_FALSE(cache.flush_if_due());
}

// The time trigger: due when the oldest dirty write is max_delay old, to the nanosecond.
TEST(WriteBehind, TimeTriggerFiresAtMaxDelayAfterTheOldestWrite) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  EXPECT_FALSE(cache.flush_if_due());  // nothing dirty: never due
  cache.put("a", status("received"));
  clock.advance(60ms);
  cache.put("b", status("received"));  // does not restart the clock of the batch
  clock.advance(40ms - 1ns);
  EXPECT_FALSE(cache.flush_if_due());
  EXPECT_TRUE(store.batches().empty());
  clock.advance(1ns);  // a is 100 ms old
  EXPECT_TRUE(cache.flush_if_due());
  ASSERT_EQ(store.batches().size(), 1u);
  EXPECT_EQ(keys_of(store.batches()[0]), (std::set<std::string>{"a", "b"}));
  // The next batch's clock starts at its own first write.
  clock.advance(1s);
  cache.put("c", status("received"));
  clock.advance(99ms);
  EXPECT_FALSE(cache.flush_if_due());
  clock.advance(1ms);
  EXPECT_TRUE(cache.flush_if_due());
}

// With options.background, a thread flushes as soon as the size trigger fires (the fake clock
// stands still, so only the size trigger can fire).
TEST(WriteBehind, FlusherThreadWritesWhenTheSizeTriggerFires) {
  FakeStore store;
  FakeClock clock;
  WriteBehindOptions options = manual(4);
  options.background = true;
  WriteBehindCache cache(store, options, clock.now_function());
  for (int i = 0; i < 4; ++i) cache.put("m" + std::to_string(i), status("received", i));
  ASSERT_TRUE(store.wait_for_batches(1)) << "no batch written 10 s after the size trigger fired";
  EXPECT_EQ(store.batches()[0].size(), 4u);
}

// With options.background, a thread flushes when the time trigger fires by the cache's clock.
TEST(WriteBehind, FlusherThreadWritesWhenTheTimeTriggerFires) {
  FakeStore store;
  FakeClock clock;
  WriteBehindOptions options = manual(100);
  options.background = true;
  options.max_delay = 20ms;
  WriteBehindCache cache(store, options, clock.now_function());
  cache.put("m1", status("received"));
  clock.advance(20ms);
  ASSERT_TRUE(store.wait_for_batches(1)) << "no batch written 10 s after the time trigger fired";
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("received")}}));
}

// A miss reads the store; a hit does not.
TEST(WriteBehind, GetReadsThroughOnAMiss) {
  FakeStore store;
  FakeClock clock;
  store.set_row("old", status("acknowledged", 7));
  WriteBehindCache cache(store, manual(), clock.now_function());
  EXPECT_EQ(cache.get("old"), status("acknowledged", 7));
  EXPECT_EQ(cache.get("old"), status("acknowledged", 7));
  EXPECT_EQ(cache.get("absent"), std::nullopt);
  EXPECT_EQ(store.loads(), 2);
  EXPECT_EQ(cache.cache_stats().hits, 1u);
  EXPECT_EQ(cache.cache_stats().misses, 2u);
}

// While a batch is in the store's write(), its values stay readable even when the read cache
// has evicted them (capacity 1 here) and the store does not have them yet.
TEST(WriteBehind, InFlightWritesStayReadable) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(100, 1), clock.now_function());
  cache.put("a", status("received", 1));
  cache.put("b", status("received", 2));  // evicts a from the read cache; a is still dirty
  {
    FlushInFlight flight(cache, store);
    EXPECT_EQ(cache.get("a"), status("received", 1)) << "a write in flight was invisible to get()";
    EXPECT_EQ(cache.get("b"), status("received", 2));
    EXPECT_EQ(cache.dirty(), 2u);
    EXPECT_EQ(store.loads(), 0) << "a value in flight is read from the batch, not from the store";
    flight.finish();
  }
  EXPECT_EQ(cache.dirty(), 0u);
  EXPECT_EQ(cache.get("a"), status("received", 1));  // from the store now
}

// The same race in the write-behind cache: a load that a put overtook is not cached.
TEST(WriteBehind, AStaleLoadIsNotCachedOverANewerPut) {
  FakeStore store;
  FakeClock clock;
  store.set_row("m1", status("received", 1));
  WriteBehindCache cache(store, manual(), clock.now_function());
  std::optional<MessageStatus> loaded;
  {
    GetInFlight miss(cache, store, "m1");
    cache.put("m1", status("validated", 2));
    loaded = miss.finish();
  }
  EXPECT_EQ(loaded, status("received", 1)) << "get() returns the value it loaded";
  EXPECT_EQ(store.loads(), 1) << "one miss, one load: a stale load is not retried";
  cache.flush();  // nothing dirty any more: the next get reads the read cache
  EXPECT_EQ(cache.get("m1"), status("validated", 2)) << "the stale load was cached over the newer put";
  EXPECT_EQ(store.loads(), 1);
}

// No dirty key, no store call: flush() and the triggers never hand the store an empty batch.
TEST(WriteBehind, NothingDirtyMeansNoStoreWrite) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(1), clock.now_function());
  cache.flush();
  EXPECT_FALSE(cache.flush_if_due());
  EXPECT_EQ(store.writes_entered(), 0) << "flush() with nothing dirty called the store's write()";
  cache.put("a", status("received"));
  EXPECT_TRUE(cache.flush_if_due());
  cache.flush();
  clock.advance(1h);
  EXPECT_FALSE(cache.flush_if_due());
  EXPECT_EQ(store.writes_entered(), 1) << "only the one batch with a dirty key reaches the store";
  EXPECT_EQ(cache.stats().batches, 1u);
  EXPECT_EQ(cache.stats().written, 1u);
}

// A key written again while its batch is in flight is dirty again when that batch succeeds: the
// newer value is owed to the store, and the next flush writes it (and only it).
TEST(WriteBehind, AKeyRewrittenDuringASuccessfulFlushStaysDirty) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  cache.put("m1", status("received", 1));
  cache.put("m2", status("received", 2));
  {
    FlushInFlight flight(cache, store);
    cache.put("m1", status("validated", 3));
    EXPECT_EQ(cache.dirty(), 3u) << "m1 in flight and m1 dirty again count twice";
    EXPECT_EQ(cache.get("m1"), status("validated", 3));
    flight.finish();
  }
  EXPECT_EQ(cache.dirty(), 1u) << "the rewritten key must stay dirty after its old value's batch";
  EXPECT_EQ(cache.stats().coalesced, 0u) << "rewriting a key in flight (not dirty) coalesces nothing";
  EXPECT_EQ(cache.get("m1"), status("validated", 3));
  cache.flush();
  const auto batches = store.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], (std::vector<StatusWrite>{{"m1", status("validated", 3)}}));
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("validated", 3)}, {"m2", status("received", 2)}}));
}

// The time trigger of the next batch starts at its first write, also when that write lands
// while the previous batch is in flight, and not when that batch finishes.
TEST(WriteBehind, APutDuringAFlushStartsTheNextBatchsClock) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  cache.put("a", status("received", 1));
  {
    FlushInFlight flight(cache, store);
    clock.advance(30ms);
    cache.put("b", status("received", 2));  // the next batch's oldest write, at t + 30 ms
    clock.advance(40ms);
    flight.finish();                        // at t + 70 ms
  }
  clock.advance(60ms - 1ns);  // b is 100 ms - 1 ns old
  EXPECT_FALSE(cache.flush_if_due());
  clock.advance(1ns);
  EXPECT_TRUE(cache.flush_if_due()) << "the time trigger must count from b's put, not from the end of a's batch";
  EXPECT_EQ(store.batches().size(), 2u);
  // A failure is no boundary for the last error: it stays until the store refuses again.
  cache.put("c", status("received", 3));
  store.fail_writes(true);
  EXPECT_THROW(cache.flush(), StoreError);
  store.fail_writes(false);
  cache.flush();
  EXPECT_NE(cache.stats().last_error.find("refused on purpose"), std::string::npos)
      << "stats().last_error is what the store said the last time it refused a batch";
}

// The put that fires the size trigger wakes the flusher. Its periodic check is an hour away
// here (max_delay / 4 of real time), so only that wake-up can get the batch written: the test
// first waits until the flusher has looked at the clock (it is asleep then), then fills the batch.
TEST(WriteBehind, ThePutThatFiresTheSizeTriggerWakesTheFlusher) {
  FakeStore store;
  FakeClock clock;
  std::atomic<int> flusher_looks{0};
  const std::thread::id test_thread = std::this_thread::get_id();
  const edi::caching::NowFunction now = [&] {
    if (std::this_thread::get_id() != test_thread) ++flusher_looks;
    return clock.now();
  };
  WriteBehindOptions options = manual(4);
  options.background = true;
  options.max_delay = 4h;
  WriteBehindCache cache(store, options, now);
  for (int i = 0; i < 3; ++i) cache.put("m" + std::to_string(i), status("received", i));
  ASSERT_TRUE(eventually([&] { return flusher_looks.load() > 0; })) << "the flusher thread never checked the triggers";
  cache.put("m3", status("received", 3));  // the size trigger fires now
  ASSERT_TRUE(store.wait_for_batches(1)) << "the flusher slept through the size trigger: put() must notify it";
  EXPECT_EQ(store.batches()[0].size(), 4u);
}

// Over the real database: batches are transactions, and every row arrives.
TEST(WriteBehind, WritesToSqliteInBatches) {
  SqliteStore db(":memory:");
  FakeClock clock;
  WriteBehindCache cache(db, manual(64), clock.now_function());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) cache.put("m" + std::to_string(i), status(round == 2 ? "acknowledged" : "received", round));
    cache.flush_if_due();
  }
  cache.flush();
  EXPECT_EQ(db.status_count(), 100u);
  EXPECT_EQ(db.load("m42"), status("acknowledged", 2));
  EXPECT_EQ(cache.stats().writes, 300u);
  EXPECT_GE(cache.stats().batches, 2u);
}

// Options that cannot work are rejected.
TEST(WriteBehind, RejectsInvalidOptions) {
  FakeStore store;
  WriteBehindOptions o = manual();
  o.batch_size = 0;
  EXPECT_THROW((WriteBehindCache(store, o)), std::invalid_argument)
      << "not implemented yet: WriteBehindCache rejects options that cannot work";
  o = manual();
  o.max_dirty = o.batch_size - 1;
  EXPECT_THROW((WriteBehindCache(store, o)), std::invalid_argument);
  o = manual();
  o.max_delay = 0ms;
  EXPECT_THROW((WriteBehindCache(store, o)), std::invalid_argument);
  o = manual();
  o.capacity = 0;
  EXPECT_THROW((WriteBehindCache(store, o)), std::invalid_argument);
}

// --- Durability -------------------------------------------------------------------------------

// Destroying the cache writes what is dirty, with or without a flusher thread.
TEST(Durability, DestructorFlushesEveryAcknowledgedWrite) {
  for (const bool background : {false, true}) {
    FakeStore store;
    FakeClock clock;
    Rows expected;
    {
      WriteBehindOptions options = manual(1000);
      options.background = background;
      WriteBehindCache cache(store, options, clock.now_function());
      for (int i = 0; i < 300; ++i) {
        const std::string key = "m" + std::to_string(i % 120);
        cache.put(key, status("s" + std::to_string(i), i));
        expected[key] = status("s" + std::to_string(i), i);
      }
    }
    EXPECT_EQ(store.rows(), expected) << (background ? "with" : "without") << " the flusher thread";
  }
}

// A refused batch stays dirty and readable, flush() throws the store's error, and the next
// flush after the store recovers writes everything.
TEST(Durability, FailedFlushKeepsTheWritesAndSurfacesTheError) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  for (int i = 0; i < 10; ++i) cache.put("m" + std::to_string(i), status("received", i));
  store.fail_writes(true);
  EXPECT_THROW(cache.flush(), StoreError);
  EXPECT_THROW(cache.flush(), StoreError);
  EXPECT_EQ(cache.dirty(), 10u);
  EXPECT_EQ(cache.get("m3"), status("received", 3));
  EXPECT_EQ(cache.stats().failed_batches, 2u);
  EXPECT_NE(cache.stats().last_error.find("refused on purpose"), std::string::npos) << cache.stats().last_error;
  EXPECT_TRUE(store.rows().empty());
  store.fail_writes(false);
  cache.flush();
  EXPECT_EQ(store.rows().size(), 10u);
  EXPECT_EQ(cache.dirty(), 0u);
}

// A store that fails three times and recovers: writes made between the failures are kept too.
TEST(Durability, WritesSurviveAStoreThatFailsAndRecovers) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  store.fail_next_writes(3);
  Rows expected;
  for (int attempt = 0; attempt < 4; ++attempt) {
    for (int i = 0; i < 5; ++i) {
      const std::string key = "k" + std::to_string(attempt * 3 + i);  // overlapping keys
      cache.put(key, status("attempt" + std::to_string(attempt), attempt));
      expected[key] = status("attempt" + std::to_string(attempt), attempt);
    }
    if (attempt < 3) {
      EXPECT_THROW(cache.flush(), StoreError) << "attempt " << attempt;
    } else {
      cache.flush();
    }
  }
  EXPECT_EQ(store.rows(), expected);
  EXPECT_EQ(cache.stats().failed_batches, 3u);
  EXPECT_EQ(cache.stats().batches, 1u);
}

// A key written again while its batch is in flight keeps the newer value when that batch fails:
// the failed batch must not put its older value back over the newer one.
TEST(Durability, NewerWritesDuringAFailedBatchWin) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  cache.put("m1", status("received", 1));
  cache.put("m2", status("received", 2));
  store.fail_next_writes(1);
  {
    FlushInFlight flight(cache, store);
    cache.put("m1", status("validated", 3));  // acknowledged while the old value is in flight
    EXPECT_THROW(flight.finish(), StoreError);
  }
  EXPECT_EQ(cache.get("m1"), status("validated", 3));
  cache.flush();
  EXPECT_EQ(store.rows(), (Rows{{"m1", status("validated", 3)}, {"m2", status("received", 2)}}));
}

// Backpressure: a put of a new key finding max_dirty keys dirty first flushes them.
TEST(Durability, BackpressureFlushesAtMaxDirty) {
  FakeStore store;
  FakeClock clock;
  WriteBehindOptions options = manual(4);
  options.max_dirty = 4;
  WriteBehindCache cache(store, options, clock.now_function());
  for (int i = 0; i < 4; ++i) cache.put("m" + std::to_string(i), status("received", i));
  cache.put("m2", status("validated", 9));  // already dirty: no flush needed
  EXPECT_TRUE(store.batches().empty());
  cache.put("m4", status("received", 4));   // a fifth key: flushes the four first
  ASSERT_EQ(store.batches().size(), 1u);
  EXPECT_EQ(store.batches()[0].size(), 4u);
  EXPECT_EQ(cache.dirty(), 1u);
  EXPECT_EQ(store.rows().at("m2"), status("validated", 9));
}

// When that flush fails, the put is refused (it throws) and is not acknowledged; the writes that
// were acknowledged are kept and written once the store is back.
TEST(Durability, BackpressureRefusesWritesWhenTheStoreIsDown) {
  FakeStore store;
  FakeClock clock;
  WriteBehindOptions options = manual(2);
  options.max_dirty = 2;
  WriteBehindCache cache(store, options, clock.now_function());
  store.fail_writes(true);
  cache.put("a", status("received"));
  cache.put("b", status("received"));
  EXPECT_THROW(cache.put("c", status("received")), StoreError);
  EXPECT_EQ(cache.dirty(), 2u) << "the buffer must not grow past max_dirty while the store is down";
  EXPECT_EQ(cache.stats().writes, 2u);
  store.fail_writes(false);
  cache.flush();
  EXPECT_EQ(store.rows(), (Rows{{"a", status("received")}, {"b", status("received")}}));
}

// After a failed batch, no trigger fires again before max_delay has passed; flush() still tries.
TEST(Durability, FailedTriggerBacksOffForMaxDelay) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(2), clock.now_function());
  cache.put("a", status("received"));
  cache.put("b", status("received"));
  store.fail_writes(true);
  EXPECT_THROW(cache.flush_if_due(), StoreError);
  store.fail_writes(false);
  clock.advance(100ms - 1ns);
  EXPECT_FALSE(cache.flush_if_due()) << "a failed batch was retried before max_delay";
  clock.advance(1ns);
  EXPECT_TRUE(cache.flush_if_due());
  EXPECT_EQ(store.rows().size(), 2u);
  // flush() ignores the back-off.
  cache.put("c", status("received"));
  store.fail_writes(true);
  EXPECT_THROW(cache.flush(), StoreError);
  store.fail_writes(false);
  cache.flush();
  EXPECT_EQ(store.rows().size(), 3u);
}

// A failure of flush() itself (not only of a trigger) starts the back-off: the size trigger
// stays quiet for max_delay after it, to the nanosecond.
TEST(Durability, AFailedFlushAlsoBacksOffTheTriggers) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(2), clock.now_function());
  cache.put("a", status("received"));
  store.fail_writes(true);
  EXPECT_THROW(cache.flush(), StoreError);
  store.fail_writes(false);
  cache.put("b", status("received"));  // the size trigger would fire now
  clock.advance(100ms - 1ns);
  EXPECT_FALSE(cache.flush_if_due()) << "a trigger fired less than max_delay after flush() failed";
  EXPECT_EQ(store.writes_entered(), 1);
  clock.advance(1ns);
  EXPECT_TRUE(cache.flush_if_due());
  EXPECT_EQ(store.rows().size(), 2u);
}

// Every failure restarts the back-off from its own instant: a store that stays down is tried
// once per max_delay, not on every trigger after the first back-off ran out.
TEST(Durability, EveryFailureRestartsTheBackOff) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(2), clock.now_function());
  cache.put("a", status("received"));
  cache.put("b", status("received"));
  store.fail_writes(true);
  EXPECT_THROW(cache.flush_if_due(), StoreError);  // failure 1 at t
  clock.advance(100ms);
  EXPECT_THROW(cache.flush_if_due(), StoreError);  // failure 2 at t + 100 ms
  store.fail_writes(false);
  for (const Duration step : {Duration(1ns), Duration(50ms), Duration(50ms - 2ns)}) {
    clock.advance(step);
    EXPECT_FALSE(cache.flush_if_due()) << "a trigger fired within max_delay of the second failure";
  }
  EXPECT_EQ(store.writes_entered(), 2);
  clock.advance(1ns);  // t + 200 ms: max_delay after the second failure
  EXPECT_TRUE(cache.flush_if_due());
  EXPECT_EQ(cache.stats().failed_batches, 2u);
  EXPECT_EQ(store.rows().size(), 2u);
}

// The destructor stops a flusher that is asleep (its next periodic check an hour away) at once:
// the stop wakes it, then the final flush writes what is dirty.
TEST(Durability, TheDestructorWakesASleepingFlusher) {
  struct State {
    FakeStore store;
    FakeClock clock;
    std::atomic<int> flusher_looks{0};
    std::atomic<bool> destroyed{false};
    std::thread::id test_thread = std::this_thread::get_id();
    std::unique_ptr<WriteBehindCache> cache;
  };
  // Shared with the destroying thread, which may outlive the test if the destructor hangs.
  const auto state = std::make_shared<State>();
  WriteBehindOptions options = manual(100);
  options.background = true;
  options.max_delay = 4h;
  State* raw = state.get();
  state->cache = std::make_unique<WriteBehindCache>(state->store, options, [raw] {
    if (std::this_thread::get_id() != raw->test_thread) ++raw->flusher_looks;
    return raw->clock.now();
  });
  state->cache->put("m1", status("received", 1));
  ASSERT_TRUE(eventually([&] { return state->flusher_looks.load() > 0; })) << "the flusher thread never checked the triggers";
  std::thread destroyer([state] {
    state->cache.reset();
    state->destroyed = true;
  });
  if (!eventually([&] { return state->destroyed.load(); })) {
    destroyer.detach();  // still blocked in the destructor; `state` stays alive with it
    FAIL() << "the destructor did not return within 10 s: stopping must wake a flusher that waits "
              "(wait on the stop token, or notify after request_stop())";
  }
  destroyer.join();
  EXPECT_EQ(state->store.rows(), (Rows{{"m1", status("received", 1)}}));
}

// The flusher running and the store down at destruction: the final flush fails and the
// writes still reach on_unwritten, the newest value of each key once.
TEST(Durability, DestructorSalvagesWithTheFlusherRunning) {
  FakeStore store;
  FakeClock clock;
  std::vector<StatusWrite> salvaged;
  {
    WriteBehindOptions options = manual(1000);
    options.background = true;
    options.on_unwritten = [&](std::vector<StatusWrite> writes) { salvaged = std::move(writes); };
    WriteBehindCache cache(store, options, clock.now_function());
    store.fail_writes(true);
    cache.put("a", status("received", 1));
    cache.put("b", status("received", 2));
    EXPECT_THROW(cache.flush(), StoreError);
    cache.put("a", status("validated", 3));
  }
  Rows got;
  for (const auto& w : salvaged) got[w.key] = w.status;
  EXPECT_EQ(got, (Rows{{"a", status("validated", 3)}, {"b", status("received", 2)}}));
  EXPECT_EQ(salvaged.size(), 2u);
  EXPECT_TRUE(store.rows().empty());
}

// When the store is down at destruction, the unwritten writes are handed to on_unwritten.
TEST(Durability, DestructorHandsUnwrittenWritesToTheFallback) {
  FakeStore store;
  FakeClock clock;
  std::vector<StatusWrite> salvaged;
  {
    WriteBehindOptions options = manual();
    options.on_unwritten = [&](std::vector<StatusWrite> writes) { salvaged = std::move(writes); };
    WriteBehindCache cache(store, options, clock.now_function());
    cache.put("a", status("received", 1));
    cache.put("b", status("received", 2));
    cache.put("a", status("validated", 3));
    store.fail_writes(true);
  }
  Rows got;
  for (const auto& w : salvaged) got[w.key] = w.status;
  EXPECT_EQ(got, (Rows{{"a", status("validated", 3)}, {"b", status("received", 2)}}));
  EXPECT_EQ(salvaged.size(), 2u);
}

// The flusher thread meets a failing store: it counts the failure, keeps the data, and retries
// once max_delay has passed and the store is back.
TEST(Durability, FlusherThreadRetriesAfterAFailure) {
  FakeStore store;
  FakeClock clock;
  WriteBehindOptions options = manual(3);
  options.background = true;
  WriteBehindCache cache(store, options, clock.now_function());
  store.fail_next_writes(1);
  for (int i = 0; i < 3; ++i) cache.put("m" + std::to_string(i), status("received", i));
  ASSERT_TRUE(eventually([&] { return cache.stats().failed_batches == 1; })) << "the flusher never tried to write";
  // The failed batch is back in the dirty set, readable.
  EXPECT_EQ(cache.dirty(), 3u);
  EXPECT_EQ(cache.get("m1"), status("received", 1));
  clock.advance(100ms);  // past the back-off
  ASSERT_TRUE(store.wait_for_batches(1)) << "the flusher did not retry 10 s after the back-off ended";
  EXPECT_EQ(store.rows().size(), 3u);
  EXPECT_EQ(store.failed(), 1);
  EXPECT_EQ(cache.stats().failed_batches, 1u);
}

// A store may throw anything, not only a std::exception (a client library's own error type):
// the batch is refused all the same. flush() rethrows what the store threw, unchanged; the
// entries are dirty again, failed_batches counts the batch, stats().last_error says something,
// and the next flush writes everything.
TEST(Durability, AStoreErrorOfAnyTypeKeepsTheBatch) {
  FakeStore store;
  FakeClock clock;
  WriteBehindCache cache(store, manual(), clock.now_function());
  for (int i = 0; i < 5; ++i) cache.put("m" + std::to_string(i), status("received", i));
  store.fail_with_foreign_errors(true);
  store.fail_next_writes(1);
  EXPECT_THROW(cache.flush(), ForeignStoreError) << "flush() must let the store's exception out, unchanged";
  EXPECT_EQ(cache.stats().failed_batches, 1u)
      << "the store refused the batch with a ForeignStoreError, which is not a std::exception: a batch refused "
         "with any type is a failed batch (catch (...), not only const std::exception&)";
  EXPECT_FALSE(cache.stats().last_error.empty())
      << "stats().last_error must say something after any failure, also when the exception has no what()";
  EXPECT_EQ(cache.dirty(), 5u);
  EXPECT_EQ(cache.get("m3"), status("received", 3));
  cache.flush();
  EXPECT_EQ(store.rows().size(), 5u)
      << "the next flush must write the refused batch: its entries go back to the dirty set whatever the store "
         "threw, or they stay stranded in flight and are never written";
  EXPECT_EQ(cache.dirty(), 0u);
}

// The flusher thread meets a store that throws a type that is not a std::exception: it counts
// the failure and keeps running (an exception that leaves a thread's function ends the program
// with std::terminate), then retries once max_delay has passed.
TEST(Durability, TheFlusherThreadSurvivesAStoreErrorOfAnyType) {
  FakeStore store;
  FakeClock clock;
  WriteBehindOptions options = manual(3);
  options.background = true;
  WriteBehindCache cache(store, options, clock.now_function());
  store.fail_with_foreign_errors(true);
  store.fail_next_writes(1);
  for (int i = 0; i < 3; ++i) cache.put("m" + std::to_string(i), status("received", i));
  ASSERT_TRUE(eventually([&] { return cache.stats().failed_batches == 1; }))
      << "the flusher thread's batch was refused with a ForeignStoreError (not a std::exception), and "
         "stats().failed_batches never counted it: catch whatever the store throws";
  EXPECT_EQ(cache.dirty(), 3u);
  clock.advance(100ms);  // past the back-off
  ASSERT_TRUE(store.wait_for_batches(1)) << "the flusher did not retry 10 s after the back-off ended";
  EXPECT_EQ(store.rows().size(), 3u);
}

// The store throws a type that is not a std::exception at destruction: the destructor still
// hands every unwritten write to on_unwritten (a destructor that lets an exception out ends the
// program with std::terminate).
TEST(Durability, TheDestructorSalvagesAfterAStoreErrorOfAnyType) {
  FakeStore store;
  FakeClock clock;
  std::vector<StatusWrite> salvaged;
  {
    WriteBehindOptions options = manual();
    options.on_unwritten = [&](std::vector<StatusWrite> writes) { salvaged = std::move(writes); };
    WriteBehindCache cache(store, options, clock.now_function());
    cache.put("a", status("received", 1));
    cache.put("b", status("received", 2));
    store.fail_with_foreign_errors(true);
    store.fail_writes(true);
  }
  Rows got;
  for (const auto& w : salvaged) got[w.key] = w.status;
  EXPECT_EQ(got, (Rows{{"a", status("received", 1)}, {"b", status("received", 2)}}))
      << "the final flush failed with a ForeignStoreError (not a std::exception): the destructor must catch "
         "it too and hand the unwritten writes to on_unwritten";
  EXPECT_TRUE(store.rows().empty());
}

}  // namespace
