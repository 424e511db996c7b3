#include "write_cache.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>

namespace edi::caching {
inline namespace EDI_IMPL {

// --- WriteThroughCache ------------------------------------------------------------------------

WriteThroughCache::WriteThroughCache(StatusStore& store, std::size_t capacity) : store_(store), cache_(capacity) {}

void WriteThroughCache::put(const std::string& key, const MessageStatus& status) {
  // Serialised: two puts of one key reach the store and the cache in the same order.
  std::lock_guard write_lock(write_mutex_);
  const StatusWrite write{key, status};
  store_.write(std::span(&write, 1));  // throws: nothing was cached
  std::lock_guard lock(mutex_);
  cache_.put(key, status);
  ++generation_;
}

std::optional<MessageStatus> WriteThroughCache::get(const std::string& key) {
  std::uint64_t seen = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto hit = cache_.get(key)) return hit;
    seen = generation_;
  }
  // Outside the lock: a slow store read does not hold up the hits of other threads.
  std::optional<MessageStatus> loaded = store_.load(key);
  if (loaded) {
    std::lock_guard lock(mutex_);
    // A put or invalidate since the miss may have made `loaded` stale: then do not cache it.
    if (generation_ == seen) cache_.put(key, *loaded);
  }
  return loaded;
}

bool WriteThroughCache::invalidate(const std::string& key) {
  std::lock_guard lock(mutex_);
  ++generation_;
  return cache_.erase(key);
}

CacheStats WriteThroughCache::stats() const {
  std::lock_guard lock(mutex_);
  return cache_.stats();
}

// --- WriteBehindCache -------------------------------------------------------------------------

