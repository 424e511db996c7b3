// Graders of lesson 04, exercise 4: ShardedCache. CLOCK's exact eviction order in one shard, the
// split of the capacity over the shards, statistics, bounded memory, and proof that two readers
// of one shard hold its lock at the same time. (The multi-threaded stress test is in
// concurrency_test.cpp.)
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <latch>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/generator.hpp"
#include "sharded_cache.hpp"

namespace {

using edi::caching::CacheStats;
using edi::caching::ShardedCache;

// A referenced entry is skipped once (its flag cleared); the first unreferenced one is evicted.
TEST(ShardedCache, ClockGivesReadEntriesASecondChance) {
  ShardedCache<std::string, int> cache(3, 1);
  cache.put("a", 1);  // slot 0
  cache.put("b", 2);  // slot 1
  cache.put("c", 3);  // slot 2
  EXPECT_EQ(cache.get("a"), 1);
  cache.put("d", 4);  // the hand clears a's flag and evicts b
  EXPECT_TRUE(cache.contains("a"));
  EXPECT_FALSE(cache.contains("b"));
  cache.put("e", 5);  // evicts c
  EXPECT_FALSE(cache.contains("c"));
  cache.put("f", 6);  // a had its second chance: evicted now
  EXPECT_FALSE(cache.contains("a"));
  EXPECT_TRUE(cache.contains("d"));
  EXPECT_TRUE(cache.contains("e"));
  EXPECT_TRUE(cache.contains("f"));
}

// When every entry was read, the hand clears every flag and comes back to where it started:
// CLOCK then evicts in slot order, whatever the order of the reads (LRU would evict c first).
TEST(ShardedCache, ClockEvictsInSlotOrderWhenEveryEntryWasRead) {
  ShardedCache<std::string, int> cache(3, 1);
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("c", 3);
  EXPECT_EQ(cache.get("c"), 3);
  EXPECT_EQ(cache.get("b"), 2);
  EXPECT_EQ(cache.get("a"), 1);
  cache.put("d", 4);
  EXPECT_FALSE(cache.contains("a"));
  cache.put("e", 5);
  EXPECT_FALSE(cache.contains("b"));
  EXPECT_TRUE(cache.contains("c"));
}

// After an eviction the hand moves past the new entry, which is not the next victim.
TEST(ShardedCache, TheHandStepsPastTheNewEntry) {
  ShardedCache<std::string, int> cache(3, 1);
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("c", 3);
  cache.put("d", 4);  // evicts a (slot 0)
  cache.put("e", 5);  // evicts b (slot 1), not d
  EXPECT_TRUE(cache.contains("d"));
  EXPECT_FALSE(cache.contains("b"));
  EXPECT_TRUE(cache.contains("c"));
  cache.put("f", 6);  // evicts c (slot 2)
  cache.put("g", 7);  // evicts d (slot 0 again)
  EXPECT_FALSE(cache.contains("c"));
  EXPECT_FALSE(cache.contains("d"));
  EXPECT_EQ(cache.get("e"), 5);
  EXPECT_EQ(cache.get("f"), 6);
  EXPECT_EQ(cache.get("g"), 7);
}

// Overwriting a key replaces its value and marks it referenced.
TEST(ShardedCache, OverwriteReplacesTheValueAndMarksItRead) {
  ShardedCache<std::string, int> cache(3, 1);
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("c", 3);
  cache.put("a", 10);
  cache.put("d", 4);  // a is skipped once: b goes
  EXPECT_FALSE(cache.contains("b"));
  EXPECT_EQ(cache.get("a"), 10);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.size(), 3u);
}

// erase() frees the key's slot: the next new key takes it without evicting anything.
TEST(ShardedCache, EraseFreesASlotForTheNextKey) {
  ShardedCache<std::string, int> cache(3, 1);
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("c", 3);
  EXPECT_TRUE(cache.erase("b"));
  EXPECT_FALSE(cache.erase("b"));
  EXPECT_EQ(cache.get("b"), std::nullopt);
  cache.put("d", 4);  // takes slot 1
  EXPECT_EQ(cache.stats().evictions, 0u);
  cache.put("e", 5);  // full: the hand starts at slot 0 and evicts a
  EXPECT_FALSE(cache.contains("a"));
  cache.put("f", 6);  // then slot 1: d
  EXPECT_FALSE(cache.contains("d"));
  EXPECT_TRUE(cache.contains("c"));
  EXPECT_EQ(cache.size(), 3u);
}

