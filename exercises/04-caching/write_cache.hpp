// Lesson 04, exercise 3: caches that write: write-through and write-behind, over a StatusStore.
// `make check LESSON=04` grades them (suites WriteThrough, WriteBehind, Durability, Concurrency),
// `make hint LESSON=04` helps. Both build on your LruCache (exercise 1).
//
//   edi::caching::SqliteStore db("build/lesson04.db");
//
//   edi::caching::WriteThroughCache through(db, 4096);
//   through.put(key, {"received", now});   // in the database when put() returns
//   through.get(key);                      // from the cache; a miss reads the database
//
//   edi::caching::WriteBehindCache behind(db, {.batch_size = 256});
//   behind.put(key, {"received", now});    // acknowledged: readable now, written later in a batch
//   behind.put(key, {"validated", now});   // coalesced: one row written, not two
//   behind.flush();                        // every acknowledged write is in the database
//
// Write-through pays one store write (one SQLite transaction) per put and never holds data the
// store does not have. Write-behind acknowledges a put at memory speed and writes batches, one
// transaction each, when a trigger fires: `batch_size` keys are dirty (size) or the oldest dirty
// write is `max_delay` old (time). Until then the data lives only in the cache, so the cache
// owes the store every acknowledged write: nothing acknowledged is lost, not when the store
// fails (the batch stays dirty and the error surfaces), not at shutdown.
//
// Both are thread-safe: any number of threads may call any member at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cache_common.hpp"
#include "lru_cache.hpp"
#include "store.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

// Writes go to the store first and to the cache once the store took them; reads come from the
// cache and, on a miss, from the store (read-through), caching what they load.
//
// Puts are serialised (one store write at a time), so the store and the cache see them in the
// same order. Gets do not wait for a put's store write: a get takes the cache's lock only.
// Not copyable, not movable. REQUIRES: `store` outlives the cache.
class WriteThroughCache {
 public:
  // REQUIRES: capacity >= 1 (throws std::invalid_argument).
  WriteThroughCache(StatusStore& store, std::size_t capacity);
  WriteThroughCache(const WriteThroughCache&) = delete;
  WriteThroughCache& operator=(const WriteThroughCache&) = delete;

  // Writes `status` to the store (a batch of one), then caches it. When the store throws
  // (StoreError, or whatever another store throws) the put did not happen: the error
  // propagates and the cache is unchanged.
  void put(const std::string& key, const MessageStatus& status);

  // The cached status (a hit), else the store's (a miss; cached unless a put or invalidate ran
  // meanwhile, which may have made the loaded value stale). Throws StoreError from the store.
  // A miss loads exactly once: when a put or invalidate overtook the load, get() still returns
  // what it loaded, without caching it, and does not load again.
  [[nodiscard]] std::optional<MessageStatus> get(const std::string& key);

  // Drops the cached copy of `key` (the store was changed behind the cache's back); true when
  // one was cached.
  bool invalidate(const std::string& key);

  // Hits and misses of get(), evictions of the cache.
  CacheStats stats() const;

 private:
  StatusStore& store_;
  std::size_t capacity_;
  // FIXME: your members: an LruCache<std::string, MessageStatus> and the locks that guard it.
};

struct WriteBehindOptions {
  std::size_t capacity = 4096;    // entries of the read cache (an LruCache)
  std::size_t batch_size = 256;   // size trigger: a flush is due when this many keys are dirty
  Duration max_delay = std::chrono::milliseconds(50);  // time trigger: ... when the oldest dirty
                                                       // write is this old (by the cache's clock)
  std::size_t max_dirty = 16384;  // backpressure: a put of a key that is not dirty, finding this
                                  // many dirty keys, first flushes (see put())
  bool background = true;         // a flusher thread writes when a trigger fires; false: nothing
                                  // is written until the owner calls flush_if_due() or flush()
  // The last resort of the destructor: when its final flush fails, the writes it could not
  // write are handed over here (to a dead-letter file, a log...). Empty: they are reported on
  // stderr, with the error. REQUIRES: does not throw.
  std::function<void(std::vector<StatusWrite>)> on_unwritten;
};

