// Graders of lesson 04, exercise 1: LruCache. Exact eviction order, the capacity bound, the
// statistics, and a model check: thousands of random operations compared with an obviously
// correct (and O(n)) LRU written in a few lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <list>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/generator.hpp"
#include "lru_cache.hpp"

namespace {

using edi::caching::CacheStats;
using edi::caching::LruCache;
using Keys = std::vector<std::string>;

// The obvious LRU: a list, most recent first, searched linearly.
class ModelLru {
 public:
  explicit ModelLru(std::size_t capacity) : capacity_(capacity) {}
  std::optional<int> get(int key) {
    const auto it = find(key);
    if (it == entries_.end()) {
      ++stats.misses;
      return std::nullopt;
    }
    ++stats.hits;
    entries_.splice(entries_.begin(), entries_, it);
    return it->second;
  }
  void put(int key, int value) {
    if (const auto it = find(key); it != entries_.end()) {
      it->second = value;
      entries_.splice(entries_.begin(), entries_, it);
      return;
    }
    if (entries_.size() == capacity_) {
      entries_.pop_back();
      ++stats.evictions;
    }
    entries_.emplace_front(key, value);
  }
  bool erase(int key) {
    const auto it = find(key);
    if (it == entries_.end()) return false;
    entries_.erase(it);
    return true;
  }
  std::vector<int> keys() const {
    std::vector<int> out;
    for (const auto& e : entries_) out.push_back(e.first);
    return out;
  }
  CacheStats stats;

 private:
  std::list<std::pair<int, int>>::iterator find(int key) {
    return std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
  }
  std::size_t capacity_;
  std::list<std::pair<int, int>> entries_;
};

// The least recently used entry goes first; a get() makes an entry the most recently used.
TEST(LruCache, EvictsTheLeastRecentlyUsedEntry) {
  LruCache<std::string, int> cache(3);
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("c", 3);
  EXPECT_EQ(cache.get("a"), 1);
  cache.put("d", 4);  // evicts b: a was just used
  EXPECT_FALSE(cache.contains("b"));
  EXPECT_EQ(cache.keys_by_recency(), (Keys{"d", "a", "c"}));
  cache.put("e", 5);  // evicts c
  EXPECT_EQ(cache.keys_by_recency(), (Keys{"e", "d", "a"}));
  EXPECT_EQ(cache.get("b"), std::nullopt);
  EXPECT_EQ(cache.get("c"), std::nullopt);
  EXPECT_EQ(cache.get("a"), 1);
}

// Overwriting a key replaces its value and makes it the most recently used; it evicts nothing.
TEST(LruCache, PutOfAPresentKeyReplacesAndRefreshesIt) {
  LruCache<std::string, int> cache(2);
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("a", 10);
  EXPECT_EQ(cache.keys_by_recency(), (Keys{"a", "b"}));
  EXPECT_EQ(cache.stats().evictions, 0u);
  cache.put("c", 3);  // evicts b, not the refreshed a
  EXPECT_EQ(cache.get("a"), 10);
  EXPECT_FALSE(cache.contains("b"));
  EXPECT_EQ(cache.size(), 2u);
}

// contains() neither reorders nor counts.
TEST(LruCache, ContainsChangesNothing) {
  LruCache<std::string, int> cache(2);
  cache.put("a", 1);
  cache.put("b", 2);
  EXPECT_TRUE(cache.contains("a"));
  EXPECT_FALSE(cache.contains("z"));
  cache.put("c", 3);  // still evicts a: contains() did not make it recent
  EXPECT_FALSE(cache.contains("a"));
  EXPECT_EQ(cache.stats(), (CacheStats{0, 0, 1, 0}));
}

// Never more entries than the capacity, whatever the capacity (1 included).
TEST(LruCache, NeverHoldsMoreThanItsCapacity) {
  for (const std::size_t capacity : {1u, 2u, 3u, 7u, 64u}) {
    LruCache<int, int> cache(capacity);
    for (int i = 0; i < 500; ++i) {
      cache.put(i, i);
      ASSERT_LE(cache.size(), capacity) << "capacity " << capacity << " after " << i + 1 << " puts";
      ASSERT_EQ(cache.size(), std::min<std::size_t>(capacity, static_cast<std::size_t>(i) + 1));
    }
    EXPECT_EQ(cache.stats().evictions, 500 - capacity) << "capacity " << capacity;
    EXPECT_EQ(cache.capacity(), capacity);
  }
}

// Hits and misses count get() calls; evictions count entries pushed out; nothing else counts.
TEST(LruCache, CountsHitsMissesAndEvictions) {
  LruCache<int, int> cache(2);
  EXPECT_EQ(cache.stats(), CacheStats{});
  EXPECT_EQ(cache.get(1), std::nullopt);  // miss
  cache.put(1, 1);
  cache.put(2, 2);
  EXPECT_EQ(cache.get(1), 1);  // hit
  EXPECT_EQ(cache.get(1), 1);  // hit
  cache.put(2, 20);            // overwrite: no eviction
  cache.put(3, 3);             // evicts 1: the overwrite made 2 the most recently used
  EXPECT_EQ(cache.get(1), std::nullopt);  // miss
  EXPECT_TRUE(cache.erase(2));            // not an eviction
  EXPECT_EQ(cache.stats(), (CacheStats{2, 2, 1, 0}));
  EXPECT_DOUBLE_EQ(cache.stats().hit_ratio(), 0.5);
}

// erase() removes one key (true) or nothing (false), and frees its room.
TEST(LruCache, EraseInvalidatesOneKey) {
  LruCache<std::string, int> cache(2);
  cache.put("a", 1);
  cache.put("b", 2);
  EXPECT_TRUE(cache.erase("a"));
  EXPECT_FALSE(cache.erase("a"));
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.size(), 1u);
  cache.put("c", 3);  // room was freed: no eviction
  EXPECT_EQ(cache.stats().evictions, 0u);
  EXPECT_EQ(cache.keys_by_recency(), (Keys{"c", "b"}));
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.contains("b"));
}

