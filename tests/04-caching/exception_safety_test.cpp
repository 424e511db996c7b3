// Graders of lesson 04, exercises 1, 2 and 4: what LruCache, TtlCache and ShardedCache promise
// when a copy or a move of a key or a value throws (the "Exception guarantee" of each header).
// Typed tests: each runs over the three caches alike (ExceptionSafety/LruCache.*, ...).
//
// The promise is the basic guarantee, made exact. After a put(key, value) that threw:
// - every other key keeps its value, except the entry the put chose to evict, which may be
//   gone (and is then counted as an eviction);
// - a new key is not cached; a key that was there stays, with its old value or the new one;
// - size() counts exactly the keys that get() finds;
// - the cache goes on working: later puts, gets, erases and evictions are right.
//
// The keys and values are Fragile: every copy and every move of one counts down a counter the
// test arms, and the one that reaches zero throws FragileError. A test arms it at 1, 2, 3, ...
// in turn, each time on a fresh cache, so every copy and every move that put() makes throws
// once, until a put() gets through without reaching the counter. (A real key throws the same
// way: copying a std::string longer than its small-string buffer allocates, and an allocation
// can throw std::bad_alloc.)
//
// The mistake these tests catch: changing the cache's structure (re-keying the map, taking a
// node out of it) before a step that can still throw, with nothing to undo it. The cache is
// then left with a list entry or a slot that no key leads to, or a key that leads to another
// key's value, and the next eviction of that entry works on an empty node handle (undefined
// behaviour). The checks below run right after each failed put, so such a cache fails a check
// before anything worse happens.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "edi/generator.hpp"
#include "fakes.hpp"
#include "lru_cache.hpp"
#include "sharded_cache.hpp"
#include "ttl_cache.hpp"

namespace {

using edi::caching::LruCache;
using edi::caching::ShardedCache;
using edi::caching::TtlCache;
using edi::caching::test::FakeClock;

// What an armed copy or move throws.
struct FragileError : std::runtime_error {
  FragileError() : std::runtime_error("Fragile: a copy or move the test armed to throw") {}
};

// A key or value holding a number, whose copies and moves may throw on command. Every copy and
// move (construction or assignment, of keys and values alike) counts down one shared counter;
// arm(n) makes the n-th one from now throw, before it changes anything. Default construction
// (ShardedCache's slots), comparison, hashing and destruction never throw. One thread at a time.
class Fragile {
 public:
  Fragile() noexcept = default;
  explicit Fragile(int number) noexcept : number_(number) {}
  Fragile(const Fragile& other) : number_(other.number_) { count(); }
  Fragile(Fragile&& other) : number_(other.number_) { count(); }  // not noexcept, on purpose
  Fragile& operator=(const Fragile& other) {
    count();
    number_ = other.number_;
    return *this;
  }
  Fragile& operator=(Fragile&& other) {  // not noexcept, on purpose
    count();
    number_ = other.number_;
    return *this;
  }
  ~Fragile() = default;

  int number() const noexcept { return number_; }
  friend bool operator==(const Fragile& a, const Fragile& b) noexcept { return a.number_ == b.number_; }

  // The n-th copy or move from now on throws FragileError; arm(0) disarms.
  static void arm(int n) noexcept { countdown_ = n; }

 private:
  static void count() {
    if (countdown_ > 0 && --countdown_ == 0) throw FragileError();
  }
  int number_ = 0;
  static inline int countdown_ = 0;
};

struct FragileHash {
  std::size_t operator()(const Fragile& f) const noexcept { return std::hash<int>{}(f.number()); }
};

using Lru = LruCache<Fragile, Fragile, FragileHash>;
using Ttl = TtlCache<Fragile, Fragile, FragileHash>;
using Sharded = ShardedCache<Fragile, Fragile, FragileHash>;

// How each cache is made. Time stands still and the ttl is an hour: nothing expires. One shard:
// the shard's CLOCK order is the cache's. In every cache filled by puts alone, in key order,
// the first key put is the one the next new key evicts (least recently used, oldest write,
// slot 0 under the hand).
template <class Cache>
struct Make;
template <>
struct Make<Lru> {
  static std::unique_ptr<Lru> cache(std::size_t capacity, FakeClock&) { return std::make_unique<Lru>(capacity); }
};
template <>
struct Make<Ttl> {
  static std::unique_ptr<Ttl> cache(std::size_t capacity, FakeClock& clock) {
    return std::make_unique<Ttl>(capacity, std::chrono::hours(1), clock.now_function());
  }
};
template <>
struct Make<Sharded> {
  static std::unique_ptr<Sharded> cache(std::size_t capacity, FakeClock&) {
    return std::make_unique<Sharded>(capacity, 1);
  }
};

// The test names: ExceptionSafety/LruCache.<test>, and so on.
struct CacheName {
  template <class Cache>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<Cache, Lru>) {
      return "LruCache";
    } else if constexpr (std::is_same_v<Cache, Ttl>) {
      return "TtlCache";
    } else {
      static_assert(std::is_same_v<Cache, Sharded>);
      return "ShardedCache";
    }
  }
};

