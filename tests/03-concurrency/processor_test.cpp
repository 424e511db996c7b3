// Graders of lesson 03, exercise 2: ConcurrentProcessor<Result>.
//
//   ProcessorResults      every message gets exactly one outcome, in input order (100,000 jobs
//                         per configuration, from 1 worker and capacity 1 up)
//   ProcessorLiveness     no deadlock for any number of messages versus capacity and workers
//                         (the Go original's bug), and jobs really run at the same time
//   ProcessorBackpressure at most capacity + workers jobs in flight: a producer waits
//   ProcessorFailures     an exception fails only its job; stop and cancel() end work promptly;
//                         a submission that throws (std::bad_alloc) submits nothing
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
// std::shared_ptr by what runs on it.
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
#include "concurrent_processor.hpp"
#include "edi/edi.hpp"
#include "liveness.hpp"
#include "message_work.hpp"

namespace {

using edi::concurrency::ConcurrentProcessor;
using edi::concurrency::JobStatus;
using edi::concurrency::Message;
using edi::concurrency::Outcome;
using edi::concurrency::test::all_asleep;
using edi::concurrency::test::eventually;
using edi::concurrency::test::finishes_in_time;
using edi::concurrency::test::Gate;
using edi::concurrency::test::start_waiters;
using edi::concurrency::test::Tally;
using edi::concurrency::test::Waiters;
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

// The end of a stream is not the end of its outcomes: jobs submitted before close() are all
// collected, in order, and only then does collect() return std::nullopt. Closing twice is harmless.
TEST(ProcessorResults, CollectDrainsEverythingSubmittedBeforeClose) {
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 2, 3);
  auto processor = owner.shared();
  auto messages = numbered(5);
  for (std::size_t i = 0; i < 5; ++i) ASSERT_EQ(processor->try_submit((*messages)[i]), i);
  processor->close();
  processor->close();
  EXPECT_FALSE(processor->try_submit((*messages)[0]).has_value()) << "try_submit() accepted a job after close()";
  EXPECT_FALSE(processor->submit((*messages)[0]).has_value()) << "submit() accepted a job after close()";
  auto collected = finishes_in_time([processor] {
    std::vector<std::size_t> sequences;
    while (auto o = processor->collect()) sequences.push_back(o->ok() && o->value == expected_value(o->sequence) ? o->sequence : 999);
    sequences.push_back(processor->collect().has_value() ? 1000 : 1001);  // still the end
    return sequences;
  });
  ASSERT_TRUE(collected) << "collect() did not return the jobs submitted before close(), or never reported the end";
  EXPECT_EQ(*collected, (std::vector<std::size_t>{0, 1, 2, 3, 4, 1001}));
}

// A collector asleep with nothing in flight is woken by close() and by cancel(): the stream ended.
TEST(ProcessorResults, CloseAndCancelEndASleepingCollect) {
  for (const bool cancel : {false, true}) {
    OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 1, 1);
    auto processor = owner.shared();
    auto waiters = std::make_shared<Waiters<bool>>();
    start_waiters(waiters, 1, [processor] { return processor->collect().has_value(); });
    ASSERT_TRUE(waiters->started.wait_for_at_least(1));
    ASSERT_TRUE(all_asleep(waiters->thread_ids()));
    EXPECT_EQ(waiters->finished.count(), 0u) << "collect() returned with nothing submitted and the stream open";
    if (cancel) {
      processor->cancel();
    } else {
      processor->close();
    }
    ASSERT_TRUE(waiters->finished.wait_for_at_least(1))
        << "a collect() asleep with nothing in flight kept sleeping after " << (cancel ? "cancel()" : "close()");
    EXPECT_EQ(waiters->returned(), std::vector<bool>{false});
  }
}

