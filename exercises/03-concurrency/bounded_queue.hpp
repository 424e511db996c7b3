// Lesson 03, exercise 1: a blocking FIFO queue with a fixed capacity, the C++ counterpart of a
// buffered Go channel (`make(chan T, capacity)`), with close() and waits that a std::stop_token
// can interrupt (the counterpart of `select` on `ctx.Done()`).
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
// Replace each FIXME; `make check LESSON=03` grades it, `make hint LESSON=03` helps.
//
// The contract (the graders check every line of it):
// - push() blocks while the queue is full, pop() while it is empty.
// - close() wakes EVERY waiter; afterwards push fails and pop drains what is left.
// - Every item added (push, try_push) wakes a waiting consumer, every item removed (pop,
//   try_pop) a waiting producer, whatever the queue held before and however many wait.
// - A wait given a std::stop_token also ends when stop is requested on it: the call then returns
//   false (push) or std::nullopt (pop) unless it could complete at that moment (a stopped token
//   does not fail a push that finds room, or a pop that finds an item).
// - try_push / try_pop never wait. try_push moves from its argument only when it succeeds.
//
// Thread-safe: any number of threads may push, pop and close concurrently.
// Not copyable, not movable (waiting threads hold references to it).
//
// You will need: one std::mutex guarding the items and the closed flag, and two
// std::condition_variable_any ("not full", "not empty") — only the _any kind has the waits that
// take a std::stop_token: cv.wait(lock, stop_token, predicate).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <utility>

#include "edi/error.hpp"

namespace edi::concurrency {
// The build names this namespace after the implementation (exercises or solutions), so one
// benchmark binary can hold your code and the reference side by side. Leave it as it is.
inline namespace EDI_IMPL {

template <class T>
class BoundedQueue {
 public:
  // REQUIRES: capacity >= 1 (throw std::invalid_argument otherwise).
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
    // FIXME: reject a capacity of 0, then delete the line below.
    throw NotImplemented("BoundedQueue::BoundedQueue");
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Appends `value`, waiting while the queue is full. Returns false (and drops `value`) when the
  // queue is closed, or when stop is requested on `stop` before room appears.
  bool push(T value, std::stop_token stop = {}) {
    // FIXME: wait (with `stop`) until there is room or the queue is closed; push; notify a consumer.
    (void)value;
    (void)stop;
    throw NotImplemented("BoundedQueue::push");
  }

  // Appends `value` if there is room right now; never waits. `value` is moved from only when
  // this returns true, so a caller can keep it and try again.
  [[nodiscard]] bool try_push(T&& value) {
    // FIXME
    (void)value;
    throw NotImplemented("BoundedQueue::try_push");
  }

  // Removes the oldest item, waiting while the queue is empty and open. Returns std::nullopt when
  // the queue is closed and drained, or when stop is requested on `stop` while it waits.
  [[nodiscard]] std::optional<T> pop(std::stop_token stop = {}) {
    // FIXME: wait (with `stop`) until there is an item or the queue is closed; take the oldest;
    // notify a producer.
    (void)stop;
    throw NotImplemented("BoundedQueue::pop");
  }

  // Removes the oldest item if there is one; never waits.
  [[nodiscard]] std::optional<T> try_pop() {
    // FIXME
    throw NotImplemented("BoundedQueue::try_pop");
  }

  // No more pushes: every push from now on returns false, and pops return what is left, then
  // std::nullopt. Wakes every waiting thread. Calling it again does nothing.
  void close() {
    // FIXME
    throw NotImplemented("BoundedQueue::close");
  }

  bool closed() const {
    // FIXME
    throw NotImplemented("BoundedQueue::closed");
  }
  [[nodiscard]] std::size_t size() const {
    // FIXME
    throw NotImplemented("BoundedQueue::size");
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  // FIXME: the mutex, the two condition variables, the items (std::deque<T>) and the closed flag.
  // Say next to each member which mutex guards it.
};

}  // namespace EDI_IMPL
}  // namespace edi::concurrency