using Entries = std::map<int, int>;            // key -> value
using Allowed = std::map<int, std::set<int>>;  // key -> the values get() may return (or nothing)

// The value get() returns for `key`, as its number; std::nullopt when the key is not cached.
template <class Cache>
std::optional<int> value_of(Cache& cache, int key) {
  const std::optional<Fragile> got = cache.get(Fragile(key));
  if (!got) return std::nullopt;
  return got->number();
}

std::string shown(std::optional<int> value) {
  return value ? std::to_string(*value) : std::string("nothing");
}

// put(key, value) with its n-th copy or move armed to throw; true when it threw FragileError.
// Other exceptions (a stub's "not implemented yet") go through.
template <class Cache>
bool put_throwing_at(Cache& cache, int key, int value, int n) {
  Fragile::arm(n);
  bool threw = false;
  try {
    cache.put(Fragile(key), Fragile(value));
  } catch (const FragileError&) {
    threw = true;
  }
  Fragile::arm(0);
  return threw;
}

template <class Cache>
void fill(Cache& cache, const Entries& entries) {
  for (const auto& [key, value] : entries) cache.put(Fragile(key), Fragile(value));
}

// The put that threw, for the failure messages.
struct FailedPut {
  int key;
  int value;
  int n;  // its n-th copy or move threw
  std::string text() const {
    std::ostringstream out;
    out << "after put(" << key << ", " << value << ") threw at its copy or move number " << n;
    return out.str();
  }
};

// Checks the guarantee right after `put` threw. `before`: everything the cache held before it;
// `victim`: the key that put had to evict, if any; `evictions_before`: stats().evictions then.
template <class Cache>
::testing::AssertionResult consistent_after(Cache& cache, const Entries& before, const FailedPut& put,
                                            std::optional<int> victim, std::uint64_t evictions_before) {
  const std::string after = put.text();
  std::size_t found = 0;
  bool victim_gone = false;
  for (const auto& [key, value] : before) {
    const std::optional<int> got = value_of(cache, key);
    if (got) ++found;
    if (key == put.key) {
      if (got != value && got != put.value) {
        return ::testing::AssertionFailure()
               << after << ", get(" << key << ") returns " << shown(got) << ": a put() of a key that is "
               << "already cached must leave it cached, with its old value (" << value << ") or the new one ("
               << put.value << "), when it throws";
      }
    } else if (key == victim && !got) {
      victim_gone = true;  // allowed: the entry chosen for eviction may be gone
    } else if (got != value) {
      ::testing::AssertionResult failure = ::testing::AssertionFailure();
      failure << after << ", get(" << key << ") returns " << shown(got) << " instead of " << value << ". ";
      if (key == victim) {
        failure << "That key's entry was chosen for eviction: it may be gone, but it must never return another "
                   "key's value (the map and the entries disagree).";
      } else if (victim) {
        failure << "A put() that throws may lose only the entry it chose to evict (key " << *victim
                << "), never another one.";
      } else {
        failure << "The cache had room: a put() that throws there must lose nothing.";
      }
      return failure;
    }
  }
  if (!before.contains(put.key)) {
    const std::optional<int> got = value_of(cache, put.key);
    if (got) {
      return ::testing::AssertionFailure()
             << after << ", get(" << put.key << ") returns " << *got << ", but a put() that throws must "
             << "leave a new key out of the cache"
             << (*got != put.value ? ", and that is not even its value: the map sends the new key to an entry "
                                     "or slot that holds another key's value. Change the map only once every "
                                     "copy and move that can throw is done, or undo it on the way out."
                                   : ".");
    }
  }
  const std::size_t size = cache.size();
  if (size != found) {
    return ::testing::AssertionFailure()
           << after << ", size() is " << size << " but get() finds " << found << " key(s): the cache holds "
           << (size > found ? "an entry that no key leads to" : "fewer entries than keys")
           << " (its entries and its map disagree, e.g. a map node taken out for re-keying and never put back). "
              "Do every step that can throw before changing the structure, or undo what changed before the "
              "exception leaves put().";
  }
  const std::uint64_t evicted = cache.stats().evictions - evictions_before;
  if (victim_gone && evicted != 1) {
    return ::testing::AssertionFailure()
           << after << ", the entry chosen for eviction (key " << *victim << ") is gone but stats().evictions "
           << "went up by " << evicted << ", not 1. A failed put() that removed it evicted it: count it, and "
           << "make its list entry or slot free for the next key (an entry taken out of the map but left in "
           << "place is room lost for good, and its next eviction finds no map node).";
  }
  if (!victim_gone && evicted != 0) {
    return ::testing::AssertionFailure()
           << after << ", stats().evictions went up by " << evicted << " but no entry is gone: a failed put() "
           << "that evicted nothing counts no eviction.";
  }
  return ::testing::AssertionSuccess();
}

