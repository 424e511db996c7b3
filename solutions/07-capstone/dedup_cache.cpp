// EXERCISE (the reference): the dedup cache, a bounded set of content hashes with
// least-recently-seen eviction. See caches.hpp for the contract.
#include "caches.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

DedupCache::DedupCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  // The index never holds more than capacity_ entries: size it once, so it never rehashes.
  index_.reserve(capacity_);
}

void DedupCache::unlink(std::uint32_t i) noexcept {
  Entry& e = entries_[i];
  (e.prev == kNone ? head_ : entries_[e.prev].next) = e.next;
  (e.next == kNone ? tail_ : entries_[e.next].prev) = e.prev;
}

void DedupCache::push_front(std::uint32_t i) noexcept {
  Entry& e = entries_[i];
  e.prev = kNone;
  e.next = head_;
  (head_ == kNone ? tail_ : entries_[head_].prev) = i;
  head_ = i;
}

bool DedupCache::seen_before(const ContentHash& hash) {
  if (const auto it = index_.find(hash); it != index_.end()) {
    // Seen: a retransmission. It becomes the most recently seen.
    unlink(it->second);
    push_front(it->second);
    return true;
  }
  std::uint32_t slot;
  if (entries_.size() < capacity_) {
    slot = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(Entry{hash, kNone, kNone});
  } else {
    // Full: forget the least recently seen hash and reuse its entry.
    slot = tail_;
    unlink(slot);
    index_.erase(entries_[slot].hash);
    entries_[slot].hash = hash;
  }
  push_front(slot);
  index_.emplace(hash, slot);
  return false;
}

std::size_t DedupCache::size() const { return index_.size(); }

}  // namespace EDI_IMPL
}  // namespace edi::capstone
