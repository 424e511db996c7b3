// Graders of lesson 03, exercise 1: BoundedQueue<T>. BoundedQueue checks what one thread sees
// (order, capacity, close, try-variants); BoundedQueueWaits checks the blocking calls across
// threads: who waits, who is woken, and that a stop_token ends a wait. Each wake-up test first
// puts the waiting threads to sleep (seen asleep in /proc), then acts: pop, try_pop, push,
// try_push, close, a stop request; two sleepers and two actions in turn catch a "someone waits"
// flag kept instead of a count, and two actions back to back a queue that wakes a reader only
// when it was empty. QueueContention starts every thread at a latch so that each member is
// touched by several threads in one run: it is graded again under ThreadSanitizer. No test
// sleeps, and every wait is bounded (liveness.hpp), so a lost wake-up is a failure, never a hung
// suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bounded_queue.hpp"
#include "liveness.hpp"

namespace {

using edi::concurrency::BoundedQueue;
using edi::concurrency::test::all_asleep;
using edi::concurrency::test::eventually;
using edi::concurrency::test::finishes_in_time;
using edi::concurrency::test::start_waiters;
using edi::concurrency::test::Tally;
using edi::concurrency::test::Waiters;

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

// try_pop makes room too: a producer asleep on the full queue is woken by it, not only by pop().
TEST(BoundedQueueWaits, TryPopWakesASleepingProducer) {
  auto queue = std::make_shared<BoundedQueue<int>>(1);
  ASSERT_TRUE(queue->push(1));
  auto waiters = std::make_shared<Waiters<bool>>();
  start_waiters(waiters, 1, [queue] { return queue->push(2); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  EXPECT_EQ(queue->try_pop(), 1);
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "a producer slept on after try_pop() made room";
  EXPECT_EQ(waiters->returned(), std::vector<bool>{true});
  EXPECT_EQ(queue->try_pop(), 2);
}

// try_push brings an item too: a consumer asleep on the empty queue is woken by it.
TEST(BoundedQueueWaits, TryPushWakesASleepingConsumer) {
  auto queue = std::make_shared<BoundedQueue<int>>(2);
  auto waiters = std::make_shared<Waiters<std::optional<int>>>();
  start_waiters(waiters, 1, [queue] { return queue->pop(); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  EXPECT_TRUE(queue->try_push(9));
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "a consumer slept on after try_push() brought an item";
  EXPECT_EQ(waiters->returned(), std::vector<std::optional<int>>{9});
}

// Two producers asleep on a full queue of 1. Each pop lets one more in: after the first woken
// producer has pushed, the second pop must still wake the other one (a queue that remembers
// "someone waits" as a flag, not a count, forgets it once the first sleeper leaves).
TEST(BoundedQueueWaits, EachPopWakesAnotherSleepingProducer) {
  auto queue = std::make_shared<BoundedQueue<int>>(1);
  ASSERT_TRUE(queue->push(0));
  auto waiters = std::make_shared<Waiters<bool>>();
  start_waiters(waiters, 1, [queue] { return queue->push(1); });
  start_waiters(waiters, 1, [queue] { return queue->push(2); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(2));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  EXPECT_EQ(queue->pop(), 0);
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "no producer woke after the first pop";
  const std::optional<int> second = queue->pop();
  ASSERT_TRUE(second == 1 || second == 2);
  ASSERT_TRUE(waiters->finished.wait_for_at_least(2)) << "the second sleeping producer was not woken by the second pop";
  EXPECT_EQ(queue->pop(), *second == 1 ? 2 : 1);
  EXPECT_EQ(waiters->returned(), (std::vector<bool>{true, true}));
}

// Two consumers asleep on an empty queue. Each push wakes one, also after the first one has left.
TEST(BoundedQueueWaits, EachPushWakesAnotherSleepingConsumer) {
  auto queue = std::make_shared<BoundedQueue<int>>(2);
  auto waiters = std::make_shared<Waiters<std::optional<int>>>();
  start_waiters(waiters, 2, [queue] { return queue->pop(); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(2));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  ASSERT_TRUE(queue->push(1));
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1)) << "no consumer woke after the first push";
  ASSERT_TRUE(queue->push(2));
  ASSERT_TRUE(waiters->finished.wait_for_at_least(2)) << "the second sleeping consumer was not woken by the second push";
  auto got = waiters->returned();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::optional<int>>{1, 2}));
}

// Two consumers asleep, then two pushes back to back: each push wakes a consumer, whether or not
// the queue was empty before it. A queue that wakes a reader only when it was empty leaves the
// second consumer asleep beside an item (and, in a worker pool, a worker idle beside a job). The
// round counts when neither consumer had taken its item by the time both pushes returned (size()
// says 2); rounds where the first consumer was quicker prove nothing and are run again.
TEST(BoundedQueueWaits, BackToBackPushesWakeTwoSleepingConsumers) {
  bool both_queued = false;
  for (int round = 0; round < 20 && !both_queued; ++round) {
    auto queue = std::make_shared<BoundedQueue<int>>(4);
    auto waiters = std::make_shared<Waiters<std::optional<int>>>();
    start_waiters(waiters, 2, [queue] { return queue->pop(); });
    ASSERT_TRUE(waiters->started.wait_for_at_least(2));
    ASSERT_TRUE(all_asleep(waiters->thread_ids()));
    ASSERT_TRUE(queue->push(1));
    ASSERT_TRUE(queue->push(2));
    both_queued = queue->size() == 2;
    ASSERT_TRUE(waiters->finished.wait_for_at_least(2))
        << waiters->finished.count() << " of 2 sleeping consumers woke for 2 items pushed back to back";
    auto got = waiters->returned();
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::optional<int>>{1, 2}));
  }
}

// The same for producers: two asleep on a full queue, two pops back to back, both get in.
TEST(BoundedQueueWaits, BackToBackPopsWakeTwoSleepingProducers) {
  bool both_free = false;
  for (int round = 0; round < 20 && !both_free; ++round) {
    auto queue = std::make_shared<BoundedQueue<int>>(2);
    ASSERT_TRUE(queue->push(1));
    ASSERT_TRUE(queue->push(2));
    auto waiters = std::make_shared<Waiters<bool>>();
    start_waiters(waiters, 2, [queue] { return queue->push(3); });
    ASSERT_TRUE(waiters->started.wait_for_at_least(2));
    ASSERT_TRUE(all_asleep(waiters->thread_ids()));
    EXPECT_EQ(queue->try_pop(), 1);
    EXPECT_EQ(queue->try_pop(), 2);
    both_free = queue->size() == 0;
    ASSERT_TRUE(waiters->finished.wait_for_at_least(2))
        << waiters->finished.count() << " of 2 sleeping producers woke for 2 places freed back to back";
    EXPECT_EQ(waiters->returned(), (std::vector<bool>{true, true}));
    EXPECT_EQ(queue->size(), 2u);
  }
}

// A stopped token ends only a wait: a push that finds room, or a pop that finds an item,
// completes; one that would have to wait returns at once (false / std::nullopt).
TEST(BoundedQueueWaits, AStoppedTokenFailsOnlyCallsThatWouldWait) {
  auto result = finishes_in_time([] {
    BoundedQueue<int> queue(2);
    std::stop_source stop;
    stop.request_stop();
    std::vector<std::string> wrong;
    if (!queue.push(1, stop.get_token())) wrong.push_back("push with room refused");
    if (queue.pop(stop.get_token()) != 1) wrong.push_back("pop of a queued item refused");
    if (queue.pop(stop.get_token()) != std::nullopt) wrong.push_back("pop on an empty queue returned an item");
    if (!queue.push(2) || !queue.push(3)) wrong.push_back("push without a token refused");
    if (queue.push(4, stop.get_token())) wrong.push_back("push on a full queue succeeded");
    if (queue.size() != 2) wrong.push_back("size is not 2");
    return wrong;
  });
  ASSERT_TRUE(result) << "a call given a stopped token waited: a wait must end when stop is requested";
  EXPECT_EQ(*result, std::vector<std::string>{});
}

// --- QueueContention: every member touched by several threads at once (graded under TSan too) --

// A producer (push and try_push), a consumer (pop and try_pop) and an observer (size, closed)
// start together at a latch; the observer closes the queue once items flow. Nothing is lost, and
// under ThreadSanitizer any member touched outside the mutex is reported.
TEST(QueueContention, PushPopObserveAndCloseAtOnce) {
  auto queue = std::make_shared<BoundedQueue<int>>(3);
  auto result = finishes_in_time([queue] {
    std::latch start(3);
    std::atomic<int> received{0};
    std::vector<int> pushed, popped;
    std::size_t largest = 0;
    bool closed_seen_early = false;
    {
      std::jthread producer([&] {
        start.arrive_and_wait();
        for (int i = 0;; ++i) {
          if (i % 3 == 0) {
            int value = i;
            if (queue->try_push(std::move(value))) {
              pushed.push_back(i);
              continue;
            }
            if (queue->closed()) break;
          }
          if (!queue->push(i)) break;
          pushed.push_back(i);
        }
      });
      std::jthread consumer([&] {
        start.arrive_and_wait();
        for (int n = 0;; ++n) {
          std::optional<int> item = n % 4 == 0 ? queue->try_pop() : std::nullopt;
          if (!item) item = queue->pop();
          if (!item) break;
          popped.push_back(*item);
          received.fetch_add(1, std::memory_order_relaxed);
        }
      });
      std::jthread observer([&] {
        start.arrive_and_wait();
        while (received.load(std::memory_order_relaxed) < 200) {
          largest = std::max(largest, queue->size());
          if (queue->closed()) closed_seen_early = true;
        }
        queue->close();
        queue->close();
      });
    }
    return std::make_tuple(pushed, popped, largest, closed_seen_early);
  });
  ASSERT_TRUE(result) << "the threads did not finish: a lost wake-up at close()?";
  const auto& [pushed, popped, largest, closed_seen_early] = *result;
  EXPECT_GE(popped.size(), 200u);
  EXPECT_EQ(popped, pushed) << "items lost, duplicated or reordered";
  EXPECT_LE(largest, 3u);
  EXPECT_FALSE(closed_seen_early);
}

// Two producers and two consumers hand over items through a queue of 1, all four released by a
// latch at once: each item arrives exactly once.
TEST(QueueContention, TwoProducersTwoConsumersOnCapacityOne) {
  constexpr int kPerProducer = 300;
  auto queue = std::make_shared<BoundedQueue<int>>(1);
  auto result = finishes_in_time([queue] {
    std::latch start(4);
    std::vector<int> seen(2 * kPerProducer, 0);
    std::mutex seen_mutex;
    {
      std::vector<std::jthread> consumers;
      for (int c = 0; c < 2; ++c) {
        consumers.emplace_back([&] {
          start.arrive_and_wait();
          while (auto item = queue->pop()) {
            std::lock_guard lock(seen_mutex);
            ++seen[static_cast<std::size_t>(*item)];
          }
        });
      }
      {
        std::vector<std::jthread> producers;
        for (int p = 0; p < 2; ++p) {
          producers.emplace_back([&, p] {
            start.arrive_and_wait();
            for (int i = 0; i < kPerProducer; ++i) queue->push(p * kPerProducer + i);
          });
        }
      }
      queue->close();
    }
    return seen;
  });
  ASSERT_TRUE(result) << "deadlock or lost wake-up";
  EXPECT_EQ(std::count(result->begin(), result->end(), 1), 2 * kPerProducer) << "items lost or duplicated";
}

// close() on one thread while another reads closed() and a third tries to push, released together
// by a latch. The reader and the pusher touch the flag only through the queue, so a close() that
// sets it without the mutex is reported by ThreadSanitizer whatever the interleaving.
TEST(QueueContention, CloseWhileOthersReadAndPush) {
  auto queue = std::make_shared<BoundedQueue<int>>(4);
  auto result = finishes_in_time([queue] {
    std::latch start(3);
    std::size_t pushed = 0;
    bool closed_at_end = false;
    {
      std::jthread closer([&] {
        start.arrive_and_wait();
        queue->close();
      });
      std::jthread reader([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 100; ++i) closed_at_end = queue->closed();
      });
      std::jthread pusher([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 100; ++i) pushed += queue->try_push(int{i}) ? 1 : 0;
      });
    }
    closed_at_end = queue->closed();
    std::size_t drained = 0;
    while (queue->try_pop()) ++drained;
    return std::make_tuple(pushed, drained, closed_at_end);
  });
  ASSERT_TRUE(result) << "deadlock";
  const auto& [pushed, drained, closed_at_end] = *result;
  EXPECT_TRUE(closed_at_end);
  EXPECT_LE(pushed, 4u);
  EXPECT_EQ(drained, pushed) << "a closed queue still drains what was pushed before";
}

// size() read on one thread (a metric) while two others push and pop, released by a latch. The
// reader touches the queue only through size(), so a size() that reads the deque without the
// mutex is reported by ThreadSanitizer whatever the interleaving.
TEST(QueueContention, SizeReadWhileOthersPushAndPop) {
  auto queue = std::make_shared<BoundedQueue<int>>(3);
  auto result = finishes_in_time([queue] {
    std::latch start(3);
    std::size_t largest = 0;
    std::size_t pushed = 0;
    std::size_t popped = 0;
    {
      std::jthread reader([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 300; ++i) largest = std::max(largest, queue->size());
      });
      std::jthread pusher([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 300; ++i) pushed += queue->try_push(int{i}) ? 1 : 0;
      });
      std::jthread popper([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 300; ++i) popped += queue->try_pop() ? 1 : 0;
      });
    }
    return std::make_tuple(largest, pushed, popped, queue->size());
  });
  ASSERT_TRUE(result) << "deadlock";
  const auto& [largest, pushed, popped, left] = *result;
  EXPECT_LE(largest, 3u);
  EXPECT_EQ(pushed, popped + left) << "items lost or duplicated";
}

}  // namespace
