// Lesson 04, exercise 1: a least-recently-used cache with O(1) get and put.
// `make check LESSON=04` grades it (suites LruCache and ExceptionSafety), `make hint LESSON=04`
// helps.
//
//   edi::caching::LruCache<std::string, int> cache(2);   // holds at most 2 entries
//   cache.put("a", 1);
//   cache.put("b", 2);
//   cache.get("a");            // 1: "a" is now the most recently used
//   cache.put("c", 3);         // full: evicts "b", the least recently used
//   cache.get("b");            // std::nullopt
//   cache.keys_by_recency();   // {"c", "a"}
//   cache.stats();             // hits 1, misses 1, evictions 1
//
// The contract is in the comments of each member. get() and put() must be O(1) (no scan over
// the entries), and a full cache of keys and values that do not allocate (integers, short
// strings) must not allocate at all per put: the grader counts.
//
// Thread-compatible: one thread at a time (get() changes the order, so even reads need
// exclusive access). Movable, not copyable.
//
// Exception guarantee: basic when copying or moving K or V throws (a std::string key longer
// than its small-string buffer allocates when copied, and an allocation can throw): the
// exception comes out of put() and the cache stays consistent and usable. After a
// put(key, value) that threw, every other key keeps its value, except the entry chosen for
// eviction, which may be gone (then counted as an eviction); a new key is not cached; a key
// that was there stays, with its old value or the new one (whatever V's assignment left);
// size() counts exactly the keys that get() finds. The ExceptionSafety graders make each copy
// and move inside put() throw in turn. REQUIRES: Hash and KeyEqual do not throw.
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <list>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache_common.hpp"
#include "edi/error.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class LruCache {
 public:
  // REQUIRES: capacity >= 1 (throws std::invalid_argument otherwise).
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {
    // FIXME: reject a capacity of 0; set up your members.
  }

  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;
  LruCache(LruCache&&) noexcept = default;
  LruCache& operator=(LruCache&&) noexcept = default;
  ~LruCache() = default;

  // The value of `key` and a hit, making it the most recently used; or std::nullopt and a miss.
  [[nodiscard]] std::optional<V> get(const K& key) {
    // FIXME
    (void)key;
    throw NotImplemented("LruCache::get");
  }

  // Stores `value` under `key` as the most recently used entry. A new key in a full cache
  // evicts the least recently used entry first (an eviction). Overwriting is not an eviction,
  // and put() counts no hit or miss.
  void put(K key, V value) {
    // FIXME
    (void)key;
    (void)value;
    throw NotImplemented("LruCache::put");
  }

  // Removes `key` (invalidation); true when it was there. Not an eviction.
  bool erase(const K& key) {
    // FIXME
    (void)key;
    throw NotImplemented("LruCache::erase");
  }

  // Whether `key` is cached. Changes neither the order nor the statistics.
  [[nodiscard]] bool contains(const K& key) const {
    // FIXME
    (void)key;
    throw NotImplemented("LruCache::contains");
  }

  // The keys, most recently used first (the last one is the next to be evicted). O(size).
  [[nodiscard]] std::vector<K> keys_by_recency() const {
    // FIXME
    throw NotImplemented("LruCache::keys_by_recency");
  }

  // Removes every entry; the statistics keep counting.
  void clear() {
    // FIXME
    throw NotImplemented("LruCache::clear");
  }

  [[nodiscard]] std::size_t size() const {
    // FIXME
    throw NotImplemented("LruCache::size");
  }
  std::size_t capacity() const noexcept { return capacity_; }
  // Hits and misses of get(), evictions of put(); expirations stay 0.
  CacheStats stats() const {
    // FIXME
    throw NotImplemented("LruCache::stats");
  }

 private:
  std::size_t capacity_;
  // FIXME: your members. The usual O(1) shape: a std::list of entries in recency order and an
  // std::unordered_map from key to list iterator.
};

}  // namespace EDI_IMPL
}  // namespace edi::caching
