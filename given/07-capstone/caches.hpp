// The two caches of the pipeline. EXERCISE: dedup_cache.cpp and partner_cache.cpp.
//
// DedupCache remembers the content hashes of the last messages, to recognise retransmissions:
//
//   edi::capstone::DedupCache seen(2);
//   seen.seen_before(h1);   // false: first time (h1 is remembered)
//   seen.seen_before(h2);   // false
//   seen.seen_before(h1);   // true: a retransmission (and h1 is now the most recent)
//   seen.seen_before(h3);   // false; the cache is full: h2, the least recently seen, is forgotten
//   seen.seen_before(h2);   // false again
//
// PartnerCache keeps recently used partner records in front of the SQLite master data:
//
//   edi::capstone::PartnerCache cache(directory, 1024);
//   cache.find("4000000000009");   // a query (a miss), then remembered
//   cache.find("4000000000009");   // the same record, no query (a hit)
//   cache.find("0000000000000");   // nullptr: unknown GLNs are remembered too
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "master_data.hpp"
#include "message.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

// A set of at most `capacity` content hashes with least-recently-seen eviction: memory stays
// bounded however long the input, and a retransmission is caught when it comes within the last
// `capacity` distinct messages (the generator's come within 64).
//
// Thread-compatible: the pipeline calls it from one place at a time, in message order, which is
// what makes its answers the same whatever the number of workers.
class DedupCache {
 public:
  // REQUIRES: capacity > 0.
  explicit DedupCache(std::size_t capacity);

  // True when `hash` is among the remembered ones; it becomes the most recently seen. Otherwise
  // remembers it as the most recently seen, first forgetting the least recently seen one when
  // `capacity` hashes are remembered already, and returns false.
  [[nodiscard]] bool seen_before(const ContentHash& hash);

  // Hashes remembered now: never more than capacity().
  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  // A doubly linked list threaded through `entries_` by index (no allocation per node), most
  // recent at head_, and an index from hash to entry. Change these freely: only the public
  // interface is graded.
  struct Entry {
    ContentHash hash;
    std::uint32_t prev;
    std::uint32_t next;
  };
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  void unlink(std::uint32_t i) noexcept;
  void push_front(std::uint32_t i) noexcept;

  std::size_t capacity_;
  std::vector<Entry> entries_;
  std::unordered_map<ContentHash, std::uint32_t, ContentHashHasher> index_;
  std::uint32_t head_ = kNone;
  std::uint32_t tail_ = kNone;
};

// A least-recently-used cache of partner records (known or not) in front of a PartnerDirectory.
// It is split into `shards`, each with its own mutex and an even share of the capacity, so that
// workers looking up different partners rarely wait for each other; within a shard the least
// recently used entry is evicted first. With shards == 1 it is one exact LRU.
//
// Thread-safe. Records are shared (PartnerPtr): one stays valid while anyone holds it, also after
// the cache evicted it.
class PartnerCache {
 public:
  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;   // each one is a directory query
  };

  // REQUIRES: capacity > 0. The number of shards is reduced to the capacity when it is larger.
  PartnerCache(const PartnerDirectory& directory, std::size_t capacity, std::size_t shards = 8);
  PartnerCache(const PartnerCache&) = delete;
  PartnerCache& operator=(const PartnerCache&) = delete;

  // The record of `gln`, or nullptr when the directory does not know it. Asks the directory only
  // when this GLN is not cached (an unknown one is cached as nullptr). When the directory throws,
  // so does find(), and nothing is cached for `gln`: the next find() of it asks again.
  [[nodiscard]] PartnerPtr find(std::string_view gln);

  // Entries cached now (known and unknown): never more than capacity().
  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }
  Stats stats() const;

 private:
  // Transparent hashing: find(std::string_view) without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    struct Entry {
      std::string gln;
      PartnerPtr partner;
      std::uint32_t prev;
      std::uint32_t next;
    };
    mutable std::mutex mutex;  // guards everything below
    std::size_t capacity = 0;
    std::vector<Entry> entries;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index;
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
    Stats stats;
  };
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  Shard& shard_for(std::string_view gln) noexcept;

  const PartnerDirectory& directory_;
  std::size_t capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace EDI_IMPL
}  // namespace edi::capstone