// Every shard has its own hand: evictions in one shard do not move the hand of another, and
// each shard sweeps its own slots in order, several times around.
TEST(ShardedCache, EachShardHasItsOwnClockHand) {
  ShardedCache<std::uint64_t, std::uint64_t> cache(6, 2);  // 3 slots per shard
  std::vector<std::uint64_t> keys[2];
  for (std::uint64_t k = 0; keys[0].size() < 9 || keys[1].size() < 9; ++k) {
    auto& mine = keys[cache.shard_of(k)];
    if (mine.size() < 9) mine.push_back(k);
  }
  const auto& a = keys[0];
  const auto& b = keys[1];
  for (int i = 0; i < 3; ++i) {
    cache.put(a[i], a[i]);
    cache.put(b[i], b[i]);
  }
  cache.put(a[3], a[3]);  // shard 0: its hand at slot 0 evicts a0 and moves to slot 1
  EXPECT_FALSE(cache.contains(a[0]));
  cache.put(b[3], b[3]);  // shard 1: its own hand is still at slot 0: b0 goes, not b1
  EXPECT_FALSE(cache.contains(b[0])) << "shard 1 evicted by another shard's hand";
  EXPECT_TRUE(cache.contains(b[1]));
  EXPECT_EQ(cache.get(a[1]), a[1]);  // referenced: a1 gets its second chance
  for (int i = 4; i < 9; ++i) cache.put(a[i], a[i]);
  // Shard 0, slots [a3 a1* a2], hand at 1: a4 evicts a2 (a1 spared), a5 a3, a6 a1, a7 a4, a8 a5.
  for (const std::uint64_t gone : {a[1], a[2], a[3], a[4], a[5]}) EXPECT_FALSE(cache.contains(gone)) << gone;
  for (const std::uint64_t held : {a[6], a[7], a[8]}) EXPECT_TRUE(cache.contains(held)) << held;
  // Shard 1 untouched by all that: its hand at slot 1 now, b1 goes next.
  cache.put(b[4], b[4]);
  EXPECT_FALSE(cache.contains(b[1]));
  EXPECT_TRUE(cache.contains(b[2]));
  EXPECT_TRUE(cache.contains(b[3]));
  EXPECT_EQ(cache.stats().evictions, 8u);
}

// Shard i holds capacity / shards entries (one more for the first capacity % shards shards),
// and a full shard evicts even when others have room.
TEST(ShardedCache, EachShardHoldsItsShareOfTheCapacity) {
  ShardedCache<std::uint64_t, std::uint64_t> cache(10, 4);  // shares 3, 3, 2, 2
  EXPECT_EQ(cache.capacity(), 10u);
  EXPECT_EQ(cache.shard_count(), 4u);
  std::vector<std::vector<std::uint64_t>> by_shard(4);
  for (std::uint64_t k = 0; k < 400; ++k) by_shard.at(cache.shard_of(k)).push_back(k);
  const std::size_t share[] = {3, 3, 2, 2};
  for (std::size_t s = 0; s < 4; ++s) {
    ASSERT_GE(by_shard[s].size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) cache.put(by_shard[s][i], i);
    std::size_t held = 0;
    for (std::size_t i = 0; i < 5; ++i) held += cache.contains(by_shard[s][i]) ? 1 : 0;
    EXPECT_EQ(held, share[s]) << "shard " << s;
  }
  EXPECT_EQ(cache.size(), 10u);
  EXPECT_EQ(cache.stats().evictions, 4u * 5u - 10u);
  for (std::uint64_t k = 0; k < 400; ++k) cache.put(k, k);
  EXPECT_EQ(cache.size(), 10u);
}

// shard_of() is the documented formula, and it spreads real keys (GLNs) over the shards.
TEST(ShardedCache, ShardOfSpreadsKeysAsDocumented) {
  ShardedCache<std::uint64_t, int> numbers(64, 16);
  for (std::uint64_t k = 0; k < 1000; ++k) {
    const std::uint64_t h = std::hash<std::uint64_t>{}(k);
    ASSERT_EQ(numbers.shard_of(k), ((h * 0x9E3779B97F4A7C15ULL) >> 32) % 16) << "key " << k;
  }
  ShardedCache<std::string, int> glns(64, 8);
  std::vector<int> per_shard(8);
  for (const auto& p : edi::partners()) ++per_shard.at(glns.shard_of(std::string(p.gln)));
  for (std::size_t s = 0; s < 8; ++s) EXPECT_GE(per_shard[s], 10) << "shard " << s << " of 8 got too few of 200 GLNs";
}

