// Graders of lesson 03, exercise 2: ConcurrentProcessor<Result>.
//
//   ProcessorResults      every message gets exactly one outcome, in input order (100,000 jobs
//                         per configuration, from 1 worker and capacity 1 up)
//   ProcessorLiveness     no deadlock for any number of messages versus capacity and workers
//                         (the Go original's bug), and jobs really run at the same time
//   ProcessorBackpressure at most capacity + workers jobs in flight: a producer waits
//   ProcessorFailures     an exception fails only its job; stop and cancel() end work promptly
//   ProcessorShutdown     the workers are threads of the process, and none outlives it
//
// Deterministic: nothing sleeps and nothing is timed. Jobs meet through latches, gates and
// counters; every wait is bounded (liveness.hpp) so that a deadlock fails a test instead of
// hanging the suite. Processors that might deadlock run on a helper thread and are owned through
// std::shared_ptr by what runs on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "concurrent_processor.hpp"
#include "edi/edi.hpp"
#include "liveness.hpp"
#include "message_work.hpp"

namespace {

using edi::concurrency::ConcurrentProcessor;
using edi::concurrency::JobStatus;
using edi::concurrency::Message;
using edi::concurrency::Outcome;
using edi::concurrency::test::eventually;
using edi::concurrency::test::finishes_in_time;
using edi::concurrency::test::Gate;
using edi::concurrency::test::Tally;
using edi::concurrency::test::settled_thread_count;
using edi::concurrency::test::thread_count;

using Processor = ConcurrentProcessor<std::uint64_t>;
using Outcomes = std::vector<Outcome<std::uint64_t>>;

// n messages that differ only in their index (the work below needs nothing else).
std::shared_ptr<const std::vector<Message>> numbered(std::size_t n) {
  auto messages = std::make_shared<std::vector<Message>>(n);
  for (std::size_t i = 0; i < n; ++i) (*messages)[i].index = i;
  return messages;
}

// What the work computes from message i: unlike i, so a misplaced result cannot pass.
constexpr std::uint64_t expected_value(std::size_t i) { return i * 2654435761ULL + 17; }

// Runs process() on a fresh processor on a helper thread; std::nullopt when it did not finish
// within the liveness bound (a deadlock).
std::optional<Outcomes> process_in_time(std::size_t workers, std::size_t capacity, Processor::Work work,
                                        std::shared_ptr<const std::vector<Message>> messages,
                                        std::stop_token stop = {}) {
  return finishes_in_time([=] {
    Processor processor(work, workers, capacity);
    return processor.process(*messages, stop);
  });
}

// Owns a processor for a test and destroys it on a helper thread when the test ends, so that a
// destructor that never returns (workers nobody wakes) fails the test instead of hanging it.
class OwnedProcessor {
 public:
  OwnedProcessor(Processor::Work work, std::size_t workers, std::size_t capacity)
      : processor_(std::make_shared<Processor>(std::move(work), workers, capacity)) {}
  OwnedProcessor(const OwnedProcessor&) = delete;
  OwnedProcessor& operator=(const OwnedProcessor&) = delete;
  ~OwnedProcessor() {
    const auto destroyed = finishes_in_time([p = std::move(processor_)]() mutable {
      p.reset();
      return true;
    });
    if (!destroyed) ADD_FAILURE() << "the processor's destructor did not return";
  }
  // Declare the copy after the owner, so that the owner holds the last reference at the end.
  std::shared_ptr<Processor> shared() const { return processor_; }

 private:
  std::shared_ptr<Processor> processor_;
};

// Every message exactly once, in input order, with its own value.
void expect_complete_and_ordered(std::size_t workers, std::size_t capacity, std::size_t n) {
  auto runs = std::make_shared<std::vector<std::atomic<std::uint32_t>>>(n);
  auto work = [runs](const Message& m) {
    (*runs)[m.index].fetch_add(1, std::memory_order_relaxed);
    return expected_value(m.index);
  };
  const auto outcomes = process_in_time(workers, capacity, work, numbered(n));
  ASSERT_TRUE(outcomes) << "process() of " << n << " messages with " << workers << " workers and capacity " << capacity
                        << " did not finish: a deadlock";
  ASSERT_EQ(outcomes->size(), n) << "one outcome per message";
  std::size_t misplaced = 0;
  std::size_t not_ok = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& o = (*outcomes)[i];
    if (!o.ok()) {
      ++not_ok;
    } else if (o.sequence != i || o.value != expected_value(i)) {
      ++misplaced;
    }
  }
  EXPECT_EQ(not_ok, 0u) << "outcomes that are not ok";
  EXPECT_EQ(misplaced, 0u) << "outcomes out of input order or with another message's value";
  const auto once = std::count_if(runs->begin(), runs->end(), [](const auto& r) { return r.load() == 1; });
  EXPECT_EQ(static_cast<std::size_t>(once), n) << "messages processed zero times or more than once";
}

