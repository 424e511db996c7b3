// Lesson 01: a thread-safe segment pool with per-thread caches, the C++ counterpart of Go's
// sync.Pool.
//
// EXERCISE. Write the member functions in shared_segment_pool.cpp (FIXME marks each one). The
// public API below is fixed; the private members are a suggested start: change them as you like.
//
//   edi::pooling::SharedSegmentPool pool({.cache_capacity = 64});
//   // on any thread, concurrently:
//   edi::pooling::PooledSegment seg = pool.acquire();
//   edi::parse_segment(raw, *seg);
//   queue.push(std::move(seg));   // another thread may release it: it goes to *that* thread's cache
//
// How it works. Every thread that uses the pool gets a cache of its own: a short list of idle
// segments that only that thread touches, so the common acquire and release take no lock. A
// thread whose cache is empty takes a batch from the shared list (one lock for half a cache), or
// creates a segment; a thread whose cache is full moves half of it to the shared list. Go's
// sync.Pool keeps one such cache per P (processor) and needs no lock for it because a goroutine
// is pinned to its P while it runs; C++ threads are not pinned, so the caches are per thread.
//
// Cross-thread release. A segment released on thread B goes to B's cache, wherever it was
// acquired: memory follows the releasing thread. In a pipeline where one thread acquires and
// another releases, the consumer's cache overflows into the shared list and the producer refills
// from it, one lock per half cache. That is correct and cheap, but it is not free: see the lesson.
//
// What the pool keeps. Segments are never freed before the pool is destroyed; idle segments keep
// their buffers' capacity. trim() frees the buffers of the idle segments it can reach: the shared
// list and the calling thread's cache.
//
// Threads that come and go. A cache lives as long as its thread: when a thread ends, its idle
// segments go to the shared list (where other threads find them) and its cache is freed, so the
// pool holds one cache per *running* thread that used it, however many short-lived threads a
// long-lived pool serves. Both orders must work: a pool destroyed before a thread that used it
// ends (the thread then leaves it alone), and a thread that ends first. A segment released (or
// acquired) on a thread after its caches were retired, from a thread_local destructor, goes
// straight to the shared list (or comes from it). (One way: a thread_local guard with a
// destructor, made on a thread's first cache, and a small block shared between the pool and
// those guards, with a mutex that orders the pool's destruction against the threads' exits.)
//
// Thread-safe: acquire(), stats(), trim() and the release of any of its handles may run
// concurrently on any threads. A handle itself is thread-compatible: hand it from one thread to
// another through something that synchronizes (a queue, a join, a barrier).
// REQUIRES: the pool outlives its handles, and no thread uses the pool while it is destroyed
// (a thread that used it may end at any time, before, during or after the destruction).
// Checked: destroying it with handles still out prints the rule and aborts.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "edi/segment.hpp"
#include "segment_pool.hpp"

namespace edi::pooling {
inline namespace EDI_IMPL {

struct SharedPoolOptions {
  // Idle segments a thread keeps for itself before it moves half of them to the shared list.
  // REQUIRES: >= 1.
  std::size_t cache_capacity = 64;
};

class SharedSegmentPool final : public SegmentRecycler {
 public:
  explicit SharedSegmentPool(SharedPoolOptions options = {});
  SharedSegmentPool(const SharedSegmentPool&) = delete;
  SharedSegmentPool& operator=(const SharedSegmentPool&) = delete;
  // REQUIRES: no handle alive and no other thread using the pool. Checked: handles still out
  // print the rule and abort.
  ~SharedSegmentPool();

  // An empty segment: from this thread's cache, else a batch from the shared list, else a new
  // one. The first call on a thread creates that thread's cache (a few allocations, one lock).
  // Throws std::bad_alloc when a new segment or cache cannot be made (strong guarantee).
  [[nodiscard]] PooledSegment acquire();

  // Totals over all threads: exact when no thread is acquiring or releasing (after joining the
  // workers); while they run, approximate (the per-thread counters are read one at a time).
  // Every hand-out is either a new segment or a reused one: acquired == created + reused.
  [[nodiscard]] PoolStats stats() const;

  // Frees the buffers of the idle segments in the shared list and in the calling thread's cache;
  // returns the bytes freed. Other threads' caches are theirs alone and are not touched.
  std::size_t trim();

 private:
  // A thread's cache. `idle` is touched only by the thread that owns the cache (and by the pool's
  // destructor); the counters are atomics written by the owner alone, so stats() may read them.
  struct Cache {
    std::thread::id owner;
    std::vector<Segment*> idle;
    std::atomic<std::uint64_t> acquired{0};
    std::atomic<std::uint64_t> reused{0};
    std::atomic<std::uint64_t> released{0};
  };

  // A handle's release, on whatever thread the handle is destroyed. Must not throw.
  void recycle(Segment* segment) noexcept override;

  // FIXME: add the helpers you need (the calling thread's cache, refilling it from the shared
  // list, moving half of a full cache to the shared list...).

  const std::uint64_t id_;  // unique for the life of the program: keys the thread-local lookup
  const SharedPoolOptions options_;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Segment>> segments_;  // GUARDED_BY(mutex_): owns every segment
  std::vector<Segment*> shared_idle_;               // GUARDED_BY(mutex_)
  std::vector<std::unique_ptr<Cache>> caches_;      // GUARDED_BY(mutex_): one per thread seen
  std::uint64_t uncached_releases_ = 0;             // GUARDED_BY(mutex_): see recycle()
};

}  // namespace EDI_IMPL
}  // namespace edi::pooling
