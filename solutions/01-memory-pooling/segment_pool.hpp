// Lesson 01: a pool of reusable edi::Segment objects, handed out as RAII handles.
//
//   edi::pooling::SegmentPool pool;                       // thread-compatible: one thread at a time
//   {
//     edi::pooling::PooledSegment seg = pool.acquire();   // an empty Segment, perhaps a used one
//     edi::parse_segment(raw, *seg);                      // raw: "NAD+BY+5412345000013::9"
//     seg->component(0, 0);                               // "BY"
//   }                                                     // the handle gives the segment back
//   pool.stats().reused;                                  // 0 now; the next acquire() reuses it
//
// Why a pool: a fresh Segment allocates its four buffers (values and three index vectors) the
// first time it is filled, and frees them when destroyed. Parsing millions of segments a second
// that way spends most of its time in malloc and free. A pool keeps released segments, cleared
// but with their capacity, and hands them out again: once warm, parsing allocates nothing.
//
// Handles, not acquire/release pairs: PooledSegment is move-only and gives its segment back in
// its destructor, like std::unique_ptr deletes. Every path out of a scope (return, exception,
// break) returns the segment; a forgotten release cannot happen. (Go's sync.Pool has explicit
// Get and Put, and `defer pool.Put(x)` to the same end.)
//
// IMPORTANT: lifetime. A pool must outlive every handle it gave out: a handle holds a plain
// pointer to its pool. The destructor of a pool checks this (a counter compare) and stops the
// program with a message naming the rule when handles are still out, instead of letting them
// write into freed memory later. Declare the pool before the handles, so it is destroyed after.
//
// What a released segment holds: nothing (Segment::clear: no tag, no elements), and the capacity
// of its buffers, unless it holds more than PoolOptions::max_retained_bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "edi/segment.hpp"