// After a failed put: twice as many puts of new keys (from `next_key` up, nothing armed) as the
// capacity. Each must be readable right after its put, every key in `known` holds one of its
// allowed values or nothing, size() equals the number of keys get() finds and never exceeds the
// capacity, and after as many new keys as the capacity the cache is full again (no entry or
// slot was lost).
template <class Cache>
::testing::AssertionResult keeps_working(Cache& cache, Allowed known, int next_key, const std::string& after) {
  const std::size_t capacity = cache.capacity();
  for (std::size_t round = 0; round < 2 * capacity; ++round) {
    const int key = next_key + static_cast<int>(round);
    cache.put(Fragile(key), Fragile(key * 10));
    known[key] = {key * 10};
    std::size_t found = 0;
    for (const auto& [k, values] : known) {
      const std::optional<int> got = value_of(cache, k);
      if (got) ++found;
      if (k == key && got != key * 10) {
        return ::testing::AssertionFailure() << after << ", the cache no longer works: put(" << key << ", "
                                             << key * 10 << ") then get(" << key << ") returns " << shown(got);
      }
      if (got && !values.contains(*got)) {
        return ::testing::AssertionFailure() << after << ", the cache no longer works: after " << round + 1
                                             << " more put(s), get(" << k << ") returns " << *got
                                             << ", a value never put under that key";
      }
    }
    if (cache.size() != found || found > capacity) {
      return ::testing::AssertionFailure() << after << ", the cache no longer works: after " << round + 1
                                           << " more put(s), size() is " << cache.size() << ", get() finds " << found
                                           << " key(s), the capacity is " << capacity;
    }
    if (round + 1 >= capacity && found != capacity) {
      return ::testing::AssertionFailure() << after << ", the cache never fills up again: after " << round + 1
                                           << " puts of new keys it holds " << found << " of its " << capacity
                                           << " entries (an entry or slot was lost for good)";
    }
  }
  return ::testing::AssertionSuccess();
}

template <class Cache>
class ExceptionSafety : public ::testing::Test {
 protected:
  std::unique_ptr<Cache> make(std::size_t capacity) { return Make<Cache>::cache(capacity, clock_); }
  void TearDown() override { Fragile::arm(0); }

  // Runs put(key, value) on a fresh cache holding `before`, with its first, second, third ...
  // copy or move throwing in turn, and checks the guarantee after each throw. `victim`: the key
  // that put must evict, if any.
  void every_throwing_step(std::size_t capacity, const Entries& before, int key, int value,
                           std::optional<int> victim) {
    int throws = 0;
    for (int n = 1; n <= 64; ++n) {
      SCOPED_TRACE("the put's copy or move number " + std::to_string(n) + " throws");
      const auto cache = make(capacity);
      fill(*cache, before);
      const std::uint64_t evictions = cache->stats().evictions;
      if (!put_throwing_at(*cache, key, value, n)) {
        // It got through: n is past the last copy or move the put makes. The put worked.
        EXPECT_EQ(value_of(*cache, key), value) << "put(" << key << ", " << value << ") returned normally";
        EXPECT_GT(throws, 0) << "no copy or move of put() threw: storing a key and a value takes at least one";
        return;
      }
      ++throws;
      const FailedPut failed{key, value, n};
      ASSERT_TRUE(consistent_after(*cache, before, failed, victim, evictions));
      Allowed known;
      for (const auto& [k, v] : before) known[k] = {v};
      if (before.contains(key)) known[key].insert(value);  // an overwrite: either value
      ASSERT_TRUE(keeps_working(*cache, known, 1000, failed.text()));
    }
    FAIL() << "put(" << key << ", " << value << ") still threw with its 64th copy or move armed";
  }

