// Graders of lesson 03, exercise 2: ConcurrentProcessor<Result>, results and liveness.
//
//   ProcessorResults      every message gets exactly one outcome, in input order (100,000 jobs
//                         per configuration, from 1 worker and capacity 1 up)
//   ProcessorLiveness     no deadlock for any number of messages versus capacity and workers
//                         (the Go original's bug), and jobs really run at the same time
//
// The other suites: processor_failures_test.cpp (ProcessorFailures) and
// processor_contention_test.cpp (ProcessorBackpressure, ProcessorShutdown, ProcessorContention).
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

}  // namespace
}  // namespace edi::concurrency::test
