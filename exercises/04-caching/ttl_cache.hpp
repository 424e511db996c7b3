// Lesson 04, exercise 2: a cache whose entries expire a fixed time after they were written.
// `make check LESSON=04` grades it (suites TtlCache and ExceptionSafety), `make hint LESSON=04`
// helps.
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
// Expire after write: reading an entry does not extend its life. put() of a present key
// restarts its life.
//
// Bounded memory: every get() and put() first removes every expired entry (the grader checks
// that their memory is freed, not only that they are hidden). All entries share one ttl, so the
// entries in write order are also in expiry order: the expired ones are all at the old end.
// A put() of a new key into a full cache (of live entries) evicts the oldest write.
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
#include "edi/error.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class TtlCache {
 public:
  // REQUIRES: capacity >= 1 and ttl > 0 (throws std::invalid_argument otherwise).
  TtlCache(std::size_t capacity, Duration ttl, NowFunction now = steady_now())
      : capacity_(capacity), ttl_(ttl), now_(std::move(now)) {
    // FIXME: reject a capacity of 0 and a ttl <= 0; set up your members.
  }

  TtlCache(const TtlCache&) = delete;
  TtlCache& operator=(const TtlCache&) = delete;
  TtlCache(TtlCache&&) noexcept = default;
  TtlCache& operator=(TtlCache&&) noexcept = default;
  ~TtlCache() = default;

  // The value of `key` while it lives (a hit), else std::nullopt (a miss).
  [[nodiscard]] std::optional<V> get(const K& key) {
    // FIXME: remove the expired entries first.
    (void)key;
    throw NotImplemented("TtlCache::get");
  }

  // Stores `value` under `key`, live for ttl() from now.
  void put(K key, V value) {
    // FIXME: remove the expired entries first.
    (void)key;
    (void)value;
    throw NotImplemented("TtlCache::put");
  }

  // Removes `key` (invalidation); true when it was there, expired or not. Counts nothing.
  bool erase(const K& key) {
    // FIXME
    (void)key;
    throw NotImplemented("TtlCache::erase");
  }

  // Whether `key` is there and live now. Removes nothing and counts nothing.
  [[nodiscard]] bool contains(const K& key) const {
    // FIXME
    (void)key;
    throw NotImplemented("TtlCache::contains");
  }

  // Removes every expired entry now; returns how many.
  std::size_t purge_expired() {
    // FIXME
    throw NotImplemented("TtlCache::purge_expired");
  }

  // Removes every entry; the statistics keep counting.
  void clear() {
    // FIXME
    throw NotImplemented("TtlCache::clear");
  }

  // Entries held. After any get() or put() none of them has expired; between calls, time may
  // pass and some may have (purge_expired() removes them).
  [[nodiscard]] std::size_t size() const {
    // FIXME
    throw NotImplemented("TtlCache::size");
  }
  std::size_t capacity() const noexcept { return capacity_; }
  Duration ttl() const noexcept { return ttl_; }
  CacheStats stats() const {
    // FIXME
    throw NotImplemented("TtlCache::stats");
  }

 private:
  std::size_t capacity_;
  Duration ttl_;
  NowFunction now_;
  // FIXME: your members (each entry needs its expiry time: written + ttl).
};

}  // namespace EDI_IMPL
}  // namespace edi::caching
