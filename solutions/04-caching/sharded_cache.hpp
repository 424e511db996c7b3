// Lesson 04, exercise 4: a cache many threads use at once, split into independently locked
// shards, each read under a shared lock.
//
//   edi::caching::ShardedCache<std::string, std::uint64_t> cache(4096, 16);  // 16 shards of 256
//   cache.put("4000001000006", 7);       // locks one shard, exclusively
//   cache.get("4000001000006");          // 7; locks the same shard, shared: readers run together
//   cache.shard_of("4000001000006");     // which shard (0..15) holds the key
//
// Why shards: one lock around a cache makes every thread wait for every other; with N shards
// two threads collide only when their keys fall into the same shard, and then only for one
// operation.
// Why a shared lock (std::shared_mutex, Go's sync.RWMutex): most lookups are reads, and readers
// of one shard can hold its lock together. That only works if a read changes nothing that other
// readers see without synchronisation, which rules out LRU (a hit moves a list node). So each
// shard evicts with CLOCK, also called second chance, an approximation of LRU whose read path
// only sets one atomic "referenced" flag:
//
// CLOCK, exactly (per shard; `slots` is the shard's capacity):
// - A new key takes a free slot when the shard has one: the slots are used in order 0, 1, 2, ...
//   and a slot freed by erase() is used again first. When several slots are free, which of them
//   a new key takes is left to the implementation (the reference takes the one freed last); no
//   grader depends on it. A new entry starts unreferenced.
// - A hit, and a put() that overwrites a key, mark the entry referenced.
// - A new key in a full shard moves the hand (initially slot 0): while the slot under the hand
//   is referenced, it clears the flag (the second chance) and steps to the next slot, wrapping
//   around. The first unreferenced slot is evicted, the new entry takes it, and the hand steps
//   past it.
//
// Shards: shard_of(key) = (Hash(key) * 0x9E3779B97F4A7C15 >> 32) % shard_count(); the multiply
// spreads hashes whose low bits are poor (std::hash of an integer is the integer). Shard i holds
// capacity / shards entries, one more for the first capacity % shards shards.
//
// Statistics: get() counts a hit or a miss, put() an eviction; per shard, in relaxed atomics
// (counting under a shared lock needs them), summed by stats().
//
// Thread-safe: every member may be called from any number of threads at once. get() and
// contains() lock one shard shared; put() and erase() lock it exclusively; size() and stats()
// visit the shards one after another (not one snapshot).
// Not copyable, not movable. Exception guarantee: basic when copying or moving K or V throws,
// as LruCache's: after a put() that threw, only the entry chosen for eviction may be gone
// (counted as an eviction; its slot is then free), a new key is not cached, a key that was
// there keeps its old value or gets the new one, and size() counts exactly the keys held.
// REQUIRES: Hash and KeyEqual do not throw.
// REQUIRES: K and V are default constructible (the slots are allocated up front).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache_common.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class ShardedCache {
 public:
  // REQUIRES: shards >= 1 and capacity >= shards (throws std::invalid_argument otherwise).
  ShardedCache(std::size_t capacity, std::size_t shards) : capacity_(capacity), shard_count_(shards) {
    if (shards == 0) throw std::invalid_argument("ShardedCache: at least one shard");
    if (capacity < shards) throw std::invalid_argument("ShardedCache: the capacity must be at least one entry per shard");
    shards_ = std::make_unique<Shard[]>(shards);
    for (std::size_t i = 0; i < shards; ++i) {
      shards_[i].init(capacity / shards + (i < capacity % shards ? 1 : 0));
    }
  }

  ShardedCache(const ShardedCache&) = delete;
  ShardedCache& operator=(const ShardedCache&) = delete;
  ~ShardedCache() = default;

  // The value of `key` (a hit, marking it referenced) or std::nullopt (a miss).
  [[nodiscard]] std::optional<V> get(const K& key) {
    Shard& shard = shard_for(key);
    std::shared_lock lock(shard.mutex);
    const auto it = shard.index.find(key);
    if (it == shard.index.end()) {
      shard.misses.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    Slot& slot = shard.slots[it->second];
    // Test before setting: a hot key read by many threads then costs them only loads of the
    // flag's cache line, not a write each that steals the line from the other cores.
    if (!slot.referenced.load(std::memory_order_relaxed)) slot.referenced.store(true, std::memory_order_relaxed);
    shard.hits.fetch_add(1, std::memory_order_relaxed);
    return slot.value;
  }

  // Stores `value` under `key` (see the CLOCK rules above).
  void put(const K& key, V value) {
    Shard& shard = shard_for(key);
    std::unique_lock lock(shard.mutex);
    if (const auto it = shard.index.find(key); it != shard.index.end()) {
      Slot& slot = shard.slots[it->second];
      slot.value = std::move(value);
      slot.referenced.store(true, std::memory_order_relaxed);
      return;
    }
    if (!shard.free.empty()) {
      const std::size_t i = shard.free.back();
      Slot& slot = shard.slots[i];
      // Fill the slot first, then index it: if a copy or move throws, slot i is still free
      // (no key maps to it), and what the failed put left in it is overwritten by the next
      // key that takes it.
      slot.key = key;
      slot.value = std::move(value);
      shard.index.emplace(key, i);
      shard.free.pop_back();
      slot.referenced.store(false, std::memory_order_relaxed);
      return;
    }
    K map_key = key;  // may throw: nothing has changed yet
    const std::size_t n = shard.slots.size();
    while (shard.slots[shard.hand].referenced.load(std::memory_order_relaxed)) {
      shard.slots[shard.hand].referenced.store(false, std::memory_order_relaxed);
      shard.hand = (shard.hand + 1) % n;
    }
    const std::size_t i = shard.hand;
    shard.hand = (i + 1) % n;
    Slot& slot = shard.slots[i];
    auto node = shard.index.extract(slot.key);  // the victim's map node, re-keyed: no allocation
    shard.evictions.fetch_add(1, std::memory_order_relaxed);
    try {
      // Each of these may throw (a copy or move of K or V), with the slot half rewritten.
      node.key() = std::move(map_key);
      slot.key = key;
      slot.value = std::move(value);
      shard.index.insert(std::move(node));
    } catch (...) {
      // The victim's map node is out of the map (`node` frees it): the victim is evicted, and
      // its slot, which no key maps to any more, becomes free. (No allocation: `free` has room
      // for every slot.)
      shard.free.push_back(i);
      throw;
    }
    slot.referenced.store(false, std::memory_order_relaxed);
  }

  // Removes `key` (invalidation) and frees its slot; true when it was there. Counts nothing.
  bool erase(const K& key) {
    Shard& shard = shard_for(key);
    std::unique_lock lock(shard.mutex);
    const auto it = shard.index.find(key);
    if (it == shard.index.end()) return false;
    const std::size_t i = it->second;
    shard.index.erase(it);
    Slot& slot = shard.slots[i];
    slot.key = K{};  // let go of what the entry held (a long string key, a shared_ptr value...)
    slot.value = V{};
    slot.referenced.store(false, std::memory_order_relaxed);
    shard.free.push_back(i);
    return true;
  }

  // Whether `key` is cached. Marks nothing and counts nothing.
  [[nodiscard]] bool contains(const K& key) const {
    const Shard& shard = shard_for(key);
    std::shared_lock lock(shard.mutex);
    return shard.index.find(key) != shard.index.end();
  }

  std::size_t shard_of(const K& key) const {
    const auto h = static_cast<std::uint64_t>(Hash{}(key));
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> 32) % shard_count_;
  }

  [[nodiscard]] std::size_t size() const {
    std::size_t total = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
      std::shared_lock lock(shards_[i].mutex);
      total += shards_[i].index.size();
    }
    return total;
  }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t shard_count() const noexcept { return shard_count_; }

  CacheStats stats() const {
    CacheStats s;
    for (std::size_t i = 0; i < shard_count_; ++i) {
      s.hits += shards_[i].hits.load(std::memory_order_relaxed);
      s.misses += shards_[i].misses.load(std::memory_order_relaxed);
      s.evictions += shards_[i].evictions.load(std::memory_order_relaxed);
    }
    return s;
  }

 private:
  struct Slot {
    K key{};
    V value{};
    std::atomic<bool> referenced{false};  // set by readers under the shared lock
  };

  // One shard per cache line at least, so that two threads working in two shards never write
  // to the same line (false sharing would make them wait for each other anyway).
  struct alignas(64) Shard {
    void init(std::size_t slot_count) {
      slots = std::vector<Slot>(slot_count);
      index.reserve(slot_count);
      free.reserve(slot_count);
      for (std::size_t i = slot_count; i > 0; --i) free.push_back(i - 1);  // back() is slot 0
    }

    mutable std::shared_mutex mutex;
    std::vector<Slot> slots;                              // GUARDED_BY(mutex); sized once
    std::unordered_map<K, std::size_t, Hash, KeyEqual> index;  // GUARDED_BY(mutex): key -> slot
    std::vector<std::size_t> free;                        // GUARDED_BY(mutex): unused slots
    std::size_t hand = 0;                                 // GUARDED_BY(mutex)
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> evictions{0};
  };

  Shard& shard_for(const K& key) { return shards_[shard_of(key)]; }
  const Shard& shard_for(const K& key) const { return shards_[shard_of(key)]; }

  std::size_t capacity_;
  std::size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace EDI_IMPL
}  // namespace edi::caching
