// Helpers shared by lesson 03's processor graders (processor_test.cpp, processor_failures_test.cpp,
// processor_contention_test.cpp): the processor the graders use, numbered messages, a bounded
// process() and an owner whose destructor cannot hang the suite, gated work. See liveness.hpp for
// the waiting primitives.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <utility>
#include <vector>

#include "concurrent_processor.hpp"
#include "liveness.hpp"

namespace edi::concurrency::test {

using Processor = ConcurrentProcessor<std::uint64_t>;
using Outcomes = std::vector<Outcome<std::uint64_t>>;

// n messages that differ only in their index (the work below needs nothing else).
inline std::shared_ptr<const std::vector<Message>> numbered(std::size_t n) {
  auto messages = std::make_shared<std::vector<Message>>(n);
  for (std::size_t i = 0; i < n; ++i) (*messages)[i].index = i;
  return messages;
}

// What the work computes from message i: unlike i, so a misplaced result cannot pass.
constexpr std::uint64_t expected_value(std::size_t i) { return i * 2654435761ULL + 17; }

// Runs process() on a fresh processor on a helper thread; std::nullopt when it did not finish
// within the liveness bound (a deadlock).
inline std::optional<Outcomes> process_in_time(std::size_t workers, std::size_t capacity, Processor::Work work,
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

}  // namespace edi::concurrency::test