// A process() that was stopped leaves the processor as it found it: nothing in flight, not
// cancelled, and the next process(), submit and collect run everything.
TEST(ProcessorResults, AStoppedProcessLeavesTheProcessorUsable) {
  auto stop = std::make_shared<std::stop_source>();
  OwnedProcessor owner(
      [stop](const Message& m) {
        if (m.index == 10) stop->request_stop();
        return expected_value(m.index);
      },
      2, 2);
  auto processor = owner.shared();
  const auto first = finishes_in_time([processor, stop] { return processor->process(*numbered(500), stop->get_token()); });
  ASSERT_TRUE(first) << "process() did not return after its stop request";
  ASSERT_EQ(first->size(), 500u);
  EXPECT_EQ(first->back().status, JobStatus::cancelled);
  EXPECT_EQ(processor->in_flight(), 0u) << "a stopped process() left jobs in flight";
  const auto second = finishes_in_time([processor] { return processor->process(*numbered(300)); });
  ASSERT_TRUE(second) << "deadlock";
  ASSERT_EQ(second->size(), 300u);
  std::size_t not_ok = 0;
  for (std::size_t i = 0; i < 300; ++i) not_ok += (*second)[i].ok() && (*second)[i].value == expected_value(i) ? 0 : 1;
  EXPECT_EQ(not_ok, 0u) << "the stop request of an earlier process() cancelled jobs of a later one";
  ASSERT_TRUE(processor->try_submit((*numbered(1))[0]).has_value()) << "the processor refuses jobs after a stopped process()";
  const auto o = finishes_in_time([processor] { return processor->collect(); });
  ASSERT_TRUE(o && *o);
  EXPECT_TRUE((*o)->ok());
}

// process() requires a processor with nothing in flight that is neither closed nor cancelled,
// and says so with std::logic_error instead of mixing in outcomes that are not its own.
TEST(ProcessorResults, ProcessRefusesJobsInFlightClosedOrCancelled) {
  const auto work = [](const Message& m) { return expected_value(m.index); };
  const auto messages = numbered(2);
  // true when process() threw std::logic_error; std::nullopt when it did not return.
  const auto refused = [messages](const std::shared_ptr<Processor>& processor) {
    return finishes_in_time([processor, messages] {
      try {
        (void)processor->process(*messages);
      } catch (const std::logic_error&) {
        return true;
      }
      return false;
    });
  };
  {
    OwnedProcessor owner(work, 1, 2);
    auto processor = owner.shared();
    ASSERT_TRUE(processor->try_submit((*messages)[1]).has_value());
    EXPECT_EQ(refused(processor), std::optional<bool>{true}) << "process() with a submitted job not collected";
    const auto o = finishes_in_time([processor] { return processor->collect(); });
    ASSERT_TRUE(o && *o);
    EXPECT_EQ((*o)->sequence, 0u);
    EXPECT_EQ((*o)->value, expected_value(1));
    EXPECT_EQ(refused(processor), std::optional<bool>{false}) << "process() once the job was collected";
  }
  for (const bool cancel : {false, true}) {
    OwnedProcessor owner(work, 1, 2);
    auto processor = owner.shared();
    if (cancel) {
      processor->cancel();
      processor->cancel();
    } else {
      processor->close();
    }
    EXPECT_EQ(refused(processor), std::optional<bool>{true}) << "process() after " << (cancel ? "cancel()" : "close()");
  }
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

// Exceptions of every kind: a std::exception subclass (the message is its what()), a type of the
// program's own derived from std::exception, and things that are no std::exception at all (a
// std::string, a C string, a struct). Each fails its own job only; the next job is fine.
TEST(ProcessorFailures, ExceptionsOfAnyTypeFailTheirJob) {
  struct Rejected : std::exception {
    const char* what() const noexcept override { return "rejected by the partner"; }
  };
  struct NotAnException {
    int code = 7;
  };
  OwnedProcessor owner(
      [](const Message& m) -> std::uint64_t {
        switch (m.index % 7) {
          case 0: throw std::out_of_range("index " + std::to_string(m.index) + " out of range");
          case 1: throw Rejected();
          case 2: throw std::string("a string");
          case 3: throw "a C string";
          case 4: throw NotAnException();
          case 5: throw std::logic_error("logic " + std::to_string(m.index));
          default: return expected_value(m.index);
        }
      },
      2, 2);
  auto processor = owner.shared();
  const auto expected_error = [](std::size_t i) -> std::string {
    switch (i % 7) {
      case 0: return "index " + std::to_string(i) + " out of range";
      case 1: return "rejected by the partner";
      case 5: return "logic " + std::to_string(i);
      case 6: return "";
      default: return "unknown exception";
    }
  };
  const auto messages = numbered(70);
  const auto outcomes = finishes_in_time([processor, messages] { return processor->process(*messages); });
  ASSERT_TRUE(outcomes) << "deadlock";
  ASSERT_EQ(outcomes->size(), 70u);
  for (std::size_t i = 0; i < 70; ++i) {
    const auto& o = (*outcomes)[i];
    if (i % 7 == 6) {
      EXPECT_TRUE(o.ok() && o.value == expected_value(i) && o.error.empty()) << "job " << i << " should be fine";
    } else {
      EXPECT_EQ(o.status, JobStatus::failed) << "job " << i;
      EXPECT_FALSE(o.value.has_value()) << "job " << i;
      EXPECT_EQ(o.error, expected_error(i)) << "job " << i;
    }
  }
  // The same through submit and collect.
  const auto streamed = finishes_in_time([processor, messages] {
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < 7; ++i) {
      if (!processor->submit((*messages)[i])) break;
      errors.push_back(processor->collect().value().error);
    }
    return errors;
  });
  ASSERT_TRUE(streamed) << "deadlock";
  ASSERT_EQ(streamed->size(), 7u);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ((*streamed)[i], expected_error(i)) << "job " << i;
}