namespace {

const WriteBehindOptions& checked(const WriteBehindOptions& options) {
  if (options.capacity == 0) throw std::invalid_argument("WriteBehindCache: the capacity must be at least 1");
  if (options.batch_size == 0) throw std::invalid_argument("WriteBehindCache: the batch size must be at least 1");
  if (options.max_dirty < options.batch_size) {
    throw std::invalid_argument("WriteBehindCache: max_dirty must be at least the batch size");
  }
  if (options.max_delay <= Duration::zero()) throw std::invalid_argument("WriteBehindCache: max_delay must be positive");
  return options;
}

// What the exception being handled says, for stats().last_error and the shutdown report. Any
// type may come out of a StatusStore, not only a std::exception. Call it inside a catch block.
std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& error) {
    return error.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

WriteBehindCache::WriteBehindCache(StatusStore& store, WriteBehindOptions options, NowFunction now)
    : store_(store), options_(checked(options)), now_(std::move(now)), cache_(options_.capacity) {
  if (!now_) throw std::invalid_argument("WriteBehindCache: the clock is empty");
  if (options_.background) {
    flusher_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
}

WriteBehindCache::~WriteBehindCache() {
  if (flusher_.joinable()) {
    flusher_.request_stop();  // wakes the flusher: condition_variable_any waits on the stop token
    flusher_.join();
  }
  try {
    flush();
  } catch (...) {  // whatever the store threw: a destructor must not let it out
    const std::string error = describe_current_exception();
    std::vector<StatusWrite> unwritten;
    {
      std::lock_guard lock(mutex_);
      unwritten.reserve(dirty_.size());
      for (auto& [key, status] : dirty_) unwritten.push_back(StatusWrite{key, std::move(status)});
      dirty_.clear();
    }
    if (options_.on_unwritten) {
      options_.on_unwritten(std::move(unwritten));
    } else {
      std::cerr << "WriteBehindCache: the store failed at shutdown (" << error << "); " << unwritten.size()
                << " acknowledged writes were not written\n";
    }
  }
}

void WriteBehindCache::put(const std::string& key, const MessageStatus& status) {
  bool wake = false;
  {
    std::unique_lock lock(mutex_);
    if (dirty_.size() >= options_.max_dirty && !dirty_.contains(key)) {
      // Backpressure: the store is slow or down. Flush in this thread; if that throws, the
      // write is refused (not acknowledged) instead of growing the buffer without bound.
      lock.unlock();
      flush();
      lock.lock();
    }
    if (dirty_.empty()) oldest_dirty_ = now_();
    const auto [it, inserted] = dirty_.insert_or_assign(key, status);
    if (!inserted) ++stats_.coalesced;
    cache_.put(key, status);
    ++stats_.writes;
    ++generation_;
    wake = options_.background && dirty_.size() >= options_.batch_size;
  }
  if (wake) wake_.notify_one();  // after unlocking: the flusher can take the lock at once
}

std::optional<MessageStatus> WriteBehindCache::get(const std::string& key) {
  std::uint64_t seen = 0;
  {
    std::lock_guard lock(mutex_);
    // Newest first: dirty, then in flight (not in the store yet: the cache may have evicted it),
    // then the cache.
    if (const auto it = dirty_.find(key); it != dirty_.end()) {
      ++hits_;
      return it->second;
    }
    if (const auto it = in_flight_.find(key); it != in_flight_.end()) {
      ++hits_;
      return it->second;
    }
    if (auto hit = cache_.get(key)) {
      ++hits_;
      return hit;
    }
    ++misses_;
    seen = generation_;
  }
  std::optional<MessageStatus> loaded = store_.load(key);
  if (loaded) {
    std::lock_guard lock(mutex_);
    if (generation_ == seen) cache_.put(key, *loaded);
  }
  return loaded;
}

void WriteBehindCache::flush() {
  std::lock_guard flush_lock(flush_mutex_);  // waits for a batch in flight to finish
  write_batch();
}

bool WriteBehindCache::flush_if_due() {
  std::lock_guard flush_lock(flush_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (!due(now_())) return false;
  }
  return write_batch();
}

bool WriteBehindCache::due(TimePoint now) const {
  if (dirty_.empty() || now < retry_at_) return false;
  return dirty_.size() >= options_.batch_size || now - oldest_dirty_ >= options_.max_delay;
}

bool WriteBehindCache::write_batch() {
  std::vector<StatusWrite> batch;
  TimePoint oldest;
  {
    std::lock_guard lock(mutex_);
    if (dirty_.empty()) return false;
    batch.reserve(dirty_.size());  // the copies may throw (std::bad_alloc): nothing has changed yet
    for (const auto& [key, status] : dirty_) batch.push_back(StatusWrite{key, status});
    in_flight_.swap(dirty_);  // dirty_ is now empty: later puts start the next batch
    oldest = oldest_dirty_;
  }
  try {
    store_.write(batch);
  } catch (...) {  // whatever the store threw: the batch is owed to the store either way
    std::lock_guard lock(mutex_);
    // Back into dirty_, except where a newer put of the same key is already there.
    for (auto& [key, status] : in_flight_) dirty_.try_emplace(key, std::move(status));
    in_flight_.clear();
    oldest_dirty_ = oldest;  // older than anything put meanwhile
    retry_at_ = now_() + options_.max_delay;
    ++stats_.failed_batches;
    stats_.last_error = describe_current_exception();
    throw;
  }
  std::lock_guard lock(mutex_);
  in_flight_.clear();
  ++stats_.batches;
  stats_.written += batch.size();
  return true;
}

void WriteBehindCache::run(std::stop_token stop) {
  const Duration poll = std::max<Duration>(options_.max_delay / 4, std::chrono::milliseconds(1));
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      // Returns early when the size trigger notifies us or the stop token fires.
      wake_.wait_for(lock, stop, poll, [&] { return due(now_()); });
      if (stop.stop_requested() || !due(now_())) continue;
    }
    try {
      flush_if_due();
    } catch (...) {
      // Whatever the type: an exception that left this thread's function would end the program.
      // A store's failure is counted in stats_.failed_batches with its message in
      // stats_.last_error; the entries are dirty again and the next trigger after max_delay
      // retries them.
    }
  }
}

std::size_t WriteBehindCache::dirty() const {
  std::lock_guard lock(mutex_);
  return dirty_.size() + in_flight_.size();
}

WriteBehindStats WriteBehindCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

CacheStats WriteBehindCache::cache_stats() const {
  std::lock_guard lock(mutex_);
  return CacheStats{hits_, misses_, cache_.stats().evictions, 0};
}

}  // namespace EDI_IMPL
}  // namespace edi::caching
