// Lesson 04, exercise 1: a least-recently-used cache with O(1) get and put.
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
// How: a doubly linked list of entries ordered by recency (front: most recent) and a hash map
// from key to list node. A hit splices its node to the front (three pointer writes, no
// allocation); a put into a full cache reuses the node at the back for the new key, and
// re-keys the map's node with extract() (C++17 node handles), so a full cache allocates
// nothing per put when K and V do not allocate.
//
// Thread-compatible: one thread at a time (get() reorders the list, so even reads need
// exclusive access; see ShardedCache for a cache many threads can read at once).
// Movable, not copyable. Pointers and references into the cache are not handed out: get()
// returns a copy.
// Exception guarantee: basic when copying or moving K or V throws: the exception comes out and
// the cache stays consistent and usable. After a put(key, value) that threw, every other key
// keeps its value, except the entry chosen for eviction, which may be gone (then counted as an
// eviction); a new key is not cached; a key that was there stays, with its old value or the new
// one (whatever V's assignment left); size() counts exactly the keys that get() finds.
// REQUIRES: Hash and KeyEqual do not throw.
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

namespace edi::caching {
inline namespace EDI_IMPL {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class LruCache {
 public:
  // REQUIRES: capacity >= 1 (throws std::invalid_argument otherwise).
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("LruCache: the capacity must be at least 1");
    // Buckets for every key up front: the map never rehashes, and re-inserting an extracted
    // node in put() cannot allocate.
    index_.reserve(capacity);
  }

  LruCache(const LruCache&) = delete;             // the map holds iterators into this list
  LruCache& operator=(const LruCache&) = delete;
  LruCache(LruCache&&) noexcept = default;        // list nodes move with the list: iterators stay valid
  LruCache& operator=(LruCache&&) noexcept = default;
  ~LruCache() = default;

  // The value of `key` and a hit, making it the most recently used; or std::nullopt and a miss.
  [[nodiscard]] std::optional<V> get(const K& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) {
      ++stats_.misses;
      return std::nullopt;
    }
    ++stats_.hits;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->value;
  }

  // Stores `value` under `key` as the most recently used entry. A new key in a full cache
  // evicts the least recently used entry first (an eviction). Overwriting is not an eviction,
  // and put() counts no hit or miss.
  void put(K key, V value) {
    if (const auto it = index_.find(key); it != index_.end()) {
      it->second->value = std::move(value);
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    if (entries_.size() < capacity_) {
      entries_.push_front(Entry{key, std::move(value)});
      try {
        index_.emplace(std::move(key), entries_.begin());
      } catch (...) {
        entries_.pop_front();
        throw;
      }
      return;
    }
    // Full: the back of the list is the least recently used entry. Its list node and its map
    // node are both reused for the new key, so nothing is freed and nothing is allocated.
    const auto victim = std::prev(entries_.end());
    K map_key = key;  // may throw: nothing has changed yet
    auto node = index_.extract(victim->key);
    ++stats_.evictions;
    try {
      // Each of these may throw (a copy or move of K or V), with the victim half rewritten:
      // its key, its value or its map node's key may already belong to the new entry.
      node.key() = std::move(map_key);
      victim->key = std::move(key);
      victim->value = std::move(value);
      index_.insert(std::move(node));  // no allocation (reserved buckets); hashes the new key
    } catch (...) {
      // The victim's map node is out of the map (`node` frees it); its list node goes too, so
      // both structures hold the same entries again: the victim is evicted, the new key is not
      // cached.
      entries_.erase(victim);
      throw;
    }
    entries_.splice(entries_.begin(), entries_, victim);
  }

  // Removes `key` (invalidation); true when it was there. Not an eviction.
  bool erase(const K& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    entries_.erase(it->second);
    index_.erase(it);
    return true;
  }

  // Whether `key` is cached. Changes neither the order nor the statistics.
  [[nodiscard]] bool contains(const K& key) const { return index_.find(key) != index_.end(); }

  // The keys, most recently used first (the last one is the next to be evicted). O(size).
  [[nodiscard]] std::vector<K> keys_by_recency() const {
    std::vector<K> keys;
    keys.reserve(entries_.size());
    for (const Entry& e : entries_) keys.push_back(e.key);
    return keys;
  }

  // Removes every entry; the statistics keep counting.
  void clear() {
    index_.clear();
    entries_.clear();
  }

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  // Hits and misses of get(), evictions of put(); expirations stay 0.
  CacheStats stats() const { return stats_; }

 private:
  struct Entry {
    K key;  // also the map's key: eviction finds the map node through it
    V value;
  };
  using List = std::list<Entry>;

  std::size_t capacity_;
  List entries_;  // front: most recently used
  std::unordered_map<K, typename List::iterator, Hash, KeyEqual> index_;
  CacheStats stats_;
};

}  // namespace EDI_IMPL
}  // namespace edi::caching
