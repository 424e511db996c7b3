// Graders of lesson 03, exercise 2: ConcurrentProcessor<Result>, backpressure, shutdown and contention.
//
//   ProcessorBackpressure at most capacity + workers jobs in flight: a producer waits
//   ProcessorShutdown     the workers are threads of the process, and none outlives it
//   ProcessorContention   submitter, collector and an observer (accessors, close, cancel) start
//                         at a latch: graded again under ThreadSanitizer
//
// Lost wake-ups are tested by first putting a submitter or collector to sleep (seen asleep in
// /proc), then acting: collect one outcome, close(), cancel(). Occupancy (a window that wakes its
// writer or reader only once it is empty) is graded by what must have started or returned, never
// by time.
//
// Deterministic: nothing sleeps and nothing is timed. Jobs meet through latches, gates and
// counters; every wait is bounded (liveness.hpp) so that a deadlock fails a test instead of
// hanging the suite. Processors that might deadlock run on a helper thread and are owned through
// std::shared_ptr by what runs on it (processor_support.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <latch>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/edi.hpp"
#include "liveness.hpp"
#include "message_work.hpp"
#include "processor_support.hpp"

namespace edi::concurrency::test {
namespace {

// --- ProcessorBackpressure ----------------------------------------------------------------------

// until a job is collected.
TEST(ProcessorBackpressure, TrySubmitStopsAtCapacityPlusWorkers) {
  constexpr std::size_t kWorkers = 3;
  constexpr std::size_t kCapacity = 5;
  GatedWork gated;
  OwnedProcessor owner(gated.work(), kWorkers, kCapacity);
  auto processor = owner.shared();
  OpenOnExit open_on_exit{gated.gate};
  const auto messages = numbered(20);
  std::size_t accepted = 0;
  while (accepted < messages->size() && processor->try_submit((*messages)[accepted])) ++accepted;
  EXPECT_EQ(accepted, kCapacity + kWorkers) << "jobs accepted while every worker was blocked";
  EXPECT_EQ(processor->in_flight(), accepted);
  ASSERT_TRUE(gated.started->wait_for_at_least(kWorkers)) << "the workers did not start their jobs";
  EXPECT_EQ(gated.started->count(), kWorkers) << "more jobs running than workers";
  gated.gate->open();
  auto first = finishes_in_time([processor] { return processor->collect(); });
  ASSERT_TRUE(first && *first) << "collect() did not return the first outcome";
  EXPECT_EQ((*first)->sequence, 0u);
  EXPECT_TRUE(processor->try_submit((*messages)[accepted]).has_value()) << "room after a collect";
  auto rest = finishes_in_time([processor, n = accepted] {
    std::size_t got = 0;
    for (std::size_t i = 0; i < n; ++i) got += processor->collect().has_value() ? 1 : 0;
    return got;
  });
  ASSERT_TRUE(rest) << "collect() deadlocked";
  EXPECT_EQ(*rest, accepted);
}

// A producer thread calling submit() is held at capacity + workers jobs in flight while nothing
// is collected, and goes on as soon as outcomes are collected.
TEST(ProcessorBackpressure, SubmitWaitsWhileTheWindowIsFull) {
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kCapacity = 4;
  constexpr std::size_t kMessages = 200;
  GatedWork gated;
  OwnedProcessor owner(gated.work(), kWorkers, kCapacity);
  auto processor = owner.shared();
  OpenOnExit open_on_exit{gated.gate};
  auto messages = numbered(kMessages);
  auto submitted = std::make_shared<Tally>();
  std::thread([processor, messages, submitted] {
    for (const Message& m : *messages) {
      if (!processor->submit(m)) break;
      submitted->add();
    }
  }).detach();
  ASSERT_TRUE(submitted->wait_for_at_least(kCapacity + kWorkers)) << "the producer could not fill the window";
  // The window is full and nothing can leave it (no job can finish, nothing is collected), so
  // the producer must be waiting: a further job is refused, and the count stays where it is.
  EXPECT_FALSE(processor->try_submit((*messages)[0]).has_value()) << "a job was accepted beyond capacity + workers";
  EXPECT_EQ(processor->in_flight(), kCapacity + kWorkers);
  EXPECT_EQ(submitted->count(), kCapacity + kWorkers) << "submit() returned beyond capacity + workers jobs in flight";
  gated.gate->open();
  auto collected = finishes_in_time([processor] {
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < kMessages; ++i) {
      const auto o = processor->collect();
      if (!o || o->sequence != i || o->value != expected_value(i)) ++wrong;
    }
    return wrong;
  });
  ASSERT_TRUE(collected) << "the producer never resumed, or collect() deadlocked";
  EXPECT_EQ(*collected, 0u);
  EXPECT_TRUE(submitted->wait_for_at_least(kMessages));
}

// process() never runs ahead of the window: job i starts only after job i - (capacity + workers)
// is done. Job 0 is held until the jobs after it have filled the window, so a process() that
// submits beyond the window would start job capacity + workers while job 0 still runs.
TEST(ProcessorBackpressure, ProcessKeepsAtMostCapacityPlusWorkersInFlight) {
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kCapacity = 3;
  constexpr std::size_t kWindow = kWorkers + kCapacity;
  constexpr std::size_t kMessages = 2000;
  struct Shared {
    std::vector<std::atomic<bool>> done = std::vector<std::atomic<bool>>(kMessages);
    std::atomic<std::size_t> ahead{0};  // jobs that started beyond the window
    std::atomic<bool> window_filled{false};
  };
  auto shared = std::make_shared<Shared>();
  auto work = [shared](const Message& m) {
    const std::size_t i = m.index;
    if (i >= kWindow && !shared->done[i - kWindow].load()) shared->ahead.fetch_add(1);
    if (i == 0) {
      shared->window_filled = eventually([&] {
        for (std::size_t j = 1; j < kWindow; ++j) {
          if (!shared->done[j].load()) return false;
        }
        return true;
      });
    }
    shared->done[i].store(true);
    return expected_value(i);
  };
  const auto outcomes = process_in_time(kWorkers, kCapacity, work, numbered(kMessages));
  ASSERT_TRUE(outcomes) << "deadlock";
  EXPECT_EQ(outcomes->size(), kMessages);
  EXPECT_TRUE(shared->window_filled) << "jobs 1.." << kWindow - 1 << " did not run while job 0 did";
  EXPECT_EQ(shared->ahead.load(), 0u) << "jobs started more than capacity + workers ahead of an unfinished one";
}

// A submitter asleep on a full window goes on as soon as one outcome is collected: one place is
// free, whatever the rest of the window holds (a window that wakes its writer only once it is
// empty idles the workers while the producer sleeps).
TEST(ProcessorBackpressure, OneCollectLetsASleepingSubmitterIn) {
  constexpr std::size_t kWorkers = 1;
  constexpr std::size_t kCapacity = 2;
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, kWorkers, kCapacity);
  auto processor = owner.shared();
  auto messages = numbered(4);
  for (std::size_t i = 0; i < kWorkers + kCapacity; ++i) ASSERT_TRUE(processor->try_submit((*messages)[i]));
  auto waiters = std::make_shared<Waiters<std::optional<std::size_t>>>();
  start_waiters(waiters, 1, [processor, messages] { return processor->submit((*messages)[3]); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  EXPECT_EQ(waiters->finished.count(), 0u) << "submit() returned while the window was full";
  const auto first = finishes_in_time([processor] { return processor->collect(); });
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->sequence, 0u);
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1))
      << "the submitter slept on after a collect() freed a place (2 outcomes still uncollected)";
  EXPECT_EQ(waiters->returned(), (std::vector<std::optional<std::size_t>>{3}));
  EXPECT_EQ(processor->in_flight(), kWorkers + kCapacity);
  const auto rest = finishes_in_time([processor] {
    std::vector<std::size_t> sequences;
    for (int i = 0; i < 3; ++i) sequences.push_back(processor->collect().value().sequence);
    return sequences;
  });
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, (std::vector<std::size_t>{1, 2, 3}));
}