// --- ProcessorResults --------------------------------------------------------------------------

// 100,000 jobs, 1 worker, capacity 1: the narrowest pipe.
TEST(ProcessorResults, OneWorkerCapacityOne) { expect_complete_and_ordered(1, 1, 100'000); }

// 100,000 jobs, 2 workers, capacity 1.
TEST(ProcessorResults, TwoWorkersCapacityOne) { expect_complete_and_ordered(2, 1, 100'000); }

// 100,000 jobs, 4 workers (more than this machine's cores), capacity 16.
TEST(ProcessorResults, FourWorkersCapacitySixteen) { expect_complete_and_ordered(4, 16, 100'000); }

// 100,000 jobs, 8 workers, capacity 1,000.
TEST(ProcessorResults, EightWorkersLargeCapacity) { expect_complete_and_ordered(8, 1000, 100'000); }

// Job 0 finishes after job 1: it waits until job 2 has started, which with 2 workers happens only
// once the other worker has finished job 1. The outcomes still come in input order.
TEST(ProcessorResults, InputOrderWhenJobsFinishOutOfOrder) {
  auto third_started = std::make_shared<Gate>();
  auto work = [third_started](const Message& m) -> std::uint64_t {
    if (m.index == 2) third_started->open();
    if (m.index == 0 && !third_started->wait()) throw std::runtime_error("job 2 never started while job 0 ran");
    return expected_value(m.index);
  };
  const auto outcomes = process_in_time(2, 2, work, numbered(3));
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE((*outcomes)[i].ok()) << (*outcomes)[i].error;
    EXPECT_EQ((*outcomes)[i].sequence, i);
    EXPECT_EQ((*outcomes)[i].value, expected_value(i)) << "outcome " << i << " belongs to another message";
  }
}

// Streaming: one thread submits 100,000 messages and closes, another collects them all, in
// submission order, and then collect() says the stream has ended.
TEST(ProcessorResults, StreamingDeliversEverythingInOrder) {
  constexpr std::size_t kMessages = 100'000;
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 3, 8);
  auto processor = owner.shared();
  auto messages = numbered(kMessages);
  auto result = finishes_in_time([processor, messages] {
    std::jthread producer([&] {
      for (const Message& m : *messages) {
        if (!processor->submit(m)) break;
      }
      processor->close();
    });
    std::size_t collected = 0;
    std::size_t wrong = 0;
    while (auto outcome = processor->collect()) {
      if (!outcome->ok() || outcome->sequence != collected || outcome->value != expected_value(collected)) ++wrong;
      ++collected;
    }
    return std::make_pair(collected, wrong);
  });
  ASSERT_TRUE(result) << "streaming did not finish: a deadlock, or collect() never saw the end of the stream";
  EXPECT_EQ(result->first, kMessages) << "outcomes collected";
  EXPECT_EQ(result->second, 0u) << "outcomes out of order, failed, or with another message's value";
  EXPECT_EQ(processor->in_flight(), 0u);
}

// Real messages with real work (parse, validate, total): the same summaries as one thread gets.
TEST(ProcessorResults, RealMessagesMatchSequentialProcessing) {
  auto text = std::make_shared<const std::string>(
      edi::generate({.seed = 23, .messages = 400, .syntax = 4, .messages_per_interchange = 60}));
  auto messages = std::make_shared<const std::vector<Message>>(edi::concurrency::messages_of(*text));
  ASSERT_EQ(messages->size(), 400u);
  const auto outcomes = finishes_in_time([text, messages] {
    ConcurrentProcessor<edi::concurrency::MessageSummary> processor(
        [](const Message& m) { return edi::concurrency::summarize(m.text, m.chars); }, 2, 4);
    return processor.process(*messages);
  });
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), messages->size());
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const auto& o = (*outcomes)[i];
    ASSERT_TRUE(o.ok()) << o.error;
    EXPECT_EQ(*o.value, edi::concurrency::summarize((*messages)[i].text, (*messages)[i].chars)) << "message " << i;
  }
}

// One processor serves several process() calls; each numbers its outcomes from 0.
TEST(ProcessorResults, ProcessIsReusable) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 2, 3);
  auto processor = owner.shared();
  for (const std::size_t n : {50u, 0u, 7u, 1000u}) {
    const auto messages = numbered(n);
    const auto outcomes = finishes_in_time([processor, messages] { return processor->process(*messages); });
    ASSERT_TRUE(outcomes) << "deadlock";
    ASSERT_EQ(outcomes->size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ((*outcomes)[i].sequence, i);
      EXPECT_EQ((*outcomes)[i].value, expected_value(i));
    }
  }
  EXPECT_EQ(processor->in_flight(), 0u);
}

// Zero workers or a capacity of zero are rejected.
TEST(ProcessorResults, RejectsZeroWorkersOrCapacity) {
  OwnedProcessor owner([](const Message&) { return std::uint64_t{1}; }, 1, 1);
  EXPECT_EQ(owner.shared()->workers(), 1u);
  EXPECT_EQ(owner.shared()->capacity(), 1u);
  EXPECT_THROW(Processor([](const Message&) { return std::uint64_t{1}; }, 0, 4), std::invalid_argument);
  EXPECT_THROW(Processor([](const Message&) { return std::uint64_t{1}; }, 4, 0), std::invalid_argument);
}

// --- ProcessorLiveness ---------------------------------------------------------------------------

// The Go original's bug: it queued every job before reading any result, so as soon as there were
// more messages than its buffers hold, the producer and the workers waited on each other forever.
// process() must finish for any number of messages versus capacity and workers.
TEST(ProcessorLiveness, MoreMessagesThanCapacityPlusWorkers) {
  struct Case {
    std::size_t workers, capacity;
  };
  for (const Case c : {Case{1, 1}, Case{2, 1}, Case{2, 4}, Case{4, 3}}) {
    const std::size_t n = 10 * (c.capacity + c.workers) + 3;
    const auto outcomes = process_in_time(c.workers, c.capacity, [](const Message& m) { return expected_value(m.index); },
                                          numbered(n));
    ASSERT_TRUE(outcomes) << n << " messages, " << c.workers << " workers, capacity " << c.capacity
                          << ": process() did not finish. Does it wait for room before collecting?";
    EXPECT_EQ(outcomes->size(), n);
  }
}

// Fewer messages than workers, and no messages at all.
TEST(ProcessorLiveness, FewerMessagesThanWorkers) {
  for (const std::size_t n : {0u, 1u, 3u}) {
    const auto outcomes = process_in_time(8, 2, [](const Message& m) { return expected_value(m.index); }, numbered(n));
    ASSERT_TRUE(outcomes) << n << " messages: deadlock";
    EXPECT_EQ(outcomes->size(), n);
  }
}

// N workers run N jobs at the same time: each job waits at a std::latch of N, which only opens
// when all N are inside a job together. A processor that runs jobs one at a time never opens it.
void expect_parallel(std::size_t workers) {
  auto all_running = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(workers));
  auto gave_up = std::make_shared<std::atomic<bool>>(false);
  auto work = [all_running, gave_up](const Message&) -> std::uint64_t {
    all_running->count_down();
    if (!gave_up->load() && !eventually([&] { return all_running->try_wait(); })) gave_up->store(true);
    return all_running->try_wait() ? 1 : 0;
  };
  const auto outcomes = process_in_time(workers, 1, work, numbered(workers));
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), workers);
  for (const auto& o : *outcomes) {
    ASSERT_TRUE(o.ok()) << o.error;
    EXPECT_EQ(o.value, 1u) << "a job waited in vain for all " << workers << " jobs to run at the same time";
  }
}