struct WriteBehindStats {
  std::uint64_t writes = 0;          // puts acknowledged
  std::uint64_t coalesced = 0;       // puts that replaced a dirty value of the same key
  std::uint64_t batches = 0;         // batches the store took
  std::uint64_t written = 0;         // entries in those batches
  std::uint64_t failed_batches = 0;  // batches the store refused (their entries stayed dirty)
  std::string last_error;            // what the store said the last time it refused one
};

// Acknowledges writes at memory speed and writes them to the store in batches.
//
// - put(): the write is acknowledged when put() returns: get() returns it at once, and it is
//   in the store after the next successful flush. A key written again before its flush is
//   coalesced: the store gets only the newest value.
// - A flush takes every dirty key and hands them to StatusStore::write() as one batch, one
//   flush at a time (two store writes never overlap). Nothing dirty: the store is not called.
//   While a batch is in flight its values stay readable; keys written again meanwhile are dirty
//   again, for the next batch, whether the batch succeeds or fails.
// - If the store throws, whatever it throws (a StoreError, another std::exception, or a type
//   that is not a std::exception at all), the batch's entries become dirty again (a newer value
//   of a key written meanwhile wins), failed_batches counts it, and the error surfaces: flush()
//   and flush_if_due() rethrow it unchanged; the flusher thread records it in
//   stats().last_error (its what(), or a fixed text for a type that has none) and keeps
//   running. After a
//   failure (of any flush: flush(), a trigger, the flusher, backpressure) neither trigger fires
//   again before max_delay has passed since that failure, by the cache's clock (no hammering of
//   a store that is down: each failure restarts the wait); flush() always tries. Whether a
//   successful flush() during that wait ends it early is left to the implementation (the
//   reference does not: the triggers stay quiet until max_delay after the failure); no grader
//   depends on it.
// - The flusher thread (options.background) is woken by the put() that fires the size trigger,
//   and wakes at least every max_delay / 4 of real time (1 ms at least) to check the time
//   trigger by the cache's clock.
// - The destructor stops the flusher (waking it at once if it waits), then flushes; if that
//   fails (whatever the store throws) it hands the unwritten writes to options.on_unwritten.
//   Call flush() first to handle the error yourself.
//
// Not copyable, not movable. REQUIRES: `store` outlives the cache; `now` may be called from
// the flusher thread.
class WriteBehindCache {
 public:
  // REQUIRES: capacity, batch_size >= 1; max_dirty >= batch_size; max_delay > 0 (throws
  // std::invalid_argument otherwise).
  explicit WriteBehindCache(StatusStore& store, WriteBehindOptions options = {}, NowFunction now = steady_now());
  ~WriteBehindCache();
  WriteBehindCache(const WriteBehindCache&) = delete;
  WriteBehindCache& operator=(const WriteBehindCache&) = delete;

  // Acknowledges the write (see above). Backpressure: when the key is not dirty and max_dirty
  // keys are, put() first flushes, in the caller's thread; if that flush throws (the store's
  // error), put() rethrows it and the write is NOT acknowledged.
  void put(const std::string& key, const MessageStatus& status);

  // The newest acknowledged value of `key`: dirty or in flight, else cached (hits), else the
  // store's (a miss, cached unless a put ran meanwhile). Throws StoreError from the store.
  // Only a miss reads the store, exactly once (as WriteThroughCache::get()).
  [[nodiscard]] std::optional<MessageStatus> get(const std::string& key);

  // Writes every write acknowledged before the call, waiting for a batch in flight first.
  // Throws what the store threw (StoreError from this lesson's stores) when it refuses the
  // batch; the entries stay dirty.
  void flush();

  // Flushes if the size or the time trigger has fired; true when a batch was written. Throws
  // like flush().
  bool flush_if_due();

  // Entries not yet known to be in the store: dirty plus in flight (a key written again while
  // its batch is in flight counts twice).
  std::size_t dirty() const;

  WriteBehindStats stats() const;
  // Reads: hits (dirty, in flight or cached) and misses (read from the store); cache evictions.
  CacheStats cache_stats() const;

 private:
  StatusStore& store_;
  const WriteBehindOptions options_;
  const NowFunction now_;
  // FIXME: your members: the read cache, the dirty entries and the batch in flight, the locks,
  // the condition variable the flusher waits on, the statistics, and the flusher thread
  // (a std::jthread, declared last so that it stops before the members it uses are destroyed).
};

}  // namespace EDI_IMPL
}  // namespace edi::caching
