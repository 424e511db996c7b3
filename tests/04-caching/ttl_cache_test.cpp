// Graders of lesson 04, exercise 2: TtlCache, with a fake clock: the expiry boundary to the
// nanosecond, reclaimed memory, eviction when full, statistics, and a model check. No test sleeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

#include "alloc_counter.hpp"
#include "edi/generator.hpp"
#include "fakes.hpp"
#include "ttl_cache.hpp"

namespace {

using namespace std::chrono_literals;
using edi::caching::CacheStats;
using edi::caching::Duration;
using edi::caching::TimePoint;
using edi::caching::TtlCache;
using edi::caching::test::FakeClock;

// An entry written at t lives while now < t + ttl: at t + ttl - 1 ns it is returned, at t + ttl
// it has expired.
TEST(TtlCache, EntryLivesUntilJustBeforeItsTimeToLive) {
  FakeClock clock;
  TtlCache<std::string, int> cache(8, 10s, clock.now_function());
  cache.put("a", 1);
  clock.advance(10s - 1ns);
  EXPECT_TRUE(cache.contains("a"));
  EXPECT_EQ(cache.get("a"), 1);
  clock.advance(1ns);  // exactly t + ttl
  EXPECT_FALSE(cache.contains("a"));
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u) << "the expired entry must be removed, not only hidden";
}

// An expired entry is never returned, however long ago it expired, and is a miss.
TEST(TtlCache, ExpiredEntriesAreNeverReturned) {
  FakeClock clock;
  TtlCache<int, int> cache(8, 1s, clock.now_function());
  for (int i = 0; i < 5; ++i) cache.put(i, i);
  clock.advance(1h);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(cache.contains(i));
    EXPECT_EQ(cache.get(i), std::nullopt) << "key " << i;
  }
  EXPECT_EQ(cache.stats().misses, 5u);
  EXPECT_EQ(cache.stats().hits, 0u);
  EXPECT_EQ(cache.stats().expirations, 5u);
}

// A put of a present key restarts its life from that put.
TEST(TtlCache, PutRestartsTheLifetime) {
  FakeClock clock;
  TtlCache<std::string, int> cache(8, 10s, clock.now_function());
  cache.put("a", 1);
  clock.advance(6s);
  cache.put("a", 2);  // lives until 16 s now
  clock.advance(10s - 1ns);
  EXPECT_EQ(cache.get("a"), 2);
  clock.advance(1ns);
  EXPECT_EQ(cache.get("a"), std::nullopt);
}

// Expire after write: reading does not extend an entry's life.
TEST(TtlCache, ReadsDoNotExtendTheLifetime) {
  FakeClock clock;
  TtlCache<std::string, int> cache(8, 10s, clock.now_function());
  cache.put("a", 1);
  for (int i = 0; i < 9; ++i) {
    clock.advance(1s);
    EXPECT_EQ(cache.get("a"), 1);
  }
  clock.advance(1s);
  EXPECT_EQ(cache.get("a"), std::nullopt);
}

// Expired entries are removed by the next get or put, and their memory is freed: after a burst
// of writes expires, one put leaves one entry and the heap blocks of the others are gone.
TEST(TtlCache, ExpiredEntriesAreReclaimed) {
  FakeClock clock;
  TtlCache<std::string, std::string> cache(10'000, 30s, clock.now_function());
  edi::test::AllocationCounter counter;
  for (int i = 0; i < 1000; ++i) cache.put("a-key-longer-than-the-small-string-buffer-" + std::to_string(i), std::string(64, 'v'));
  EXPECT_EQ(cache.size(), 1000u);
  clock.advance(30s);
  cache.put("fresh", "v");
  EXPECT_EQ(cache.size(), 1u) << "a put must first remove the expired entries";
  const std::uint64_t live = counter.allocations() - counter.deallocations();
  EXPECT_LE(live, 16u) << "the expired entries' memory was not freed (" << live << " heap blocks still live)";
  EXPECT_EQ(cache.stats().expirations, 1000u);

  // The same through get(), and through purge_expired().
  cache.put("x", "1");
  clock.advance(30s);
  EXPECT_EQ(cache.get("nothing"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u) << "a get must first remove the expired entries";
  cache.put("y", "1");
  clock.advance(31s);
  EXPECT_EQ(cache.size(), 1u);  // nothing removes it between calls...
  EXPECT_EQ(cache.purge_expired(), 1u);  // ...until asked
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.stats().expirations, 1003u);
}

// A full cache of live entries evicts the oldest write (the next to expire).
TEST(TtlCache, FullCacheEvictsTheOldestWrite) {
  FakeClock clock;
  TtlCache<std::string, int> cache(3, 1min, clock.now_function());
  cache.put("a", 1);
  clock.advance(1s);
  cache.put("b", 2);
  clock.advance(1s);
  cache.put("c", 3);
  clock.advance(1s);
  EXPECT_EQ(cache.get("a"), 1);  // a read does not make it younger
  cache.put("d", 4);
  EXPECT_FALSE(cache.contains("a"));
  EXPECT_EQ(cache.size(), 3u);
  cache.put("b", 20);  // rewritten: now the youngest
  cache.put("e", 5);   // evicts c
  EXPECT_FALSE(cache.contains("c"));
  EXPECT_TRUE(cache.contains("b"));
  EXPECT_EQ(cache.stats().evictions, 2u);
  EXPECT_EQ(cache.stats().expirations, 0u);
}

// Expired entries make room before anything live is evicted.
TEST(TtlCache, ExpiredEntriesMakeRoomBeforeEviction) {
  FakeClock clock;
  TtlCache<std::string, int> cache(2, 10s, clock.now_function());
  cache.put("a", 1);
  clock.advance(5s);
  cache.put("b", 2);
  clock.advance(5s);  // a expires now, b lives 5 s more
  cache.put("c", 3);
  EXPECT_TRUE(cache.contains("b"));
  EXPECT_TRUE(cache.contains("c"));
  EXPECT_EQ(cache.stats(), (CacheStats{0, 0, 0, 1}));
}

// Hits, misses (absent or expired), expirations and evictions, counted exactly.
TEST(TtlCache, CountsHitsMissesExpirationsAndEvictions) {
  FakeClock clock;
  TtlCache<int, int> cache(2, 10s, clock.now_function());
  EXPECT_EQ(cache.get(1), std::nullopt);  // miss
  cache.put(1, 1);
  cache.put(2, 2);
  cache.put(3, 3);                        // evicts 1
  EXPECT_EQ(cache.get(2), 2);             // hit
  EXPECT_EQ(cache.get(1), std::nullopt);  // miss
  clock.advance(10s);
  EXPECT_EQ(cache.get(3), std::nullopt);  // miss; 2 and 3 expire
  EXPECT_FALSE(cache.erase(7));
  EXPECT_EQ(cache.stats(), (CacheStats{1, 3, 1, 2}));
}

// erase() removes a key, live or expired; clear() removes all.
TEST(TtlCache, EraseAndClearInvalidate) {
  FakeClock clock;
  TtlCache<std::string, int> cache(4, 10s, clock.now_function());
  cache.put("a", 1);
  cache.put("b", 2);
  EXPECT_TRUE(cache.erase("a"));
  EXPECT_FALSE(cache.erase("a"));
  EXPECT_EQ(cache.get("a"), std::nullopt);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.ttl(), Duration(10s));
  EXPECT_EQ(cache.capacity(), 4u);
}

