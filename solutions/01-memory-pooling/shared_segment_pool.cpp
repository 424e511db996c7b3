#include "shared_segment_pool.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <utility>

namespace edi::pooling {
inline namespace EDI_IMPL {
namespace {

std::atomic<std::uint64_t> g_next_pool_id{1};

// The counters of a cache have one writer, its owner thread: a load and a store are enough (no
// read-modify-write instruction), and stats() on another thread still reads them without a race.
void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// Gives a segment's buffers back to the heap. Not `*segment = Segment()`: libstdc++'s
// std::string move assignment from a short (in-place) string copies the characters into the heap
// buffer it already has and keeps it, so the values buffer would stay. Destroying the segment and
// making a new one in its place frees everything.
void free_buffers(Segment* segment) noexcept {
  std::destroy_at(segment);
  std::construct_at(segment);
}

void reserve_at_least(std::vector<Segment*>& list, std::size_t n) {
  if (list.capacity() < n) list.reserve(std::max(n, 2 * list.capacity()));
}

// Set on a thread once its guard has run (thread exit): from then on it uses no cache. A plain
// bool, which stays readable for the rest of the thread's exit.
thread_local bool t_caches_retired = false;

}  // namespace

// Outlives the pool for as long as a thread that used it does: such a thread's guard finds here
// whether the pool still exists, and keeps it from being destroyed while it retires its cache.
struct SharedSegmentPool::Core {
  std::mutex mutex;                  // lock order: this one, then the pool's mutex_
  SharedSegmentPool* pool = nullptr;  // GUARDED_BY(mutex): null once the pool is being destroyed
  std::atomic<bool> alive{true};     // false from then on too: read without the lock, to prune
};

// The caches of one thread, in every pool it has used; thread_local. Its destructor runs at
// thread exit and retires each cache whose pool still exists. Touched by its own thread only.
class SharedSegmentPool::ThreadCaches {
 public:
  ThreadCaches() = default;
  ThreadCaches(const ThreadCaches&) = delete;
  ThreadCaches& operator=(const ThreadCaches&) = delete;
  ~ThreadCaches() {
    t_caches_retired = true;  // a release from a later thread_local destructor: no cache
    last_pool = 0;
    last_cache = nullptr;
    for (const Entry& entry : entries_) {
      const std::lock_guard lock(entry.core->mutex);
      if (entry.core->pool != nullptr) entry.core->pool->retire(entry.cache);
    }
  }

  // The calling thread's guard, made on first use; null once it has run (the thread is ending).
  static ThreadCaches* mine() {
    if (t_caches_retired) return nullptr;
    thread_local ThreadCaches caches;
    return &caches;
  }

  // Room for one more entry (may throw std::bad_alloc), after dropping those of destroyed pools.
  void reserve_one() {
    std::erase_if(entries_, [](const Entry& e) { return !e.core->alive.load(std::memory_order_relaxed); });
    if (entries_.size() == entries_.capacity()) entries_.reserve(std::max<std::size_t>(4, 2 * entries_.size()));
  }
  // REQUIRES: reserve_one() since the last add().
  void add(std::shared_ptr<Core> core, Cache* cache) noexcept { entries_.push_back({std::move(core), cache}); }

 private:
  struct Entry {
    std::shared_ptr<Core> core;
    Cache* cache;
  };
  std::vector<Entry> entries_;
};

thread_local std::uint64_t SharedSegmentPool::last_pool = 0;
thread_local SharedSegmentPool::Cache* SharedSegmentPool::last_cache = nullptr;

SharedSegmentPool::SharedSegmentPool(SharedPoolOptions options)
    : id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      options_{.cache_capacity = std::max<std::size_t>(1, options.cache_capacity)},
      core_(std::make_shared<Core>()) {
  core_->pool = this;  // no thread knows the core yet: no lock needed
}

SharedSegmentPool::~SharedSegmentPool() {
  {
    // From here on, a thread that ends leaves this pool alone; one ending right now has finished.
    const std::lock_guard lock(core_->mutex);
    core_->pool = nullptr;
    core_->alive.store(false, std::memory_order_relaxed);
  }
  std::uint64_t acquired = uncached_.acquired;
  std::uint64_t released = uncached_.released;
  for (const auto& cache : caches_) {
    acquired += cache->acquired.load(std::memory_order_relaxed);
    released += cache->released.load(std::memory_order_relaxed);
  }
  if (acquired != released) {
    std::fprintf(stderr,
                 "edi::pooling::SharedSegmentPool destroyed with %llu segment(s) still handed out: every "
                 "PooledSegment must be destroyed before its pool\n",
                 static_cast<unsigned long long>(acquired - released));
    std::abort();
  }
}

SharedSegmentPool::Cache* SharedSegmentPool::local_cache() {
  // Each thread remembers the cache it used last and of which pool.
  if (last_pool == id_) return last_cache;

  ThreadCaches* const guard = ThreadCaches::mine();
  if (guard == nullptr) return nullptr;  // the thread is ending: its caches are gone
  // Only running threads have a cache here (an ended one's was retired), so a match is ours.
  const std::thread::id me = std::this_thread::get_id();
  std::lock_guard lock(mutex_);
  Cache* cache = nullptr;
  for (const auto& c : caches_) {
    if (c->owner == me) cache = c.get();
  }
  if (cache == nullptr) {
    guard->reserve_one();  // everything that may throw comes before the first change
    auto fresh = std::make_unique<Cache>();
    fresh->owner = me;
    fresh->idle.reserve(options_.cache_capacity);  // recycle() never grows it past this
    caches_.push_back(std::move(fresh));
    cache = caches_.back().get();
    guard->add(core_, cache);
  }
  last_pool = id_;
  last_cache = cache;
  return cache;
}

SharedSegmentPool::Cache* SharedSegmentPool::local_cache_nothrow() noexcept {
  try {
    return local_cache();
  } catch (const std::bad_alloc&) {
    return nullptr;  // the caller has a way that needs no memory
  }
}

void SharedSegmentPool::retire(Cache* cache) noexcept {
  std::lock_guard lock(mutex_);
  // The shared list has room for every segment: this allocates nothing.
  shared_idle_.insert(shared_idle_.end(), cache->idle.begin(), cache->idle.end());
  uncached_.acquired += cache->acquired.load(std::memory_order_relaxed);
  uncached_.reused += cache->reused.load(std::memory_order_relaxed);
  uncached_.released += cache->released.load(std::memory_order_relaxed);
  const auto it = std::find_if(caches_.begin(), caches_.end(), [cache](const auto& c) { return c.get() == cache; });
  if (it != caches_.end()) {
    std::swap(*it, caches_.back());
    caches_.pop_back();  // frees the cache
  }
}

Segment* SharedSegmentPool::acquire_uncached() {
  std::lock_guard lock(mutex_);
  Segment* segment = nullptr;
  if (shared_idle_.empty()) {
    auto fresh = std::make_unique<Segment>();
    reserve_at_least(shared_idle_, segments_.size() + 1);
    segments_.push_back(std::move(fresh));
    segment = segments_.back().get();
  } else {
    segment = shared_idle_.back();
    shared_idle_.pop_back();
    ++uncached_.reused;
  }
  ++uncached_.acquired;
  return segment;
}

PooledSegment SharedSegmentPool::acquire() {
  Cache* const mine = local_cache();
  if (mine == nullptr) return PooledSegment(this, acquire_uncached());  // from a thread_local destructor
  Cache& cache = *mine;
  Segment* segment = nullptr;
  if (!cache.idle.empty()) {  // the fast path: no lock
    segment = cache.idle.back();
    cache.idle.pop_back();
    bump(cache.reused);
  } else {
    segment = take_from_shared_or_create(cache);
  }
  bump(cache.acquired);
  return PooledSegment(this, segment);
}

Segment* SharedSegmentPool::take_from_shared_or_create(Cache& cache) {
  std::lock_guard lock(mutex_);
  if (!shared_idle_.empty()) {
    // Half a cache at once, so the next acquisitions on this thread take no lock.
    const std::size_t n = std::min(shared_idle_.size(), std::max<std::size_t>(1, options_.cache_capacity / 2));
    cache.idle.insert(cache.idle.end(), shared_idle_.end() - static_cast<std::ptrdiff_t>(n), shared_idle_.end());
    shared_idle_.resize(shared_idle_.size() - n);
    Segment* segment = cache.idle.back();
    cache.idle.pop_back();
    bump(cache.reused);
    return segment;
  }
  auto segment = std::make_unique<Segment>();
  // Room in the shared list for every segment, so that spill() and recycle() never allocate.
  reserve_at_least(shared_idle_, segments_.size() + 1);
  segments_.push_back(std::move(segment));
  return segments_.back().get();
}

void SharedSegmentPool::spill(Cache& cache) noexcept {
  // The older half goes: the newer segments were used last and are the likeliest in this core's
  // cache.
  const std::size_t n = std::max<std::size_t>(1, cache.idle.size() / 2);
  std::lock_guard lock(mutex_);
  shared_idle_.insert(shared_idle_.end(), cache.idle.begin(), cache.idle.begin() + static_cast<std::ptrdiff_t>(n));
  cache.idle.erase(cache.idle.begin(), cache.idle.begin() + static_cast<std::ptrdiff_t>(n));
}

void SharedSegmentPool::recycle(Segment* segment) noexcept {
  segment->clear();  // no stale values, capacity kept
  Cache* cache = local_cache_nothrow();
  if (cache == nullptr) {
    // This thread has no cache (it is ending, or there is no memory for one): straight to the
    // shared list, which has room for every segment.
    std::lock_guard lock(mutex_);
    shared_idle_.push_back(segment);
    ++uncached_.released;
    return;
  }
  if (cache->idle.size() >= options_.cache_capacity) spill(*cache);
  cache->idle.push_back(segment);
  bump(cache->released);
}

PoolStats SharedSegmentPool::stats() const {
  std::lock_guard lock(mutex_);
  std::uint64_t acquired = uncached_.acquired;
  std::uint64_t reused = uncached_.reused;
  std::uint64_t released = uncached_.released;
  for (const auto& cache : caches_) {
    acquired += cache->acquired.load(std::memory_order_relaxed);
    reused += cache->reused.load(std::memory_order_relaxed);
    released += cache->released.load(std::memory_order_relaxed);
  }
  PoolStats stats;
  stats.created = segments_.size();
  stats.acquired = acquired;
  stats.reused = reused;
  // While other threads run, a release may be counted before the acquisition it ends: clamp.
  stats.outstanding = acquired > released ? acquired - released : 0;
  stats.idle = stats.created > stats.outstanding ? stats.created - stats.outstanding : 0;
  return stats;
}

std::size_t SharedSegmentPool::trim() {
  std::size_t bytes = 0;
  const auto trim_one = [&bytes](Segment* s) {
    bytes += s->capacity_bytes();
    free_buffers(s);
  };
  if (Cache* mine = local_cache()) {
    for (Segment* s : mine->idle) trim_one(s);
  }
  std::lock_guard lock(mutex_);
  for (Segment* s : shared_idle_) trim_one(s);
  return bytes;
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
