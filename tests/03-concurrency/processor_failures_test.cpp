// Graders of lesson 03, exercise 2: ConcurrentProcessor<Result>, failures.
//
//   ProcessorFailures     an exception fails only its job; stop and cancel() end work promptly;
//                         a submission that throws (std::bad_alloc) submits nothing
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
// it, process() returns, and every message not run has a cancelled outcome. "After it" is seen by
// the jobs themselves (the token is already stopped when a job begins), not by counting jobs up
// to the trigger: the triggering worker may be preempted between its count and request_stop(),
// and the other worker rightly runs jobs meanwhile.
TEST(ProcessorFailures, StopEndsWorkPromptly) {
  constexpr std::size_t kMessages = 100'000;
  constexpr std::size_t kTrigger = 100;
  constexpr std::size_t kWorkers = 2;
  auto stop = std::make_shared<std::stop_source>();
  auto started = std::make_shared<std::atomic<std::size_t>>(0);
  auto late = std::make_shared<std::atomic<std::size_t>>(0);
  auto work = [stop, started, late](const Message& m) {
    if (stop->stop_requested()) late->fetch_add(1);
    if (started->fetch_add(1) + 1 == kTrigger + 1) stop->request_stop();
    return expected_value(m.index);
  };
  const auto outcomes = process_in_time(kWorkers, 8, work, numbered(kMessages), stop->get_token());
  ASSERT_TRUE(outcomes) << "process() did not return after the stop request";
  ASSERT_EQ(outcomes->size(), kMessages) << "one outcome per message, run or not";
  const std::size_t ran = started->load();
  EXPECT_LE(late->load(), kWorkers) << "jobs kept starting after the stop request";
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

}  // namespace
}  // namespace edi::concurrency::test