// A token already stopped refuses the job even when the window has room: submit() returns
// std::nullopt and submits nothing (no job, no sequence number, nothing to collect).
TEST(ProcessorFailures, AStoppedTokenSubmitsNothingEvenWithRoom) {
  auto runs = std::make_shared<std::atomic<std::size_t>>(0);
  OwnedProcessor owner(
      [runs](const Message& m) {
        runs->fetch_add(1);
        return expected_value(m.index);
      },
      2, 4);
  auto processor = owner.shared();
  auto messages = numbered(3);
  std::stop_source stop;
  stop.request_stop();
  const auto refused = finishes_in_time([processor, messages, token = stop.get_token()] {
    return processor->submit((*messages)[0], token).has_value();
  });
  ASSERT_TRUE(refused) << "submit() with a stopped token waited";
  EXPECT_FALSE(*refused) << "submit() accepted a job with a stopped token";
  EXPECT_EQ(processor->in_flight(), 0u) << "a refused submit left a job in flight";
  EXPECT_EQ(processor->try_submit((*messages)[1]), std::optional<std::size_t>{0})
      << "the refused submit took a sequence number";
  const auto o = finishes_in_time([processor] { return processor->collect(); });
  ASSERT_TRUE(o && *o);
  EXPECT_EQ((*o)->sequence, 0u);
  EXPECT_EQ((*o)->value, expected_value(1)) << "the first outcome belongs to the refused job";
  EXPECT_EQ(runs->load(), 1u);
}

// A stop requested on a submit()'s token after it returned cancels that job if no worker has
// started it yet; jobs submitted with other tokens are untouched.
TEST(ProcessorFailures, AStopAfterSubmitCancelsTheQueuedJob) {
  GatedWork gated;
  OwnedProcessor owner(gated.work(), 1, 3);
  auto processor = owner.shared();
  OpenOnExit open_on_exit{gated.gate};
  auto messages = numbered(3);
  std::stop_source stop;
  ASSERT_EQ(processor->submit((*messages)[0]), std::optional<std::size_t>{0});
  ASSERT_TRUE(gated.started->wait_for_at_least(1));  // the only worker is held inside job 0
  ASSERT_EQ(processor->submit((*messages)[1], stop.get_token()), std::optional<std::size_t>{1});
  ASSERT_EQ(processor->submit((*messages)[2]), std::optional<std::size_t>{2});
  stop.request_stop();
  gated.gate->open();
  const auto statuses = finishes_in_time([processor] {
    std::vector<JobStatus> s;
    for (int i = 0; i < 3; ++i) s.push_back(processor->collect().value().status);
    return s;
  });
  ASSERT_TRUE(statuses) << "deadlock";
  EXPECT_EQ(*statuses, (std::vector<JobStatus>{JobStatus::ok, JobStatus::cancelled, JobStatus::ok}))
      << "the stop request on job 1's token did not cancel it, or cancelled another job";
  EXPECT_EQ(gated.started->count(), 2u);
}

