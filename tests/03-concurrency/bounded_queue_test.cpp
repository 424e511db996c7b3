// Graders of lesson 03, exercise 1: BoundedQueue<T>. BoundedQueue checks what one thread sees
// (order, capacity, close, try-variants); BoundedQueueWaits checks the blocking calls across
// threads: who waits, who is woken, and that a stop_token ends a wait. No test sleeps: threads
// meet through the queue itself, and every wait is bounded (liveness.hpp), so a lost wake-up is a
// failure, never a hung suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

#include "bounded_queue.hpp"
#include "liveness.hpp"

namespace {

using edi::concurrency::BoundedQueue;
using edi::concurrency::test::eventually;
using edi::concurrency::test::finishes_in_time;
using edi::concurrency::test::Tally;

// The scheduling state of a thread of this process ('R' running, 'S' sleeping...), from
// /proc/self/task/<tid>/stat.
char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ? '?' : line[paren + 2];
}

// Waits until the threads `tids` are all asleep (blocked in the queue, as far as the test can
// tell), so that what the test does next happens while they wait.
bool all_asleep(const std::vector<pid_t>& tids) {
  return eventually([&] {
    return std::all_of(tids.begin(), tids.end(), [](pid_t tid) { return thread_state(tid) == 'S'; });
  });
}

pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

// Threads blocked in one queue call each, and what their calls returned. The threads are
// detached and share ownership of this record, so a thread that never returns (a lost wake-up in
// a wrong queue) fails the test without hanging it, and touches nothing that was destroyed.
template <class Result>
struct Waiters {
  std::mutex mutex;
  std::vector<pid_t> tids;      // guarded by mutex
  std::vector<Result> results;  // guarded by mutex
  Tally started;
  Tally finished;

  std::vector<pid_t> thread_ids() {
    std::lock_guard lock(mutex);
    return tids;
  }
  std::vector<Result> returned() {
    std::lock_guard lock(mutex);
    return results;
  }
};

// Starts `n` threads that each run `call()` once (`call` must own what it uses).
template <class Result, class Call>
void start_waiters(const std::shared_ptr<Waiters<Result>>& waiters, std::size_t n, Call call) {
  for (std::size_t i = 0; i < n; ++i) {
    std::thread([waiters, call] {
      {
        std::lock_guard lock(waiters->mutex);
        waiters->tids.push_back(current_tid());
      }
      waiters->started.add();
      Result r = call();
      {
        std::lock_guard lock(waiters->mutex);
        waiters->results.push_back(r);
      }
      waiters->finished.add();
    }).detach();
  }
}

// --- BoundedQueue: one thread ----------------------------------------------------------------

// Items come out in the order they went in.
TEST(BoundedQueue, FirstInFirstOut) {
  BoundedQueue<int> queue(5);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(queue.push(i));
  EXPECT_EQ(queue.size(), 5u);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(queue.pop(), i);
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.capacity(), 5u);
}

// try_push fails on a full queue, leaves the value with the caller, and succeeds again after a pop.
TEST(BoundedQueue, TryPushRespectsTheCapacityAndKeepsTheValue) {
  BoundedQueue<std::unique_ptr<int>> queue(2);
  auto a = std::make_unique<int>(1);
  auto b = std::make_unique<int>(2);
  auto c = std::make_unique<int>(3);
  EXPECT_TRUE(queue.try_push(std::move(a)));
  EXPECT_TRUE(queue.try_push(std::move(b)));
  EXPECT_FALSE(queue.try_push(std::move(c)));
  ASSERT_NE(c, nullptr) << "a failed try_push must not take the value";
  EXPECT_EQ(*c, 3);
  EXPECT_EQ(queue.size(), 2u);
  auto first = queue.try_pop();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(**first, 1);
  EXPECT_TRUE(queue.try_push(std::move(c)));
  EXPECT_EQ(queue.size(), 2u);
}

