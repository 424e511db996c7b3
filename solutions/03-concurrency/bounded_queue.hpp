// A blocking FIFO queue with a fixed capacity: the C++ counterpart of a buffered Go channel
// (`make(chan T, capacity)`), with close() and waits that a std::stop_token can interrupt (the
// counterpart of `select` on `ctx.Done()`).
//
//   edi::concurrency::BoundedQueue<int> queue(2);
//   queue.push(1);                  // true
//   queue.try_push(2);              // true
//   int three = 3;
//   queue.try_push(std::move(three));  // false: full (and `three` is left as it was)
//   queue.pop();                    // 1 (blocks while the queue is empty and open)
//   queue.close();                  // no more pushes; pops drain what is left
//   queue.pop();                    // 2
//   queue.pop();                    // std::nullopt: closed and empty
//
// Waiting: push() blocks while the queue is full, pop() while it is empty. close() wakes every
// waiter. Every item added (push, try_push) wakes a waiting consumer and every item removed (pop,
// try_pop) a waiting producer, whatever the queue held before and however many wait. A wait
// given a std::stop_token also ends when stop is requested on it; the call then returns false
// (push) or std::nullopt (pop) unless it could complete at that moment (a stopped token does not
// fail a push that finds room, or a pop that finds an item).
//
// Thread-safe: any number of threads may push, pop and close concurrently.
// Not copyable, not movable (waiting threads hold references to it).
// Exception guarantee: strong for push (a throwing move of T leaves the queue unchanged).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <utility>

namespace edi::concurrency {
inline namespace EDI_IMPL {

template <class T>
class BoundedQueue {
 public:
  // REQUIRES: capacity >= 1 (std::invalid_argument otherwise: a queue of capacity 0 could never
  // hand anything over).
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("BoundedQueue: capacity must be at least 1");
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Appends `value`, waiting while the queue is full. Returns false (and drops `value`) when the
  // queue is closed, or when stop is requested on `stop` before room appears.
  bool push(T value, std::stop_token stop = {}) {
    bool wake = false;
    {
      std::unique_lock lock(mutex_);
      // The predicate is re-checked after every wake-up: wake-ups can be spurious, and another
      // producer may have taken the free place first. Testing it before wait() skips the stop
      // callback wait() registers on every call, when there is no need to wait.
      const auto can_push = [&] { return closed_ || items_.size() < capacity_; };
      if (!can_push()) {
        ++waiting_producers_;
        const bool woken = not_full_.wait(lock, stop, can_push);
        --waiting_producers_;
        if (!woken) return false;  // stop requested
      }
      if (closed_) return false;
      items_.push_back(std::move(value));
      wake = waiting_consumers_ > 0;
    }
    // After unlocking, so the woken consumer does not block on the mutex; and only when someone
    // sleeps, so the common case costs no call into the condition variable.
    if (wake) not_empty_.notify_one();
    return true;
  }

  // Appends `value` if there is room right now; never waits. `value` is moved from only when
  // this returns true, so a caller can keep it and try again.
  [[nodiscard]] bool try_push(T&& value) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(value));
      wake = waiting_consumers_ > 0;
    }
    if (wake) not_empty_.notify_one();
    return true;
  }

  // Removes the oldest item, waiting while the queue is empty and open. Returns std::nullopt when
  // the queue is closed and drained, or when stop is requested on `stop` while it waits.
  [[nodiscard]] std::optional<T> pop(std::stop_token stop = {}) {
    std::optional<T> item;
    bool wake = false;
    {
      std::unique_lock lock(mutex_);
      const auto can_pop = [&] { return closed_ || !items_.empty(); };
      if (!can_pop()) {
        ++waiting_consumers_;
        not_empty_.wait(lock, stop, can_pop);
        --waiting_consumers_;
      }
      if (items_.empty()) return std::nullopt;  // closed and drained, or stopped
      item.emplace(std::move(items_.front()));
      items_.pop_front();
      wake = waiting_producers_ > 0;
    }
    if (wake) not_full_.notify_one();
    return item;
  }

  // Removes the oldest item if there is one; never waits.
  [[nodiscard]] std::optional<T> try_pop() {
    std::optional<T> item;
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      if (items_.empty()) return std::nullopt;
      item.emplace(std::move(items_.front()));
      items_.pop_front();
      wake = waiting_producers_ > 0;
    }
    if (wake) not_full_.notify_one();
    return item;
  }

  // No more pushes: every push from now on returns false, and pops return what is left, then
  // std::nullopt. Wakes every waiting thread. Calling it again does nothing.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    // Every waiter must re-check: all blocked producers fail, all blocked consumers drain or end.
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  // condition_variable_any, not condition_variable: only it has the waits that take a stop_token.
  std::condition_variable_any not_full_;   // signalled when an item leaves or the queue closes
  std::condition_variable_any not_empty_;  // signalled when an item arrives or the queue closes
  std::deque<T> items_;                    // guarded by mutex_
  bool closed_ = false;                    // guarded by mutex_
  // Threads asleep in push() / pop(), so that a notify is made only when someone can hear it.
  // Counted under mutex_ before they sleep: a notifier that reads 0 knows the waiter will see
  // the new state when it checks its predicate. Guarded by mutex_.
  std::size_t waiting_producers_ = 0;
  std::size_t waiting_consumers_ = 0;
};

}  // namespace EDI_IMPL
}  // namespace edi::concurrency
