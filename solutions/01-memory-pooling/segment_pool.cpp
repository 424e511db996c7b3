#include "segment_pool.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace edi::pooling {
inline namespace EDI_IMPL {
namespace {

// Grows geometrically, as push_back would: reserving exactly n each time would copy the whole
// list at every growth of a fixed-block pool.
void reserve_at_least(std::vector<Segment*>& list, std::size_t n) {
  if (list.capacity() < n) list.reserve(std::max(n, 2 * list.capacity()));
}

// Gives a segment's buffers back to the heap. Not `*segment = Segment()`: libstdc++'s
// std::string move assignment from a short (in-place) string copies the characters into the heap
// buffer it already has and keeps it, so the values buffer would stay. Destroying the segment and
// making a new one in its place frees everything.
void free_buffers(Segment* segment) noexcept {
  std::destroy_at(segment);
  std::construct_at(segment);
}

}  // namespace

// --- SegmentPool ---------------------------------------------------------------------------------

SegmentPool::SegmentPool(PoolOptions options)
    : options_(options), next_block_(std::max<std::size_t>(1, options.block_segments)) {
  if (options_.initial_segments > 0) grow(options_.initial_segments);
}

SegmentPool::~SegmentPool() {
  if (outstanding_ != 0) {
    // A handle still alive would give its segment back into freed memory. Stop here, where the
    // mistake is, rather than corrupt the heap somewhere else later.
    std::fprintf(stderr,
                 "edi::pooling::SegmentPool destroyed with %zu segment(s) still handed out: every "
                 "PooledSegment must be destroyed before its pool\n",
                 outstanding_);
    std::abort();
  }
}

Segment* SegmentPool::take_fresh(bool throw_when_exhausted) {
  if (fresh_.empty()) {
    if (!grow(next_block_)) {
      if (!throw_when_exhausted) return nullptr;
      throw PoolExhausted("SegmentPool: all " + std::to_string(created_) + " segments are handed out");
    }
    if (options_.growth == Growth::doubling) next_block_ *= 2;
  }
  Segment* segment = fresh_.back();
  fresh_.pop_back();
  ++acquired_;
  ++outstanding_;
  return segment;
}

bool SegmentPool::grow(std::size_t count) {
  if (options_.max_segments != 0) count = std::min(count, options_.max_segments - created_);
  if (count == 0) return false;
  auto block = std::make_unique<Segment[]>(count);
  for (std::size_t i = 0; i < count; ++i) {
    block[i].reserve(options_.reserve_value_bytes, options_.reserve_elements, options_.reserve_components);
  }
  // Room for every segment in the idle list now, so that recycle() never allocates. Everything
  // that may throw comes before the first change to the pool's lists.
  reserve_at_least(idle_, created_ + count);
  reserve_at_least(fresh_, fresh_.size() + count);
  Segment* const first = block.get();
  blocks_.push_back(std::move(block));
  for (std::size_t i = count; i-- > 0;) fresh_.push_back(first + i);  // reversed: handed out in address order
  created_ += count;
  return true;
}

void SegmentPool::recycle(Segment* segment) noexcept {
  if (options_.max_retained_bytes != 0 && segment->capacity_bytes() > options_.max_retained_bytes) {
    free_buffers(segment);
  } else {
    segment->clear();  // no stale values, capacity kept
  }
  idle_.push_back(segment);  // never allocates: reserved in grow()
  --outstanding_;
}

PoolStats SegmentPool::stats() const {
  return PoolStats{.created = created_,
                   .acquired = acquired_,
                   .reused = reused_,
                   .outstanding = outstanding_,
                   .idle = idle_.size() + fresh_.size()};
}

std::size_t SegmentPool::retained_bytes() const {
  std::size_t bytes = 0;
  for (const Segment* s : idle_) bytes += s->capacity_bytes();
  for (const Segment* s : fresh_) bytes += s->capacity_bytes();
  return bytes;
}

std::size_t SegmentPool::trim() {
  const std::size_t bytes = retained_bytes();
  for (Segment* s : idle_) free_buffers(s);
  for (Segment* s : fresh_) free_buffers(s);
  return bytes;
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
