// Lesson 07, exercise 1 of 3: DedupCache, the content-hash cache that recognises retransmitted
// messages. The contract is in caches.hpp; `make check LESSON=07` grades it (suite DedupCache),
// `make hint LESSON=07` helps.
//
// What is fixed: the public interface. The private members in caches.hpp are a suggestion (a
// list threaded through a vector by index, and an index from hash to entry); change them freely.
#include "caches.hpp"

#include "edi/error.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

DedupCache::DedupCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  // FIXME (optional): size the index once (it never holds more than capacity_ entries).
}

bool DedupCache::seen_before(const ContentHash& hash) {
  // FIXME: a hit makes `hash` the most recently seen and returns true. A miss remembers it as the
  // most recently seen, first forgetting the least recently seen hash when capacity_ are
  // remembered, and returns false. Both in O(1).
  (void)hash;
  throw NotImplemented("DedupCache::seen_before");
}

std::size_t DedupCache::size() const {
  // FIXME: how many hashes are remembered now.
  throw NotImplemented("DedupCache::size");
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