// clear() is a boundary for the entries, not for the statistics: they keep counting, and the
// emptied cache fills up to its capacity again and evicts in order.
TEST(LruCache, ClearKeepsCountingAndTheCacheRefills) {
  LruCache<int, int> cache(2);
  cache.put(1, 1);
  cache.put(2, 2);
  cache.put(3, 3);                        // an eviction
  EXPECT_EQ(cache.get(3), 3);             // a hit
  EXPECT_EQ(cache.get(1), std::nullopt);  // a miss
  cache.clear();
  EXPECT_EQ(cache.stats(), (CacheStats{1, 1, 1, 0})) << "clear() must not reset the statistics";
  EXPECT_EQ(cache.get(3), std::nullopt);
  cache.put(4, 4);
  cache.put(5, 5);
  EXPECT_EQ(cache.stats().evictions, 1u) << "the emptied cache has room for its capacity again";
  EXPECT_EQ(cache.get(4), 4);
  cache.put(6, 6);  // evicts 5
  EXPECT_EQ(cache.keys_by_recency(), (std::vector<int>{6, 4}));
  EXPECT_EQ(cache.stats(), (CacheStats{2, 2, 2, 0}));
}

// A capacity of 0 is a programming error, reported at once.
TEST(LruCache, RejectsACapacityOfZero) {
  EXPECT_THROW((LruCache<int, int>(0)), std::invalid_argument) << "not implemented yet: LruCache rejects a capacity of 0";
}

