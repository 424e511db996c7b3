// Lesson 01: a thread-safe segment pool with per-thread caches, the C++ counterpart of Go's
// sync.Pool.
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
// long-lived pool serves. A thread_local guard does it, made on the thread's first cache: at
// thread exit it visits every pool the thread has a cache in. A pool destroyed first is skipped:
// each pool shares a small control block (`Core`) with the threads that used it, and a mutex in
// it orders the pool's destruction against the threads' exits. A thread keeps one entry (a
// pointer and a reference count) per pool it has used; the entries of destroyed pools are dropped
// when it makes its next cache, or at its exit. A segment released (or acquired) on a thread
// after its guard has run, from a thread_local destructor, goes straight to the shared list (or
// comes from it) under the lock.
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
  // Freed by retire() when the owner ends.
  struct Cache {
    std::thread::id owner;
    std::vector<Segment*> idle;
    std::atomic<std::uint64_t> acquired{0};
    std::atomic<std::uint64_t> reused{0};
    std::atomic<std::uint64_t> released{0};
  };

  // What the threads that used the pool share with it, and the thread_local guard that retires a
  // thread's caches when it ends (both in shared_segment_pool.cpp).
  struct Core;
  class ThreadCaches;

  // Acquisitions and releases counted outside any cache: of the caches retired, and of the calls
  // made on a thread whose cache is gone (or could not be made).
  struct Counts {
    std::uint64_t acquired = 0;
    std::uint64_t reused = 0;
    std::uint64_t released = 0;
  };

  void recycle(Segment* segment) noexcept override;
  // The calling thread's cache, created on its first use; null on a thread that is ending (its
  // guard has run). Throws std::bad_alloc when the cache cannot be made.
  Cache* local_cache();
  // acquire() without a cache, under the lock: from the shared list, else a new segment.
  Segment* acquire_uncached();
  // Moves what `cache` holds to the shared list and the totals, and frees it. Called by its
  // owner's guard at thread exit. REQUIRES: the core's mutex held (so the pool is alive).
  void retire(Cache* cache) noexcept;
  // The slow path of acquire(), under the lock: a batch from the shared list into `cache` and one
  // of it, else a new segment.
  Segment* take_from_shared_or_create(Cache& cache);
  // Moves the older half of a full cache to the shared list.
  void spill(Cache& cache) noexcept;
  // The calling thread's cache, or null when it does not exist and cannot be created.
  Cache* local_cache_nothrow() noexcept;

  const std::uint64_t id_;  // unique for the life of the program: keys the thread-local lookup
  const SharedPoolOptions options_;
  const std::shared_ptr<Core> core_;  // shared with every thread that has a cache here

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Segment>> segments_;  // GUARDED_BY(mutex_): owns every segment
  std::vector<Segment*> shared_idle_;               // GUARDED_BY(mutex_)
  std::vector<std::unique_ptr<Cache>> caches_;      // GUARDED_BY(mutex_): one per running thread
  Counts uncached_;                                 // GUARDED_BY(mutex_)

  // The calling thread's last cache, and the id of its pool: the fast path of local_cache().
  // Pool ids are never reused, so what a destroyed pool left here never matches again.
  static thread_local std::uint64_t last_pool;
  static thread_local Cache* last_cache;
};

}  // namespace EDI_IMPL
}  // namespace edi::pooling