// process() keeps the workers busy: when the window is full it waits for the oldest jobs only,
// never for the whole window. Job window - 1 (the newest of the first window) runs until job
// window has started, which happens only if process() collected the older jobs and submitted
// again while job window - 1 was still running.
TEST(ProcessorBackpressure, ProcessDoesNotWaitForTheWholeWindow) {
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kCapacity = 2;
  constexpr std::size_t kWindow = kWorkers + kCapacity;
  auto next_window_started = std::make_shared<Gate>();
  auto waited_in_vain = std::make_shared<std::atomic<bool>>(false);
  auto work = [next_window_started, waited_in_vain](const Message& m) {
    if (m.index == kWindow) next_window_started->open();
    if (m.index == kWindow - 1 && !next_window_started->wait()) waited_in_vain->store(true);
    return expected_value(m.index);
  };
  const auto outcomes = process_in_time(kWorkers, kCapacity, work, numbered(3 * kWindow));
  ASSERT_TRUE(outcomes) << "deadlock";
  EXPECT_EQ(outcomes->size(), 3 * kWindow);
  EXPECT_FALSE(waited_in_vain->load())
      << "job " << kWindow << " never started while job " << kWindow - 1
      << " ran: process() waited for the whole window before submitting again";
}

// --- ProcessorShutdown ---------------------------------------------------------------------------