// 20,000 random gets, puts and erases agree with the model: values, order and statistics.
TEST(LruCache, AgreesWithASimpleModelOnRandomOperations) {
  for (const std::size_t capacity : {1u, 4u, 16u}) {
    LruCache<int, int> cache(capacity);
    ModelLru model(capacity);
    edi::SplitMix64 rng(capacity);
    for (int step = 0; step < 20'000; ++step) {
      const int key = static_cast<int>(rng.below(capacity * 3));
      const std::uint64_t op = rng.below(10);
      if (op < 5) {
        ASSERT_EQ(cache.get(key), model.get(key)) << "get(" << key << ") at step " << step;
      } else if (op < 9) {
        cache.put(key, step);
        model.put(key, step);
      } else {
        ASSERT_EQ(cache.erase(key), model.erase(key)) << "erase(" << key << ") at step " << step;
      }
      if (step % 97 == 0) {
        ASSERT_EQ(cache.keys_by_recency(), model.keys()) << "order at step " << step;
      }
    }
    EXPECT_EQ(cache.keys_by_recency(), model.keys());
    EXPECT_EQ(cache.stats(), model.stats) << "capacity " << capacity;
  }
}

// Real keys: the trading partners' GLNs, looked up in the generator's skewed order.
TEST(LruCache, CachesPartnersByGln) {
  const auto partners = edi::partners();
  LruCache<std::string, std::string> cache(20);
  ModelLru model(20);  // the same sequence over partner indices
  edi::SplitMix64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const auto index = rng.skewed(partners.size());
    const std::string gln(partners[index].gln);
    const auto expected = model.get(static_cast<int>(index));
    const auto got = cache.get(gln);
    ASSERT_EQ(got.has_value(), expected.has_value()) << "lookup " << i;
    if (!got) {
      cache.put(gln, std::string(partners[index].name));
      model.put(static_cast<int>(index), 0);
    } else {
      EXPECT_EQ(*got, partners[index].name);
    }
  }
  EXPECT_EQ(cache.stats(), model.stats);
  EXPECT_GT(cache.stats().hit_ratio(), 0.3) << "the skewed traffic should hit a 20-entry cache often";
}

// A full cache reuses the evicted entry's memory: a put allocates nothing (keys and values that
// do not allocate themselves), so a cache at capacity costs the allocator nothing.
TEST(LruCache, FullCachePutsDoNotAllocate) {
  LruCache<std::uint64_t, std::uint64_t> cache(64);
  for (std::uint64_t k = 0; k < 64; ++k) cache.put(k, k);
  std::uint64_t allocations = 0;
  {
    edi::test::AllocationCounter counter;
    for (std::uint64_t k = 64; k < 10'064; ++k) cache.put(k, k);      // all new: 10,000 evictions
    for (std::uint64_t k = 10'000; k < 10'064; ++k) cache.put(k, k);  // all present: overwrites
    allocations = counter.allocations();
  }
  EXPECT_EQ(allocations, 0u) << "puts into a full cache allocated; reuse the evicted entry's nodes "
                                "(std::list::splice, std::unordered_map::extract)";
  EXPECT_EQ(cache.size(), 64u);
  EXPECT_EQ(cache.stats().evictions, 10'000u);
  EXPECT_EQ(cache.get(10'063), 10'063u);
  EXPECT_EQ(cache.get(63), std::nullopt);
}

// Evicted and erased entries give their memory back: live allocations stay bounded by the
// capacity, not by the number of keys ever seen.
TEST(LruCache, MemoryStaysBoundedByTheCapacity) {
  edi::test::AllocationCounter counter;
  {
    LruCache<std::string, std::string> cache(32);
    for (int i = 0; i < 5000; ++i) {
      // Long strings: each key and value owns a heap block.
      cache.put("message-key-that-does-not-fit-in-sso-" + std::to_string(i), std::string(100, 'x'));
      if (i % 3 == 0) cache.erase("message-key-that-does-not-fit-in-sso-" + std::to_string(i - 1));
      const std::uint64_t live = counter.allocations() - counter.deallocations();
      ASSERT_LE(live, 32u * 8u + 64u) << "live heap blocks after " << i + 1 << " puts: entries are not freed";
    }
  }
  EXPECT_EQ(counter.allocations(), counter.deallocations()) << "the cache leaked after destruction";
}

}  // namespace