namespace edi::pooling {
// The build names this namespace after the implementation (exercises or solutions), so one
// benchmark binary can hold your code and the reference side by side. Leave it as it is.
inline namespace EDI_IMPL {

class PooledSegment;

// What a handle gives its segment back to. SegmentPool and SharedSegmentPool implement it, so
// one handle type serves both; the return is one indirect call.
class SegmentRecycler {
 protected:
  ~SegmentRecycler() = default;
  // Takes back a segment this recycler handed out.  REQUIRES: `segment` came from this recycler
  // and is not handed out again before this call.
  virtual void recycle(Segment* segment) noexcept = 0;

  friend class PooledSegment;
};

// A pooled segment, or nothing. Move-only; gives the segment back to its pool when destroyed,
// reset or assigned over. Dereference it like a pointer: `seg->tag()`, `*seg`.
//
// Thread-compatible. Its pool must outlive it (see the header comment). The members are defined
// here, in the header, so that the compiler inlines them: a parser moves and destroys a handle
// for every segment.
class PooledSegment {
 public:
  // An empty handle: holds no segment.
  PooledSegment() noexcept = default;
  PooledSegment(PooledSegment&& other) noexcept
      : home_(std::exchange(other.home_, nullptr)), segment_(std::exchange(other.segment_, nullptr)) {}
  PooledSegment& operator=(PooledSegment&& other) noexcept {
    if (this != &other) {
      reset();  // the segment held so far goes back first
      home_ = std::exchange(other.home_, nullptr);
      segment_ = std::exchange(other.segment_, nullptr);
    }
    return *this;
  }
  PooledSegment(const PooledSegment&) = delete;
  PooledSegment& operator=(const PooledSegment&) = delete;
  ~PooledSegment() { reset(); }

  // Gives the segment back now; the handle is empty afterwards. Does nothing on an empty handle.
  void reset() noexcept {
    if (segment_ == nullptr) return;
    home_->recycle(std::exchange(segment_, nullptr));
    home_ = nullptr;
  }

  Segment* get() const noexcept { return segment_; }
  // REQUIRES: the handle is not empty.
  Segment& operator*() const noexcept { return *segment_; }
  Segment* operator->() const noexcept { return segment_; }
  explicit operator bool() const noexcept { return segment_ != nullptr; }

 private:
  friend class SegmentPool;
  friend class SharedSegmentPool;
  PooledSegment(SegmentRecycler* home, Segment* segment) noexcept : home_(home), segment_(segment) {}

  SegmentRecycler* home_ = nullptr;  // where the segment goes back; null when empty
  Segment* segment_ = nullptr;
};

// Thrown by SegmentPool::acquire when a bounded pool has every segment handed out.
class PoolExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a pool creates segments when it has none left.
enum class Growth : std::uint8_t {
  fixed,     // every block holds PoolOptions::block_segments segments
  doubling,  // the first block holds block_segments, each further block twice the one before
             // (the initial_segments block is not one of them: growth after it starts at
             // block_segments)
};

struct PoolOptions {
  // Segments the constructor creates, in one block (pre-allocation: the first acquisitions
  // then create nothing). This block does not count as a growth block: the first time the
  // pool runs dry it creates block_segments, whatever the growth.
  std::size_t initial_segments = 0;
  // Segments created together, as one allocation, when the pool runs dry.  REQUIRES: >= 1.
  std::size_t block_segments = 16;
  Growth growth = Growth::doubling;
  // The most segments the pool ever creates; 0: no bound. A bounded pool whose segments are all
  // handed out throws PoolExhausted from acquire() and gives an empty handle from try_acquire().
  std::size_t max_segments = 0;
  // A released segment holding more heap than this (Segment::capacity_bytes) gives its buffers
  // back instead of keeping them, so one huge segment does not pin its memory forever. 0: keep all.
  std::size_t max_retained_bytes = 0;
  // Every new segment reserves this much up front (Segment::reserve): pre-sized buffers.
  std::size_t reserve_value_bytes = 0;
  std::size_t reserve_elements = 0;
  std::size_t reserve_components = 0;
};

struct PoolStats {
  std::size_t created = 0;      // segments constructed: pre-allocated and grown
  std::size_t acquired = 0;     // segments handed out, in total
  std::size_t reused = 0;       // of those, segments released before (warm buffers)
  std::size_t outstanding = 0;  // handed out and not given back yet
  std::size_t idle = 0;         // in the pool, ready to hand out: created - outstanding
  friend bool operator==(const PoolStats&, const PoolStats&) = default;
};

// A pool of segments for one thread at a time.
//
// acquire() hands out the most recently released segment first (LIFO: its memory is the most
// likely to be in cache), then segments never used yet, and creates a block of new ones when it
// has neither. Releasing never allocates; acquiring allocates only when the pool grows.
//
// Thread-compatible: every call on the pool, and every handle's release, must be serialized by
// the caller (a pool per thread is the usual way). For handles crossing threads use
// SharedSegmentPool. Neither copyable nor movable: handles point to it.
class SegmentPool final : public SegmentRecycler {
 public:
  explicit SegmentPool(PoolOptions options = {});
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;
  // REQUIRES: no handle of this pool is alive. Checked: otherwise prints the rule and aborts.
  ~SegmentPool();

  // An empty segment (tag "", no elements). Throws PoolExhausted when the pool is bounded and
  // every segment is handed out; std::bad_alloc when growing fails. Strong guarantee: when it
  // throws, the pool is as it was.
  [[nodiscard]] PooledSegment acquire() { return PooledSegment(this, take(true)); }
  // Like acquire(), but an empty handle instead of PoolExhausted.
  [[nodiscard]] PooledSegment try_acquire() {
    Segment* segment = take(false);
    return segment != nullptr ? PooledSegment(this, segment) : PooledSegment();
  }

  [[nodiscard]] PoolStats stats() const;
  // Heap bytes held by the buffers of the idle segments: the memory the pool keeps for reuse.
  // Idle means every segment not handed out, including segments created (pre-allocated or
  // grown, with their reserve_* buffers) but never handed out yet.
  [[nodiscard]] std::size_t retained_bytes() const;
  // Frees the buffers of every idle segment, never handed out ones included (the segment
  // objects stay); returns the bytes freed.
  // The next acquisitions allocate again, as in a fresh pool.
  std::size_t trim();

 private:
  // A segment for a new handle, counted as handed out. The fast path is inline so that it
  // compiles into the caller's loop. At the bound: PoolExhausted when `throw_when_exhausted`,
  // else null.
  Segment* take(bool throw_when_exhausted) {
    if (idle_.empty()) [[unlikely]] return take_fresh(throw_when_exhausted);
    Segment* segment = idle_.back();  // released last: warm buffers, likely in cache
    idle_.pop_back();
    ++reused_;
    ++acquired_;
    ++outstanding_;
    return segment;
  }
  // The slow path of take(): a segment never used yet, growing the pool when there is none.
  Segment* take_fresh(bool throw_when_exhausted);
  // A handle's release: resets the segment and puts it on the idle list.
  void recycle(Segment* segment) noexcept override;
  // Adds a block of `count` new segments to fresh_ (fewer at the bound). False when the bound
  // leaves no room.
  bool grow(std::size_t count);

  PoolOptions options_;
  std::vector<std::unique_ptr<Segment[]>> blocks_;  // owns every segment
  std::vector<Segment*> idle_;   // released, buffers kept; the back is handed out next
  std::vector<Segment*> fresh_;  // created, never handed out yet
  std::size_t next_block_;       // size of the next growth block
  std::size_t created_ = 0;
  std::size_t acquired_ = 0;
  std::size_t reused_ = 0;
  std::size_t outstanding_ = 0;
};

}  // namespace EDI_IMPL
}  // namespace edi::pooling