// A submitter first put to sleep on a full window, then cancel() or close(): it wakes and is
// refused. The jobs already in the window are still handed out (queued ones cancelled by
// cancel(), all run after close()), then collect() reports the end.
TEST(ProcessorFailures, CancelAndCloseWakeASleepingSubmitter) {
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kCapacity = 2;
  for (const bool cancel : {true, false}) {
    GatedWork gated;
    OwnedProcessor owner(gated.work(), kWorkers, kCapacity);
    auto processor = owner.shared();
    OpenOnExit open_on_exit{gated.gate};
    auto messages = numbered(kWorkers + kCapacity + 1);
    for (std::size_t i = 0; i < kWorkers + kCapacity; ++i) ASSERT_TRUE(processor->try_submit((*messages)[i]));
    ASSERT_TRUE(gated.started->wait_for_at_least(kWorkers));
    auto waiters = std::make_shared<Waiters<bool>>();
    start_waiters(waiters, 1, [processor, messages] { return processor->submit(messages->back()).has_value(); });
    ASSERT_TRUE(waiters->started.wait_for_at_least(1));
    ASSERT_TRUE(all_asleep(waiters->thread_ids()));
    EXPECT_EQ(waiters->finished.count(), 0u) << "submit() returned while the window was full";
    if (cancel) {
      processor->cancel();
    } else {
      processor->close();
    }
    ASSERT_TRUE(waiters->finished.wait_for_at_least(1))
        << "a submitter asleep on the full window kept sleeping after " << (cancel ? "cancel()" : "close()");
    EXPECT_EQ(waiters->returned(), std::vector<bool>{false}) << "submit() accepted a job after " << (cancel ? "cancel()" : "close()");
    gated.gate->open();
    const auto statuses = finishes_in_time([processor] {
      std::vector<JobStatus> s;
      while (auto o = processor->collect()) s.push_back(o->status);
      return s;
    });
    ASSERT_TRUE(statuses) << "collect() did not end";
    const auto expected = cancel ? std::vector<JobStatus>{JobStatus::ok, JobStatus::ok, JobStatus::cancelled, JobStatus::cancelled}
                                 : std::vector<JobStatus>(kWorkers + kCapacity, JobStatus::ok);
    EXPECT_EQ(*statuses, expected);
  }
}