// Two workers run two jobs at once.
TEST(ProcessorLiveness, TwoWorkersRunTwoJobsAtOnce) { expect_parallel(2); }

// Four workers run four jobs at once, even on two cores.
TEST(ProcessorLiveness, FourWorkersRunFourJobsAtOnce) { expect_parallel(4); }

// --- ProcessorBackpressure ----------------------------------------------------------------------

// Jobs that wait at a gate until the test opens it, counting themselves in.
struct GatedWork {
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::shared_ptr<Tally> started = std::make_shared<Tally>();
  Processor::Work work() const {
    return [gate = gate, started = started](const Message& m) {
      started->add();
      if (!gate->wait()) throw std::runtime_error("the gate was never opened");
      return expected_value(m.index);
    };
  }
};

// Opens the gate when the test ends, whatever happened, before the processor declared ahead of
// it is destroyed: its destructor joins workers that may still wait at the gate.
struct OpenOnExit {
  std::shared_ptr<Gate> gate;
  ~OpenOnExit() { gate->open(); }
};

// With every worker blocked, exactly capacity + workers jobs are accepted; one more is refused
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

// --- ProcessorFailures ---------------------------------------------------------------------------

// Every seventh job throws: those outcomes are failed with the exception's message, all others
// are fine.
TEST(ProcessorFailures, AnExceptionFailsOnlyItsJob) {
  constexpr std::size_t kMessages = 10'000;
  auto work = [](const Message& m) -> std::uint64_t {
    if (m.index % 7 == 3) throw std::runtime_error("bad message " + std::to_string(m.index));
    return expected_value(m.index);
  };
  const auto outcomes = process_in_time(3, 4, work, numbered(kMessages));
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), kMessages);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < kMessages; ++i) {
    const auto& o = (*outcomes)[i];
    if (i % 7 == 3) {
      wrong += o.status == JobStatus::failed && !o.value && o.error == "bad message " + std::to_string(i) ? 0 : 1;
    } else {
      wrong += o.ok() && o.value == expected_value(i) && o.error.empty() ? 0 : 1;
    }
  }
  EXPECT_EQ(wrong, 0u) << "outcomes with the wrong status, value or error";
}

