// Lesson 01: SharedSegmentPool, the thread-safe pool with per-thread caches. Replace each FIXME;
// the contract is in shared_segment_pool.hpp, the hints in lessons/01-memory-pooling/HINTS.md.
//
// The pieces you will want:
//   thread_local variables       a value per thread: which cache this thread uses
//   std::this_thread::get_id()   who is calling
//   std::mutex, std::lock_guard  for the shared list and the list of caches
//   std::atomic, memory_order_relaxed   counters that stats() reads from another thread
// Check your work under ThreadSanitizer too: the tsan preset (see the lesson's README).
#include "shared_segment_pool.hpp"

#include "edi/error.hpp"

namespace edi::pooling {
inline namespace EDI_IMPL {

SharedSegmentPool::SharedSegmentPool(SharedPoolOptions options) : id_(0), options_(options) {
  // FIXME: give the pool an id no other pool ever gets (a global std::atomic counter), so that
  // a thread's memory of "my cache in pool X" can never match a later pool at the same address.
  throw NotImplemented("SharedSegmentPool::SharedSegmentPool");
}

SharedSegmentPool::~SharedSegmentPool() {
  // FIXME: with segments still handed out, print the rule and std::abort(), as SegmentPool does.
}

PooledSegment SharedSegmentPool::acquire() {
  // FIXME: from this thread's cache without a lock; when it is empty, under the lock, a batch
  // from the shared list, else a new segment. Count acquired and reused.
  throw NotImplemented("SharedSegmentPool::acquire");
}

PoolStats SharedSegmentPool::stats() const {
  // FIXME: sum the counters of every cache (under the lock that guards the list of caches).
  throw NotImplemented("SharedSegmentPool::stats");
}

std::size_t SharedSegmentPool::trim() {
  // FIXME: free the buffers of the idle segments of the shared list and of this thread's cache.
  throw NotImplemented("SharedSegmentPool::trim");
}

void SharedSegmentPool::recycle(Segment* segment) noexcept {
  // FIXME: reset the segment, put it in the *calling* thread's cache; when that cache is full,
  // move half of it to the shared list first. Count the release.
  (void)segment;
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