// erase() removes an expired entry too (true) and counts nothing; clear() keeps the statistics.
TEST(TtlCache, EraseOfAnExpiredEntryIsTrueAndCountsNothing) {
  FakeClock clock;
  TtlCache<std::string, int> cache(4, 10s, clock.now_function());
  cache.put("a", 1);
  cache.put("b", 2);
  EXPECT_EQ(cache.get("b"), 2);
  clock.advance(10s);  // both expired, neither removed yet
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.erase("a")) << "erase() of an entry that is there but expired returns true";
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.stats(), (CacheStats{1, 0, 0, 0})) << "erase() counts no expiration";
  cache.clear();
  EXPECT_EQ(cache.stats(), (CacheStats{1, 0, 0, 0})) << "clear() must not reset the statistics";
  cache.put("c", 3);
  EXPECT_EQ(cache.get("c"), 3);
  EXPECT_EQ(cache.stats(), (CacheStats{2, 0, 0, 0}));
}

// A capacity of 0 or a time to live <= 0 is a programming error.
TEST(TtlCache, RejectsInvalidArguments) {
  FakeClock clock;
  EXPECT_THROW((TtlCache<int, int>(0, 1s, clock.now_function())), std::invalid_argument)
      << "not implemented yet: TtlCache rejects a capacity of 0 and a time to live <= 0";
  EXPECT_THROW((TtlCache<int, int>(4, 0s, clock.now_function())), std::invalid_argument);
  EXPECT_THROW((TtlCache<int, int>(4, -1s, clock.now_function())), std::invalid_argument);
}

// 20,000 random gets, puts and clock moves agree with a model that checks every entry's expiry
// time by brute force.
TEST(TtlCache, AgreesWithASimpleModelOnRandomOperations) {
  struct Entry {
    int key;
    int value;
    TimePoint expires;
  };
  for (const std::size_t capacity : {1u, 3u, 12u}) {
    FakeClock clock;
    const Duration ttl = 100ms;
    TtlCache<int, int> cache(capacity, ttl, clock.now_function());
    std::list<Entry> model;  // write order
    CacheStats expected;
    const auto purge = [&] {
      const TimePoint now = clock.now();
      const auto before = model.size();
      model.remove_if([&](const Entry& e) { return e.expires <= now; });
      expected.expirations += before - model.size();
    };
    edi::SplitMix64 rng(capacity + 100);
    for (int step = 0; step < 20'000; ++step) {
      const int key = static_cast<int>(rng.below(capacity * 2 + 1));
      const std::uint64_t op = rng.below(10);
      if (op < 5) {
        purge();
        const auto it = std::find_if(model.begin(), model.end(), [&](const Entry& e) { return e.key == key; });
        std::optional<int> want;
        if (it != model.end()) {
          want = it->value;
          ++expected.hits;
        } else {
          ++expected.misses;
        }
        ASSERT_EQ(cache.get(key), want) << "get(" << key << ") at step " << step;
      } else if (op < 9) {
        purge();
        const auto it = std::find_if(model.begin(), model.end(), [&](const Entry& e) { return e.key == key; });
        if (it != model.end()) {
          model.erase(it);
        } else if (model.size() == capacity) {
          model.pop_front();
          ++expected.evictions;
        }
        model.push_back({key, step, clock.now() + ttl});
        cache.put(key, step);
      } else {
        clock.advance(Duration(std::chrono::milliseconds(rng.below(40))));
      }
      ASSERT_LE(cache.size(), capacity);
    }
    EXPECT_EQ(cache.stats(), expected) << "capacity " << capacity;
  }
}

}  // namespace
