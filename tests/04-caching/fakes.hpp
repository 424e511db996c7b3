// Test doubles of lesson 04: a clock the test moves by hand and a store that fails, and holds a
// write in flight, on command. They make time and failure deterministic: no test sleeps.
//
//   FakeClock clock;                             // starts at an arbitrary fixed instant
//   TtlCache<int, int> cache(8, 10s, clock.now_function());
//   clock.advance(10s);
//
//   FakeStore store;
//   store.fail_writes(true);                     // every write() throws StoreError, writes nothing
//   store.fail_with_foreign_errors(true);        // ... throws ForeignStoreError instead (below)
//   store.hold_writes();                         // write() waits inside until release_writes()
//   store.hold_loads();                          // load() waits inside until release_loads()
//
// The caches promise one store write at a time (WriteThroughCache serialises its puts,
// WriteBehindCache its flushes). FakeStore::write() checks it the way ThreadSanitizer can see:
// it bumps a plain counter before taking its own lock, so two write() calls that the cache did
// not order (a put without its write mutex, a flush without the flush mutex) are a data race
// that TSan reports on every run, whatever the timing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cache_common.hpp"
#include "store.hpp"

namespace edi::caching::test {

// What a store outside this lesson may throw: a client library's own error type that does not
// derive from std::exception. A cache that catches only std::exception lets it through.
struct ForeignStoreError {
  const char* reason = "FakeStore: write refused with a type that is not a std::exception";
};

// A steady clock that only moves when told. Thread-safe (a flusher thread may read it).
class FakeClock {
 public:
  TimePoint now() const noexcept { return TimePoint(Duration(ticks_.load(std::memory_order_acquire))); }
  void advance(Duration d) noexcept { ticks_.fetch_add(d.count(), std::memory_order_acq_rel); }
  NowFunction now_function() {
    return [this] { return now(); };
  }

 private:
  std::atomic<Duration::rep> ticks_{Duration(std::chrono::hours(1000)).count()};
};

// An in-memory StatusStore that records every batch and fails on command. Thread-safe.
class FakeStore final : public StatusStore {
 public:
  std::optional<MessageStatus> load(const std::string& key) override {
    std::unique_lock lock(mutex_);
    ++loads_;
    std::optional<MessageStatus> row;
    if (const auto it = rows_.find(key); it != rows_.end()) row = it->second;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !loads_held_; });  // the row read above may be stale now
    return row;
  }

  void write(std::span<const StatusWrite> batch) override {
    ++unordered_writes_;  // deliberately unlocked: see the top of this file
    std::unique_lock lock(mutex_);
    ++writes_entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_; });
    bool fail = failing_;
    if (fail_every_ > 0 && ++write_calls_ % fail_every_ == 0) fail = true;
    if (fail_next_ > 0) {
      --fail_next_;
      fail = true;
    }
    if (fail) {
      ++failed_;
      changed_.notify_all();
      if (foreign_) throw ForeignStoreError{};
      throw StoreError("FakeStore: write refused on purpose");
    }
    if (batch.empty()) return;
    for (const StatusWrite& w : batch) rows_.insert_or_assign(w.key, w.status);
    batches_.emplace_back(batch.begin(), batch.end());
    changed_.notify_all();
  }

  // --- failure on command ---
  void fail_writes(bool on) {
    std::lock_guard lock(mutex_);
    failing_ = on;
  }
  void fail_next_writes(int n) {
    std::lock_guard lock(mutex_);
    fail_next_ = n;
  }
  // On: a refused write throws ForeignStoreError instead of StoreError.
  void fail_with_foreign_errors(bool on) {
    std::lock_guard lock(mutex_);
    foreign_ = on;
  }
  void fail_every_nth_write(int n) {  // 0: off
    std::lock_guard lock(mutex_);
    fail_every_ = n;
    write_calls_ = 0;
  }

  // --- a write held in flight ---
  // While held, write() counts itself as entered, then waits until release_writes().
  void hold_writes() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release_writes() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  // --- a load held in progress ---
  // While held, load() counts itself (loads()) and reads the row, then waits until
  // release_loads() before returning it: a test changes the row or the cache between a
  // cache's miss and the moment its (now stale) load returns.
  void hold_loads() {
    std::lock_guard lock(mutex_);
    loads_held_ = true;
  }
  void release_loads() {
    {
      std::lock_guard lock(mutex_);
      loads_held_ = false;
    }
    changed_.notify_all();
  }
  // Waits until `n` load() calls have started or `give_up()` is true (see wait_for_writes_entered).
  template <class GiveUp>
  bool wait_for_loads_entered(int n, GiveUp give_up) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return loads_ >= n || give_up(); });
    return loads_ >= n;
  }

  // Waits until `n` write() calls have started or `give_up()` is true (checked whenever the store
  // changes; call poke() after changing what give_up() reads). Returns whether they started.
  template <class GiveUp>
  bool wait_for_writes_entered(int n, GiveUp give_up) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return writes_entered_ >= n || give_up(); });
    return writes_entered_ >= n;
  }
  void poke() {
    { std::lock_guard lock(mutex_); }
    changed_.notify_all();
  }
  // Waits at most `limit` (a guard against a hang, not a measurement) for `n` accepted batches.
  bool wait_for_batches(std::size_t n, std::chrono::seconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return batches_.size() >= n; });
  }

  // --- what happened ---
  std::map<std::string, MessageStatus> rows() const {
    std::lock_guard lock(mutex_);
    return rows_;
  }
  std::vector<std::vector<StatusWrite>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  int failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  int loads() const {
    std::lock_guard lock(mutex_);
    return loads_;
  }
  // write() calls, including refused ones and empty batches (batches() records only accepted,
  // non-empty ones).
  int writes_entered() const {
    std::lock_guard lock(mutex_);
    return writes_entered_;
  }
  // Writes directly, bypassing any cache: "someone else changed the database".
  void set_row(const std::string& key, const MessageStatus& status) {
    std::lock_guard lock(mutex_);
    rows_.insert_or_assign(key, status);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, MessageStatus> rows_;
  std::vector<std::vector<StatusWrite>> batches_;
  bool failing_ = false;
  bool foreign_ = false;
  int fail_next_ = 0;
  int fail_every_ = 0;
  int write_calls_ = 0;
  bool held_ = false;
  bool loads_held_ = false;
  int unordered_writes_ = 0;  // NOT guarded: the cache must order its write() calls
  int writes_entered_ = 0;
  int failed_ = 0;
  int loads_ = 0;
};

// A status whose fields say what wrote it, for readable failures.
inline MessageStatus status(const std::string& text, std::int64_t at = 1) { return MessageStatus{text, at}; }

}  // namespace edi::caching::test
