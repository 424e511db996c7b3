// Lesson 01: PooledSegment and SegmentPool. Replace each FIXME with an implementation; the
// contract of every function is in segment_pool.hpp. `make check LESSON=01` grades your code,
// `make hint LESSON=01` gives the next hint, `make run LESSON=01` runs the demo on it.
//
// Useful parts of the core (core/include/edi/segment.hpp):
//   seg.clear()            empties a Segment and keeps the capacity of its buffers
//   seg.capacity_bytes()   heap bytes a Segment holds
//   seg.reserve(v, e, c)   pre-sizes its buffers
// And of the standard library: std::exchange (<utility>), std::make_unique<Segment[]>(n).
#include "segment_pool.hpp"

#include "edi/error.hpp"

namespace edi::pooling {
inline namespace EDI_IMPL {

// --- PooledSegment ---------------------------------------------------------------------------
// These are noexcept: they cannot report "not implemented" by throwing. They are only reached
// with a handle that acquire() gave out, and acquire() throws until you write it.

PooledSegment::PooledSegment(PooledSegment&& other) noexcept {
  // FIXME: take other's pool and segment; leave `other` empty.
  (void)other;
}

PooledSegment& PooledSegment::operator=(PooledSegment&& other) noexcept {
  // FIXME: unless `other` is this handle: give back what this handle holds, then take other's.
  (void)other;
  return *this;
}

PooledSegment::~PooledSegment() {
  // FIXME: give the segment back.
}

void PooledSegment::reset() noexcept {
  // FIXME: give the segment back to its pool (home_->recycle) and become empty.
}

// --- SegmentPool -----------------------------------------------------------------------------

SegmentPool::SegmentPool(PoolOptions options) : options_(options) {
  // FIXME: create options.initial_segments up front, as one block.
  throw NotImplemented("SegmentPool::SegmentPool");
}

SegmentPool::~SegmentPool() {
  // FIXME: check the rule that a pool outlives its handles: with segments still handed out,
  // print a message that says so (std::fprintf(stderr, ...)) and std::abort().
}

PooledSegment SegmentPool::acquire() {
  // FIXME: the most recently released segment, else one never used yet, else grow by a block
  // (growth policy, bound). Count acquired / reused / outstanding. PoolExhausted at the bound.
  throw NotImplemented("SegmentPool::acquire");
}

PooledSegment SegmentPool::try_acquire() {
  // FIXME: acquire(), with an empty handle instead of PoolExhausted.
  throw NotImplemented("SegmentPool::try_acquire");
}

PoolStats SegmentPool::stats() const {
  // FIXME
  throw NotImplemented("SegmentPool::stats");
}

std::size_t SegmentPool::retained_bytes() const {
  // FIXME: the sum of capacity_bytes() over the idle segments.
  throw NotImplemented("SegmentPool::retained_bytes");
}

std::size_t SegmentPool::trim() {
  // FIXME: free the buffers of every idle segment; return the bytes freed.
  throw NotImplemented("SegmentPool::trim");
}

void SegmentPool::recycle(Segment* segment) noexcept {
  // FIXME: reset the segment (no stale values, capacity kept unless it holds more than
  // options_.max_retained_bytes) and keep it for the next acquire(). Must not allocate.
  (void)segment;
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