// The workers are threads of this process, started by the constructor.
TEST(ProcessorShutdown, WorkersAreThreadsOfTheProcess) {
  const std::size_t before = settled_thread_count();
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 4, 2);
  EXPECT_EQ(thread_count(), before + 4) << "/proc/self/task should list 4 more threads";
  EXPECT_EQ(owner.shared()->workers(), 4u);
}

// After the destructor, the process has the threads it had before: every worker was joined.
TEST(ProcessorShutdown, DestructorJoinsEveryWorker) {
  const std::size_t before = settled_thread_count();
  auto done = finishes_in_time([] {
    Processor processor([](const Message& m) { return expected_value(m.index); }, 4, 2);
    const auto messages = numbered(1000);
    return processor.process(*messages).size();
  });
  ASSERT_TRUE(done) << "process() or the destructor did not finish";
  EXPECT_EQ(*done, 1000u);
  // A thread that was joined leaves /proc/self/task a moment after join() returns: wait for it.
  EXPECT_TRUE(eventually([&] { return thread_count() == before; }))
      << thread_count() - before << " threads are still alive after the processor was destroyed";
}

// Creating and destroying many processors leaks no thread.
TEST(ProcessorShutdown, NoThreadLeakAcrossManyProcessors) {
  const std::size_t before = settled_thread_count();
  auto done = finishes_in_time([] {
    const auto messages = numbered(64);
    std::size_t outcomes = 0;
    for (int round = 0; round < 40; ++round) {
      Processor processor([](const Message& m) { return expected_value(m.index); }, 3, 1);
      outcomes += processor.process(*messages).size();
    }
    return outcomes;
  });
  ASSERT_TRUE(done) << "deadlock";
  EXPECT_EQ(*done, 40u * 64u);
  EXPECT_TRUE(eventually([&] { return thread_count() == before; }))
      << thread_count() - before << " threads leaked by 40 processors";
}

// Destroying a processor with jobs still queued and uncollected returns, and joins its workers.
TEST(ProcessorShutdown, DestructorReturnsWithJobsInFlight) {
  const std::size_t before = settled_thread_count();
  auto done = finishes_in_time([] {
    Processor processor([](const Message& m) { return expected_value(m.index); }, 2, 50);
    const auto messages = numbered(52);
    std::size_t accepted = 0;
    for (const Message& m : *messages) accepted += processor.try_submit(m).has_value() ? 1 : 0;
    return accepted;  // destroyed here, nothing collected
  });
  ASSERT_TRUE(done) << "the destructor did not return";
  EXPECT_EQ(*done, 52u);
  EXPECT_TRUE(eventually([&] { return thread_count() == before; }))
      << thread_count() - before << " threads are still alive after the processor was destroyed";
}

// --- ProcessorContention: shared state touched by several threads at once (graded under TSan) --