// A queue of capacity 1 holds one item, not two.
TEST(BoundedQueue, CapacityOneHoldsOneItem) {
  BoundedQueue<int> queue(1);
  EXPECT_TRUE(queue.try_push(1));
  EXPECT_FALSE(queue.try_push(2));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.try_pop(), 1);
  EXPECT_EQ(queue.try_pop(), std::nullopt);
}

// A capacity of 0 is rejected: such a queue could never hand anything over.
TEST(BoundedQueue, RejectsCapacityZero) {
  BoundedQueue<int> valid(1);
  EXPECT_TRUE(valid.try_push(1));
  EXPECT_THROW(BoundedQueue<int>(0), std::invalid_argument);
}

// After close(): pushes fail, pops drain what is left and then return std::nullopt; closing
// twice is harmless.
TEST(BoundedQueue, CloseRefusesPushesAndDrains) {
  BoundedQueue<int> queue(4);
  ASSERT_TRUE(queue.push(1));
  ASSERT_TRUE(queue.push(2));
  EXPECT_FALSE(queue.closed());
  queue.close();
  EXPECT_TRUE(queue.closed());
  EXPECT_FALSE(queue.push(3));
  EXPECT_FALSE(queue.try_push(4));
  EXPECT_EQ(queue.pop(), 1);
  EXPECT_EQ(queue.try_pop(), 2);
  EXPECT_EQ(queue.pop(), std::nullopt);
  EXPECT_EQ(queue.try_pop(), std::nullopt);
  queue.close();
  EXPECT_EQ(queue.pop(), std::nullopt);
}

// Four producers and three consumers over a queue of 8: every item arrives exactly once, each
// producer's items in the order it pushed them, and the queue never holds more than 8.
TEST(BoundedQueue, ManyProducersAndConsumersLoseNothing) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 3;
  constexpr int kPerProducer = 25'000;
  auto queue = std::make_shared<BoundedQueue<int>>(8);
  auto result = finishes_in_time([queue] {
    std::vector<std::vector<int>> received(kConsumers);
    std::atomic<std::size_t> largest{0};
    {
      std::vector<std::jthread> consumers;
      for (int c = 0; c < kConsumers; ++c) {
        consumers.emplace_back([&, c] {
          while (auto item = queue->pop()) {
            received[static_cast<std::size_t>(c)].push_back(*item);
            const std::size_t size = queue->size();
            if (size > largest.load()) largest.store(size);
          }
        });
      }
      {
        std::vector<std::jthread> producers;
        for (int p = 0; p < kProducers; ++p) {
          producers.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; ++i) queue->push(p * kPerProducer + i);
          });
        }
      }  // producers joined
      queue->close();
    }  // consumers joined
    return std::make_pair(received, largest.load());
  });
  ASSERT_TRUE(result) << "the producers and consumers did not finish: a lost wake-up or a deadlock";
  const auto& [received, largest] = *result;
  EXPECT_LE(largest, 8u);
  std::vector<int> seen(kProducers * kPerProducer, 0);
  for (const std::vector<int>& items : received) {
    std::vector<int> last(kProducers, -1);
    for (const int item : items) {
      ++seen[static_cast<std::size_t>(item)];
      const int producer = item / kPerProducer;
      EXPECT_GT(item, last[static_cast<std::size_t>(producer)]) << "a producer's items came out of order";
      last[static_cast<std::size_t>(producer)] = item;
    }
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kProducers * kPerProducer) << "items lost or duplicated";
}

// --- BoundedQueueWaits: across threads -------------------------------------------------------