// Hits and misses count get() calls, evictions count entries pushed out, over all shards.
TEST(ShardedCache, CountsHitsMissesAndEvictions) {
  ShardedCache<std::uint64_t, std::uint64_t> cache(8, 4);
  EXPECT_EQ(cache.stats(), CacheStats{});
  for (std::uint64_t k = 0; k < 100; ++k) cache.put(k, k);
  const std::uint64_t evictions = cache.stats().evictions;
  EXPECT_EQ(evictions, 92u);
  std::uint64_t hits = 0;
  for (std::uint64_t k = 0; k < 100; ++k) hits += cache.get(k).has_value() ? 1 : 0;
  EXPECT_EQ(hits, 8u);
  EXPECT_EQ(cache.stats(), (CacheStats{8, 92, 92, 0}));
  (void)cache.contains(99);  // contains() counts nothing
  (void)cache.contains(1000);
  EXPECT_EQ(cache.stats(), (CacheStats{8, 92, 92, 0}));
}

// Invalid shapes are programming errors.
TEST(ShardedCache, RejectsInvalidArguments) {
  EXPECT_THROW((ShardedCache<int, int>(8, 0)), std::invalid_argument)
      << "not implemented yet: ShardedCache rejects shapes that cannot work";
  EXPECT_THROW((ShardedCache<int, int>(3, 4)), std::invalid_argument);
}

// Churn through many keys: live heap blocks stay bounded by the capacity, and nothing leaks.
TEST(ShardedCache, MemoryStaysBoundedByTheCapacity) {
  edi::test::AllocationCounter counter;
  {
    ShardedCache<std::string, std::string> cache(64, 4);
    for (int i = 0; i < 5000; ++i) {
      cache.put("a-key-longer-than-the-small-string-buffer-" + std::to_string(i), std::string(80, 'v'));
      if (i % 5 == 0) cache.erase("a-key-longer-than-the-small-string-buffer-" + std::to_string(i - 2));
      const std::uint64_t live = counter.allocations() - counter.deallocations();
      ASSERT_LE(live, 64u * 8u + 64u) << "live heap blocks after " << i + 1 << " puts";
    }
  }
  EXPECT_EQ(counter.allocations(), counter.deallocations()) << "the cache leaked after destruction";
}

// A value whose copy waits (up to 5 s, a guard against a hang) until copies by two different
// threads are in progress at once: it proves that two readers were inside get() together.
// (Copies made in one thread one after the other never meet.)
class Meeting {
 public:
  void arm() {
    std::lock_guard lock(mutex_);
    armed_ = true;
  }
  void arrive() {
    std::unique_lock lock(mutex_);
    if (!armed_) return;
    inside_.insert(std::this_thread::get_id());
    if (inside_.size() >= 2) met_ = true;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(5), [&] { return met_; });
    inside_.erase(std::this_thread::get_id());
  }
  bool met() const {
    std::lock_guard lock(mutex_);
    return met_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::thread::id> inside_;
  bool armed_ = false;
  bool met_ = false;
};

struct MeetingValue {
  Meeting* meeting = nullptr;
  MeetingValue() = default;
  explicit MeetingValue(Meeting* m) : meeting(m) {}
  MeetingValue(const MeetingValue& other) : meeting(other.meeting) {
    if (meeting != nullptr) meeting->arrive();
  }
  MeetingValue(MeetingValue&&) noexcept = default;
  MeetingValue& operator=(const MeetingValue&) = default;
  MeetingValue& operator=(MeetingValue&&) noexcept = default;
  ~MeetingValue() = default;
};

// get() takes a shared lock: two threads reading the same key are inside it at the same time.
// (With an exclusive lock the first reader waits 5 s for a second one that cannot come in.)
TEST(ShardedCache, ReadersOfOneShardRunTogether) {
  Meeting meeting;
  ShardedCache<int, MeetingValue> cache(4, 1);
  cache.put(1, MeetingValue(&meeting));
  meeting.arm();
  std::latch start(2);
  std::exception_ptr errors[2];
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        const std::optional<MeetingValue> v = cache.get(1);
        (void)v;
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& r : readers) r.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  EXPECT_TRUE(meeting.met()) << "two get() calls on one shard never overlapped: get() must take a shared lock";
  EXPECT_EQ(cache.stats().hits, 2u);
}

}  // namespace