// An exception of any type (here an int) fails its job only; the processor keeps working.
TEST(ProcessorFailures, NonStandardExceptionsFailTheirJobToo) {
  OwnedProcessor owner(
      [](const Message& m) -> std::uint64_t {
        if (m.index == 5) throw 42;
        return expected_value(m.index);
      },
      2, 2);
  auto processor = owner.shared();
  const auto messages = numbered(20);
  const auto outcomes = finishes_in_time([processor, messages] { return processor->process(*messages); });
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), 20u);
  EXPECT_EQ((*outcomes)[5].status, JobStatus::failed);
  EXPECT_EQ((*outcomes)[5].error, "unknown exception");
  for (std::size_t i = 0; i < 20; ++i) {
    if (i != 5) {
      EXPECT_EQ((*outcomes)[i].value, expected_value(i));
    }
  }
  const auto again = finishes_in_time([processor, messages] { return processor->process(*messages); });
  ASSERT_TRUE(again) << "deadlock";
  EXPECT_EQ(again->size(), 20u);
  EXPECT_EQ((*again)[6].value, expected_value(6));
}

// A stop requested from inside job 100 of 100,000: at most one more job per worker starts after
// it, process() returns, and every message not run has a cancelled outcome.
TEST(ProcessorFailures, StopEndsWorkPromptly) {
  constexpr std::size_t kMessages = 100'000;
  constexpr std::size_t kTrigger = 100;
  constexpr std::size_t kWorkers = 2;
  auto stop = std::make_shared<std::stop_source>();
  auto started = std::make_shared<std::atomic<std::size_t>>(0);
  auto work = [stop, started](const Message& m) {
    if (started->fetch_add(1) + 1 == kTrigger + 1) stop->request_stop();
    return expected_value(m.index);
  };
  const auto outcomes = process_in_time(kWorkers, 8, work, numbered(kMessages), stop->get_token());
  ASSERT_TRUE(outcomes) << "process() did not return after the stop request";
  ASSERT_EQ(outcomes->size(), kMessages) << "one outcome per message, run or not";
  const std::size_t ran = started->load();
  EXPECT_LE(ran, kTrigger + 1 + kWorkers) << "jobs kept starting after the stop request";
  std::size_t ok = 0;
  std::size_t cancelled = 0;
  for (std::size_t i = 0; i < kMessages; ++i) {
    const auto& o = (*outcomes)[i];
    EXPECT_EQ(o.sequence, i);
    if (o.ok()) {
      ++ok;
      EXPECT_EQ(o.value, expected_value(i));
    } else if (o.status == JobStatus::cancelled && !o.value && o.error == "cancelled") {
      ++cancelled;
    }
  }
  EXPECT_EQ(ok, ran) << "every job that ran is ok";
  EXPECT_EQ(cancelled, kMessages - ran) << "every job that did not run is cancelled";
}

