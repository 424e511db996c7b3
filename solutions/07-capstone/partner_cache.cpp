// EXERCISE (the reference): a sharded LRU cache of partner records in front of the SQLite master
// data. See caches.hpp for the contract.
#include "caches.hpp"

#include <algorithm>

namespace edi::capstone {
inline namespace EDI_IMPL {

PartnerCache::PartnerCache(const PartnerDirectory& directory, std::size_t capacity, std::size_t shards)
    : directory_(directory), capacity_(capacity == 0 ? 1 : capacity) {
  const std::size_t count = std::clamp<std::size_t>(shards, 1, capacity_);
  shards_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto shard = std::make_unique<Shard>();
    // An even share; the first `capacity_ % count` shards take one more, so the shares add up
    // to exactly capacity_.
    shard->capacity = capacity_ / count + (i < capacity_ % count ? 1 : 0);
    shard->index.reserve(shard->capacity);
    shards_.push_back(std::move(shard));
  }
}

PartnerCache::Shard& PartnerCache::shard_for(std::string_view gln) noexcept {
  // The shard from the upper bits of the hash; the map inside uses the lower ones.
  const std::size_t h = Hash{}(gln);
  return *shards_[(h >> 32) % shards_.size()];
}

PartnerPtr PartnerCache::find(std::string_view gln) {
  Shard& s = shard_for(gln);
  const std::lock_guard lock(s.mutex);
  const auto unlink = [&s](std::uint32_t i) {
    auto& e = s.entries[i];
    (e.prev == kNone ? s.head : s.entries[e.prev].next) = e.next;
    (e.next == kNone ? s.tail : s.entries[e.next].prev) = e.prev;
  };
  const auto push_front = [&s](std::uint32_t i) {
    auto& e = s.entries[i];
    e.prev = kNone;
    e.next = s.head;
    (s.head == kNone ? s.tail : s.entries[s.head].prev) = i;
    s.head = i;
  };

  if (const auto it = s.index.find(gln); it != s.index.end()) {
    ++s.stats.hits;
    unlink(it->second);
    push_front(it->second);
    return s.entries[it->second].partner;
  }

  // A miss: ask the directory while holding the shard, so that two threads missing the same GLN
  // do not both query it. Misses are rare once the cache is warm.
  ++s.stats.misses;
  PartnerPtr partner = directory_.find(gln);
  std::uint32_t slot;
  if (s.entries.size() < s.capacity) {
    slot = static_cast<std::uint32_t>(s.entries.size());
    s.entries.push_back(Shard::Entry{std::string(gln), partner, kNone, kNone});
  } else {
    slot = s.tail;  // the least recently used entry of this shard
    unlink(slot);
    s.index.erase(s.entries[slot].gln);
    s.entries[slot].gln.assign(gln);
    s.entries[slot].partner = partner;
  }
  push_front(slot);
  s.index.emplace(s.entries[slot].gln, slot);
  return partner;
}

std::size_t PartnerCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    const std::lock_guard lock(s->mutex);
    n += s->index.size();
  }
  return n;
}

PartnerCache::Stats PartnerCache::stats() const {
  Stats total;
  for (const auto& s : shards_) {
    const std::lock_guard lock(s->mutex);
    total.hits += s->stats.hits;
    total.misses += s->stats.misses;
  }
  return total;
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