// push() on a full queue waits until a pop makes room, then completes.
TEST(BoundedQueueWaits, PushWaitsForRoom) {
  auto queue = std::make_shared<BoundedQueue<int>>(1);
  ASSERT_TRUE(queue->push(1));
  auto waiters = std::make_shared<Waiters<bool>>();
  start_waiters(waiters, 1, [queue] { return queue->push(2); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  EXPECT_EQ(waiters->finished.count(), 0u) << "push() returned while the queue was full";
  EXPECT_EQ(queue->size(), 1u);
  EXPECT_EQ(queue->pop(), 1);
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "push() did not complete after a pop made room";
  EXPECT_EQ(waiters->returned(), std::vector<bool>{true});
  EXPECT_EQ(queue->pop(), 2);
}

// pop() on an empty queue waits for an item.
TEST(BoundedQueueWaits, PopWaitsForAnItem) {
  auto queue = std::make_shared<BoundedQueue<int>>(3);
  auto waiters = std::make_shared<Waiters<std::optional<int>>>();
  start_waiters(waiters, 1, [queue] { return queue->pop(); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  EXPECT_EQ(waiters->finished.count(), 0u) << "pop() returned from an empty, open queue";
  ASSERT_TRUE(queue->push(7));
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "pop() did not wake up for the pushed item";
  EXPECT_EQ(waiters->returned(), std::vector<std::optional<int>>{7});
}

// close() wakes every consumer waiting on an empty queue, not just one.
TEST(BoundedQueueWaits, CloseWakesEveryWaitingConsumer) {
  auto queue = std::make_shared<BoundedQueue<int>>(2);
  auto waiters = std::make_shared<Waiters<std::optional<int>>>();
  start_waiters(waiters, 3, [queue] { return queue->pop(); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(3));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  queue->close();
  ASSERT_TRUE(waiters->finished.wait_for_at_least(3))
      << waiters->finished.count() << " of 3 waiting consumers woke up after close()";
  for (const auto& r : waiters->returned()) EXPECT_EQ(r, std::nullopt);
}

// close() wakes every producer waiting on a full queue; their pushes fail.
TEST(BoundedQueueWaits, CloseWakesEveryWaitingProducer) {
  auto queue = std::make_shared<BoundedQueue<int>>(1);
  ASSERT_TRUE(queue->push(0));
  auto waiters = std::make_shared<Waiters<bool>>();
  start_waiters(waiters, 3, [queue] { return queue->push(1); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(3));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  queue->close();
  ASSERT_TRUE(waiters->finished.wait_for_at_least(3))
      << waiters->finished.count() << " of 3 waiting producers woke up after close()";
  EXPECT_EQ(waiters->returned(), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(queue->pop(), 0);
  EXPECT_EQ(queue->pop(), std::nullopt);
}

// A stop request ends a waiting pop() with std::nullopt; the queue goes on working.
TEST(BoundedQueueWaits, StopTokenEndsAWaitingPop) {
  auto queue = std::make_shared<BoundedQueue<int>>(2);
  auto stop = std::make_shared<std::stop_source>();
  auto waiters = std::make_shared<Waiters<std::optional<int>>>();
  start_waiters(waiters, 1, [queue, stop] { return queue->pop(stop->get_token()); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  stop->request_stop();
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "pop() kept waiting after stop was requested";
  EXPECT_EQ(waiters->returned(), std::vector<std::optional<int>>{std::nullopt});
  EXPECT_FALSE(queue->closed());
  EXPECT_TRUE(queue->push(5));
  EXPECT_EQ(queue->pop(), 5);
}

// A stop request ends a waiting push() with false, and the item is not added.
TEST(BoundedQueueWaits, StopTokenEndsAWaitingPush) {
  auto queue = std::make_shared<BoundedQueue<int>>(1);
  ASSERT_TRUE(queue->push(1));
  auto stop = std::make_shared<std::stop_source>();
  auto waiters = std::make_shared<Waiters<bool>>();
  start_waiters(waiters, 1, [queue, stop] { return queue->push(2, stop->get_token()); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  stop->request_stop();
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "push() kept waiting after stop was requested";
  EXPECT_EQ(waiters->returned(), std::vector<bool>{false});
  EXPECT_EQ(queue->pop(), 1);
  EXPECT_EQ(queue->try_pop(), std::nullopt) << "a stopped push added its item";
}

}  // namespace