// A stop requested before process() starts runs nothing.
TEST(ProcessorFailures, StopBeforeStartRunsNothing) {
  auto runs = std::make_shared<std::atomic<std::size_t>>(0);
  std::stop_source stop;
  stop.request_stop();
  const auto outcomes = process_in_time(
      2, 2, [runs](const Message& m) { return runs->fetch_add(1) + expected_value(m.index); }, numbered(500),
      stop.get_token());
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), 500u);
  EXPECT_EQ(runs->load(), 0u);
  for (const auto& o : *outcomes) EXPECT_EQ(o.status, JobStatus::cancelled);
}

// cancel() wakes a producer blocked on a full window; queued jobs never run and are handed out
// as cancelled, running jobs finish, and then collect() reports the end.
TEST(ProcessorFailures, CancelReleasesWaitersAndDropsQueuedJobs) {
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kCapacity = 2;
  GatedWork gated;
  OwnedProcessor owner(gated.work(), kWorkers, kCapacity);
  auto processor = owner.shared();
  OpenOnExit open_on_exit{gated.gate};
  auto messages = numbered(10);
  for (std::size_t i = 0; i < kCapacity + kWorkers; ++i) ASSERT_TRUE(processor->try_submit((*messages)[i]));
  ASSERT_TRUE(gated.started->wait_for_at_least(kWorkers));
  auto blocked = std::make_shared<Tally>();
  auto refused = std::make_shared<std::atomic<bool>>(false);
  std::thread([processor, messages, blocked, refused] {
    *refused = !processor->submit((*messages)[kCapacity + kWorkers]).has_value();
    blocked->add();
  }).detach();
  processor->cancel();
  ASSERT_TRUE(blocked->wait_for_at_least(1)) << "submit() kept waiting after cancel()";
  EXPECT_TRUE(refused->load()) << "submit() accepted a job after cancel()";
  EXPECT_FALSE(processor->try_submit((*messages)[9]).has_value());
  gated.gate->open();
  auto collected = finishes_in_time([processor] {
    std::vector<JobStatus> statuses;
    while (auto o = processor->collect()) statuses.push_back(o->status);
    return statuses;
  });
  ASSERT_TRUE(collected) << "collect() did not end after cancel()";
  EXPECT_EQ(*collected, (std::vector<JobStatus>{JobStatus::ok, JobStatus::ok, JobStatus::cancelled, JobStatus::cancelled}));
  EXPECT_EQ(gated.started->count(), kWorkers) << "queued jobs ran after cancel()";
}

// A stop token ends a submit() waiting for room and a collect() waiting for a submission.
TEST(ProcessorFailures, StopTokenEndsWaitingSubmitAndCollect) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 1, 1);
  auto processor = owner.shared();
  auto messages = numbered(3);
  auto stop = std::make_shared<std::stop_source>();
  auto waiting_collect = std::make_shared<Tally>();
  auto collected = std::make_shared<std::optional<Outcome<std::uint64_t>>>();
  std::thread([processor, stop, waiting_collect, collected] {
    *collected = processor->collect(stop->get_token());  // nothing submitted: waits
    waiting_collect->add();
  }).detach();
  stop->request_stop();
  ASSERT_TRUE(waiting_collect->wait_for_at_least(1)) << "collect() kept waiting after stop was requested";
  EXPECT_FALSE(collected->has_value());

  std::stop_source stop_submit;
  ASSERT_TRUE(processor->try_submit((*messages)[0]));
  ASSERT_TRUE(processor->try_submit((*messages)[1]));
  stop_submit.request_stop();
  auto third = finishes_in_time([processor, messages, token = stop_submit.get_token()] {
    return processor->submit((*messages)[2], token).has_value();
  });
  ASSERT_TRUE(third) << "submit() kept waiting on a full window after stop was requested";
  EXPECT_FALSE(*third);
  for (std::size_t i = 0; i < 2; ++i) {
    auto o = finishes_in_time([processor] { return processor->collect(); });
    ASSERT_TRUE(o && *o);
    EXPECT_EQ((*o)->sequence, i);
  }
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

}  // namespace