// Handing a job over may allocate (the job queue grows), and an allocation can fail. A submit()
// or try_submit() that throws has submitted nothing: no sequence number is used up, the window
// keeps its room, and every job accepted, before or after, is collected in order. Every
// allocation of the submitting thread fails for a while (edi::test::FailAllocations), so the
// throw happens on every run wherever a submission allocates (an implementation that never
// allocates there passes as it is). The workers are held at a gate, so the queue fills up.
TEST(ProcessorFailures, ASubmitThatThrowsSubmitsNothing) {
  constexpr std::size_t kWorkers = 1;
  constexpr std::size_t kCapacity = 63;
  constexpr std::size_t kWindow = kWorkers + kCapacity;
  GatedWork gated;
  OwnedProcessor owner(gated.work(), kWorkers, kCapacity);
  auto processor = owner.shared();
  OpenOnExit open_on_exit{gated.gate};
  const auto messages = numbered(2 * kWindow);
  std::vector<std::size_t> sequences;  // what each accepted submission returned, in order
  sequences.reserve(messages->size());
  std::size_t threw = 0;
  {
    const edi::test::FailAllocations fail;  // no GoogleTest macro in here: they allocate
    for (std::size_t attempt = 0; attempt < kWindow; ++attempt) {
      const Message& message = (*messages)[sequences.size()];
      try {
        const auto sequence = attempt % 2 == 0 ? processor->try_submit(message) : processor->submit(message);
        if (!sequence) break;
        sequences.push_back(*sequence);  // within the reserved capacity: allocates nothing
      } catch (const std::bad_alloc&) {
        ++threw;
      }
    }
  }
  const std::size_t accepted_while_failing = sequences.size();
  while (sequences.size() < messages->size()) {
    const auto sequence = processor->try_submit((*messages)[sequences.size()]);
    if (!sequence) break;
    sequences.push_back(*sequence);
  }
  std::size_t renumbered = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) renumbered += sequences[i] == i ? 0 : 1;
  // Checked before anything waits, so that a lost sequence number fails here and then.
  ASSERT_EQ(sequences.size(), kWindow)
      << "jobs accepted in all (" << accepted_while_failing << " while " << threw
      << " submissions threw std::bad_alloc): a submission that threw kept a place in the window";
  ASSERT_EQ(processor->in_flight(), kWindow) << "in_flight() counts a submission that threw";
  ASSERT_EQ(renumbered, 0u) << "sequence numbers not 0, 1, 2...: a submission that threw used one up";
  gated.gate->open();
  auto collected = finishes_in_time([processor, n = sequences.size()] {
    std::size_t in_order = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto outcome = processor->collect();
      in_order += outcome && outcome->sequence == i && outcome->ok() && outcome->value == expected_value(i) ? 1 : 0;
    }
    return in_order;
  });
  ASSERT_TRUE(collected) << "collect() waits for a job that was never submitted";
  EXPECT_EQ(*collected, kWindow) << "outcomes in submission order, each with its own value";
  auto after = finishes_in_time([processor, more = numbered(10)] { return processor->process(*more).size(); });
  ASSERT_TRUE(after) << "process() after a submission threw did not finish";
  EXPECT_EQ(*after, 10u);
}

// A process() that throws part-way (an allocation failed in one of its submissions) collects
// the jobs it did submit before the exception leaves it: nothing stays in flight, and the next
// process() runs every message. Each allocation process() makes on the calling thread fails in
// turn: the first, then the second... until a process() gets through.
TEST(ProcessorFailures, AProcessThatThrowsLeavesNothingInFlight) {
  constexpr std::size_t kMessages = 300;
  OwnedProcessor owner([](const Message& m) { return expected_value(m.index); }, 1, 31);
  auto processor = owner.shared();
  const auto messages = numbered(kMessages);
  std::int64_t allowed = 0;
  for (;; ++allowed) {
    ASSERT_LT(allowed, 10'000) << "process() still throws with 10,000 allocations allowed";
    auto threw = finishes_in_time([processor, messages, allowed] {
      const edi::test::FailAllocations fail(allowed);
      try {
        return processor->process(*messages).size() != kMessages;  // no exception: the call is done
      } catch (const std::bad_alloc&) {
        return true;
      }
    });
    ASSERT_TRUE(threw) << "process() did not return once its allocation " << allowed + 1 << " failed";
    if (!*threw) break;
    ASSERT_EQ(processor->in_flight(), 0u)
        << "jobs left in flight by a process() whose allocation " << allowed + 1 << " failed";
  }
  auto outcomes = finishes_in_time([processor, messages] { return processor->process(*messages); });
  ASSERT_TRUE(outcomes) << "process() after the failed ones did not finish";
  ASSERT_EQ(outcomes->size(), kMessages);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < kMessages; ++i) {
    const auto& o = (*outcomes)[i];
    wrong += o.ok() && o.sequence == i && o.value == expected_value(i) ? 0 : 1;
  }
  EXPECT_EQ(wrong, 0u) << "outcomes not ok, out of order or with another message's value after " << allowed
                       << " failed process() calls";
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