  FakeClock clock_;
};

using Caches = ::testing::Types<Lru, Ttl, Sharded>;
TYPED_TEST_SUITE(ExceptionSafety, Caches, CacheName);

// A put of a new key into a cache with room: whichever copy or move throws, the key is not
// cached and nothing else changes.
TYPED_TEST(ExceptionSafety, AFailedPutIntoACacheWithRoomChangesNothing) {
  this->every_throwing_step(4, Entries{{1, 10}, {2, 20}}, 3, 30, std::nullopt);
}

// A put of a new key into a full cache: the entry it chose to evict (key 1, the first put) may
// be gone, counted as an eviction; the new key is not cached; every other entry is untouched,
// and the cache still fills up and evicts.
TYPED_TEST(ExceptionSafety, AFailedPutIntoAFullCacheLosesAtMostTheVictim) {
  this->every_throwing_step(3, Entries{{1, 10}, {2, 20}, {3, 30}}, 4, 40, 1);
}

// A put over a key that is cached: the key stays, with its old or its new value; nothing is
// evicted, nothing else changes.
TYPED_TEST(ExceptionSafety, AFailedOverwriteKeepsTheKey) {
  this->every_throwing_step(3, Entries{{1, 10}, {2, 20}, {3, 30}}, 2, 99, std::nullopt);
}

// 3,000 random puts (a third of them with a copy or move armed to throw), gets and erases over
// 12 keys and a capacity of 4: after every step, every key holds a value that was put under it
// (or nothing), a put that went through is readable, a failed put of a new key left it out,
// an erased key is gone, and size() equals the number of keys get() finds.
TYPED_TEST(ExceptionSafety, ManyFailedPutsNeverCorruptTheCache) {
  constexpr std::size_t capacity = 4;
  constexpr int keys = 12;
  const auto cache = this->make(capacity);
  fill(*cache, Entries{{0, 0}});
  Allowed may_hold;
  may_hold[0] = {0};
  edi::SplitMix64 rng(4);
  for (int step = 1; step <= 3000; ++step) {
    const int key = static_cast<int>(rng.below(keys));
    const std::uint64_t op = rng.below(10);
    std::ostringstream what;
    if (op < 6) {
      const int value = step;
      const int n = rng.below(3) == 0 ? static_cast<int>(1 + rng.below(6)) : 0;
      const bool was_there = cache->contains(Fragile(key));
      const bool threw = put_throwing_at(*cache, key, value, n);
      what << "step " << step << ": put(" << key << ", " << value << ")"
           << (threw ? " threw at its copy or move number " + std::to_string(n) : std::string(""));
      if (!threw) {
        may_hold[key] = {value};
        ASSERT_EQ(value_of(*cache, key), value) << what.str() << ": a put that returned must be readable";
      } else if (was_there) {
        may_hold[key].insert(value);
      } else {
        ASSERT_EQ(value_of(*cache, key), std::nullopt) << what.str() << ": a failed put must leave a new key out";
      }
    } else if (op < 8) {
      what << "step " << step << ": get(" << key << ")";
      value_of(*cache, key);
    } else {
      what << "step " << step << ": erase(" << key << ")";
      cache->erase(Fragile(key));
      ASSERT_EQ(value_of(*cache, key), std::nullopt) << what.str() << ": an erased key must be gone";
    }
    std::size_t found = 0;
    for (int k = 0; k < keys; ++k) {
      const std::optional<int> got = value_of(*cache, k);
      if (!got) continue;
      ++found;
      ASSERT_TRUE(may_hold[k].contains(*got))
          << "after " << what.str() << ", get(" << k << ") returns " << *got
          << ", a value never put under that key (or overwritten since): a failed put left a key leading "
             "to another key's value";
    }
    ASSERT_EQ(cache->size(), found) << "after " << what.str()
                                    << ", size() differs from the number of keys get() finds: an entry "
                                       "that no key leads to, left behind by a failed put";
    ASSERT_LE(found, capacity) << "after " << what.str();
  }
}

}  // namespace
