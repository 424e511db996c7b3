// Lesson 04, exercise 2: a cache whose entries expire a fixed time after they were written.
//
//   FakeClock clock;                                      // (tests/04-caching/fakes.hpp)
//   edi::caching::TtlCache<std::string, int> cache(100, std::chrono::seconds(30), clock.now_function());
//   cache.put("a", 1);                                    // written at t0: live until t0 + 30 s
//   clock.advance(std::chrono::seconds(29));
//   cache.get("a");                                       // 1
//   clock.advance(std::chrono::seconds(1));               // t0 + 30 s exactly
//   cache.get("a");                                       // std::nullopt: expired, and removed
//
// The rule, exactly: an entry written at time t lives while now < t + ttl. At now == t + ttl it
// has expired: get() never returns it and contains() says false.
//
// Expire after write: reading an entry does not extend its life (data that may change at the
// source is re-read at least every ttl). put() of a present key restarts its life.
//
// Bounded memory: every entry has the same ttl, so the entries in write order are also in expiry
// order. Every get() and put() first removes the expired entries at the old end of that order,
// which leaves no expired entry behind (amortized O(1): each entry is removed once). A put() of a
// new key into a full cache then evicts the oldest write, the entry closest to expiring.
//
// Statistics: get() counts a hit or a miss (an expired entry is a miss); every entry removed
// because it expired counts an expiration, every entry removed to make room an eviction.
//
// Thread-compatible: one thread at a time. Movable, not copyable.
// Exception guarantee: basic when copying or moving K or V throws, exactly as LruCache's: after
// a put() that threw, only the entry chosen for eviction may be gone (counted as an eviction),
// a new key is not cached, a key that was there keeps its old value or gets the new one, and
// size() counts exactly the entries held. REQUIRES: Hash and KeyEqual do not throw.
// REQUIRES: the clock never goes back (a steady clock; see NowFunction).
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "cache_common.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class TtlCache {
 public:
  // REQUIRES: capacity >= 1 and ttl > 0 (throws std::invalid_argument otherwise).
  TtlCache(std::size_t capacity, Duration ttl, NowFunction now = steady_now())
      : capacity_(capacity), ttl_(ttl), now_(std::move(now)) {
    if (capacity == 0) throw std::invalid_argument("TtlCache: the capacity must be at least 1");
    if (ttl <= Duration::zero()) throw std::invalid_argument("TtlCache: the time to live must be positive");
    if (!now_) throw std::invalid_argument("TtlCache: the clock is empty");
    index_.reserve(capacity);
  }

  TtlCache(const TtlCache&) = delete;
  TtlCache& operator=(const TtlCache&) = delete;
  TtlCache(TtlCache&&) noexcept = default;
  TtlCache& operator=(TtlCache&&) noexcept = default;
  ~TtlCache() = default;

  // The value of `key` while it lives (a hit), else std::nullopt (a miss).
  [[nodiscard]] std::optional<V> get(const K& key) {
    remove_expired(now_());
    const auto it = index_.find(key);
    if (it == index_.end()) {
      ++stats_.misses;
      return std::nullopt;
    }
    ++stats_.hits;
    return it->second->value;
  }

  // Stores `value` under `key`, live for ttl() from now.
  void put(K key, V value) {
    const TimePoint now = now_();
    remove_expired(now);
    const TimePoint expires = now + ttl_;
    if (const auto it = index_.find(key); it != index_.end()) {
      it->second->value = std::move(value);
      it->second->expires = expires;
      entries_.splice(entries_.end(), entries_, it->second);  // now the newest write
      return;
    }
    if (entries_.size() < capacity_) {
      entries_.push_back(Entry{key, std::move(value), expires});
      try {
        index_.emplace(std::move(key), std::prev(entries_.end()));
      } catch (...) {
        entries_.pop_back();
        throw;
      }
      return;
    }
    // Full of live entries: reuse the oldest write's nodes for the new key (see LruCache::put).
    const auto victim = entries_.begin();
    K map_key = key;  // may throw: nothing has changed yet
    auto node = index_.extract(victim->key);
    ++stats_.evictions;
    try {
      node.key() = std::move(map_key);  // each step may throw with the victim half rewritten
      victim->key = std::move(key);
      victim->value = std::move(value);
      index_.insert(std::move(node));
    } catch (...) {
      entries_.erase(victim);  // evicted from the list too: both hold the same entries again
      throw;
    }
    victim->expires = expires;
    entries_.splice(entries_.end(), entries_, victim);
  }

  // Removes `key` (invalidation); true when it was there, expired or not. Counts nothing.
  bool erase(const K& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    entries_.erase(it->second);
    index_.erase(it);
    return true;
  }

  // Whether `key` is there and live now. Removes nothing and counts nothing.
  [[nodiscard]] bool contains(const K& key) const {
    const auto it = index_.find(key);
    return it != index_.end() && now_() < it->second->expires;
  }

  // Removes every expired entry now; returns how many.
  std::size_t purge_expired() { return remove_expired(now_()); }

  // Removes every entry; the statistics keep counting.
  void clear() {
    index_.clear();
    entries_.clear();
  }

  // Entries held. After any get() or put() none of them has expired; between calls, time may
  // pass and some may have (purge_expired() removes them).
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  Duration ttl() const noexcept { return ttl_; }
  CacheStats stats() const { return stats_; }

 private:
  struct Entry {
    K key;
    V value;
    TimePoint expires;  // written + ttl: expired when now >= expires
  };
  using List = std::list<Entry>;

  std::size_t remove_expired(TimePoint now) {
    std::size_t removed = 0;
    while (!entries_.empty() && entries_.front().expires <= now) {
      index_.erase(entries_.front().key);
      entries_.pop_front();
      ++removed;
    }
    stats_.expirations += removed;
    return removed;
  }

  std::size_t capacity_;
  Duration ttl_;
  NowFunction now_;
  List entries_;  // in write order: front is the oldest write, the first to expire
  std::unordered_map<K, typename List::iterator, Hash, KeyEqual> index_;
  CacheStats stats_;
};

}  // namespace EDI_IMPL
}  // namespace edi::caching