// A submitter, a collector and an observer start together at a latch; the observer reads the
// accessors while jobs flow, then closes the stream. Every submitted job is collected once, in
// order. Under ThreadSanitizer, any member touched outside the processor's mutex is reported.
TEST(ProcessorContention, SubmitCollectObserveAndCloseAtOnce) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 2, 2);
  auto processor = owner.shared();
  auto messages = numbered(64);
  auto result = finishes_in_time([processor, messages] {
    std::latch start(3);
    std::atomic<std::size_t> collected{0};
    std::size_t submitted = 0;
    std::size_t wrong = 0;
    std::size_t largest = 0;
    {
      std::jthread submitter([&] {
        start.arrive_and_wait();
        for (std::size_t i = 0;; ++i) {
          const Message& m = (*messages)[submitted % messages->size()];
          const auto sequence = i % 2 == 0 ? processor->try_submit(m) : processor->submit(m);
          if (sequence) {
            ++submitted;
          } else if (i % 2 == 1) {
            break;  // submit() refuses only once the stream is closed
          }
        }
      });
      std::jthread collector([&] {
        start.arrive_and_wait();
        for (std::size_t n = 0;; ++n) {
          auto o = processor->collect();
          if (!o) break;
          if (o->sequence != n || !o->ok() || o->value != expected_value(n % messages->size())) ++wrong;
          collected.fetch_add(1, std::memory_order_relaxed);
        }
      });
      std::jthread observer([&] {
        start.arrive_and_wait();
        while (collected.load(std::memory_order_relaxed) < 200) {
          largest = std::max(largest, processor->in_flight());
          if (processor->workers() != 2 || processor->capacity() != 2) ++wrong;
        }
        processor->close();
      });
    }
    return std::make_tuple(submitted, collected.load(), wrong, largest);
  });
  ASSERT_TRUE(result) << "the threads did not finish: a lost wake-up at close()?";
  const auto& [submitted, collected, wrong, largest] = *result;
  EXPECT_GE(collected, 200u);
  EXPECT_EQ(collected, submitted) << "every submitted job is collected exactly once";
  EXPECT_EQ(wrong, 0u) << "outcomes out of order or wrong, or accessors that changed";
  EXPECT_LE(largest, 4u);
  EXPECT_EQ(processor->in_flight(), 0u);
}

// The same with cancel() in the middle of the stream: submissions stop, every job submitted is
// still collected (ok or cancelled, in order), then collect() ends.
TEST(ProcessorContention, CancelWhileSubmittingAndCollecting) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 2, 3);
  auto processor = owner.shared();
  auto messages = numbered(64);
  auto result = finishes_in_time([processor, messages] {
    std::latch start(3);
    std::atomic<std::size_t> collected{0};
    std::size_t submitted = 0;
    std::size_t wrong = 0;
    {
      std::jthread submitter([&] {
        start.arrive_and_wait();
        for (std::size_t i = 0; processor->submit((*messages)[i % messages->size()]); ++i) ++submitted;
      });
      std::jthread collector([&] {
        start.arrive_and_wait();
        for (std::size_t n = 0;; ++n) {
          auto o = processor->collect();
          if (!o) break;
          const bool fine = o->ok() ? o->value == expected_value(n % messages->size())
                                    : o->status == JobStatus::cancelled && o->error == "cancelled";
          if (o->sequence != n || !fine) ++wrong;
          collected.fetch_add(1, std::memory_order_relaxed);
        }
      });
      std::jthread canceller([&] {
        start.arrive_and_wait();
        while (collected.load(std::memory_order_relaxed) < 100) (void)processor->in_flight();
        processor->cancel();
      });
    }
    return std::make_tuple(submitted, collected.load(), wrong);
  });
  ASSERT_TRUE(result) << "the threads did not finish after cancel()";
  const auto& [submitted, collected, wrong] = *result;
  EXPECT_GE(collected, 100u);
  EXPECT_EQ(collected, submitted);
  EXPECT_EQ(wrong, 0u);
}

