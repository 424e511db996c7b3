// Lesson 07, exercise 2 of 3: PartnerCache, a thread-safe LRU cache of partner records in front
// of the SQLite master data. The contract is in caches.hpp; `make check LESSON=07` grades it
// (suite PartnerCache), `make hint LESSON=07` helps.
//
// What is fixed: the public interface. The private members in caches.hpp are a suggestion
// (shards, each with a mutex, an LRU list threaded through a vector, and a GLN index); change
// them freely.
#include "caches.hpp"

#include "edi/error.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

PartnerCache::PartnerCache(const PartnerDirectory& directory, std::size_t capacity, std::size_t shards)
    : directory_(directory), capacity_(capacity == 0 ? 1 : capacity) {
  // FIXME: create the shards (at most capacity_ of them), each with its share of capacity_; the
  // shares must add up to capacity_ so that size() never exceeds it.
  (void)shards;
}

PartnerPtr PartnerCache::find(std::string_view gln) {
  // FIXME: in the shard of `gln`, under its mutex: a hit makes the entry the most recently used
  // and returns its record; a miss asks directory_.find(gln) (nullptr for an unknown GLN, which
  // is cached too), evicting the shard's least recently used entry when the shard is full.
  // Count hits and misses for stats().
  (void)gln;
  throw NotImplemented("PartnerCache::find");
}

std::size_t PartnerCache::size() const {
  // FIXME: the entries of every shard.
  throw NotImplemented("PartnerCache::size");
}

PartnerCache::Stats PartnerCache::stats() const {
  // FIXME: hits and misses summed over the shards.
  throw NotImplemented("PartnerCache::stats");
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