// process() on one thread while another reads in_flight(), workers() and capacity() (metrics
// read during a run): the reads are safe and never see more than the window.
TEST(ProcessorContention, AccessorsReadDuringProcess) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 2, 2);
  auto processor = owner.shared();
  auto messages = numbered(600);
  auto result = finishes_in_time([processor, messages] {
    std::latch start(2);
    std::atomic<bool> done{false};
    std::size_t largest = 0;
    std::size_t reads = 0;
    std::size_t outcomes = 0;
    {
      std::jthread reader([&] {
        start.arrive_and_wait();
        while (!done.load()) {
          largest = std::max(largest, processor->in_flight());
          reads += processor->workers() + processor->capacity() == 4 ? 1 : 0;
        }
      });
      start.arrive_and_wait();
      outcomes = processor->process(*messages).size();
      done = true;
    }
    return std::make_tuple(outcomes, largest, reads);
  });
  ASSERT_TRUE(result) << "deadlock";
  const auto& [outcomes, largest, reads] = *result;
  EXPECT_EQ(outcomes, 600u);
  EXPECT_LE(largest, 4u);
  EXPECT_GT(reads, 0u);
}

// close() on one thread while another keeps calling try_submit(), released by a latch: the flag
// is read and written by two threads that meet nowhere else. Every accepted job is collected.
TEST(ProcessorContention, CloseWhileAnotherThreadSubmits) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 1, 2);
  auto processor = owner.shared();
  auto messages = numbered(1);
  auto result = finishes_in_time([processor, messages] {
    std::latch start(2);
    std::size_t accepted = 0;
    {
      std::jthread closer([&] {
        start.arrive_and_wait();
        processor->close();
      });
      std::jthread submitter([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 50; ++i) accepted += processor->try_submit((*messages)[0]).has_value() ? 1 : 0;
      });
    }
    std::size_t collected = 0;
    while (processor->collect()) ++collected;
    return std::make_pair(accepted, collected);
  });
  ASSERT_TRUE(result) << "collect() did not end after close()";
  EXPECT_LE(result->first, 3u);
  EXPECT_EQ(result->second, result->first) << "jobs accepted before close() are collected";
}

// in_flight() read on one thread (a metric) while another submits and collects, released by a
// latch: the reader touches the processor only through in_flight().
TEST(ProcessorContention, InFlightReadWhileAnotherThreadSubmitsAndCollects) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 1, 1);
  auto processor = owner.shared();
  auto messages = numbered(1);
  auto result = finishes_in_time([processor, messages] {
    std::latch start(2);
    std::size_t largest = 0;
    std::size_t collected = 0;
    {
      std::jthread reader([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 300; ++i) largest = std::max(largest, processor->in_flight());
      });
      std::jthread worker([&] {
        start.arrive_and_wait();
        for (int i = 0; i < 100; ++i) {
          if (processor->try_submit((*messages)[0]) && processor->collect()) ++collected;
        }
      });
    }
    return std::make_pair(largest, collected);
  });
  ASSERT_TRUE(result) << "deadlock";
  EXPECT_LE(result->first, 2u);
  EXPECT_EQ(result->second, 100u);
}

// A submitter asleep on the full window, then collect() on another thread: the collector's
// wake-up decision and the submitter's leaving the wait touch the same count, so it must be read
// under the mutex. Every outcome arrives, in order.
TEST(ProcessorContention, CollectWakesASleepingSubmitter) {
  GatedWork gated;
  OwnedProcessor owner(gated.work(), 1, 1);
  auto processor = owner.shared();
  OpenOnExit open_on_exit{gated.gate};
  auto messages = numbered(3);
  ASSERT_TRUE(processor->try_submit((*messages)[0]));
  ASSERT_TRUE(processor->try_submit((*messages)[1]));
  auto waiters = std::make_shared<Waiters<std::optional<std::size_t>>>();
  start_waiters(waiters, 1, [processor, messages] { return processor->submit((*messages)[2]); });
  ASSERT_TRUE(waiters->started.wait_for_at_least(1));
  ASSERT_TRUE(all_asleep(waiters->thread_ids()));
  gated.gate->open();
  const auto sequences = finishes_in_time([processor] {
    std::vector<std::size_t> s;
    for (int i = 0; i < 3; ++i) s.push_back(processor->collect().value().sequence);
    return s;
  });
  ASSERT_TRUE(sequences) << "the submitter was not woken by collect(), or collect() deadlocked";
  EXPECT_EQ(*sequences, (std::vector<std::size_t>{0, 1, 2}));
  ASSERT_TRUE(waiters->finished.wait_for_at_least(1));
  EXPECT_EQ(waiters->returned(), (std::vector<std::optional<std::size_t>>{2}));
}

}  // namespace
}  // namespace edi::concurrency::test
