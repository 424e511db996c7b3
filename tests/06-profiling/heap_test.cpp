// Graders of lesson 06, part 2: what the heap profile and the leak check show, counted exactly.
// The global operator new of the grader counts every allocation (tests/support/alloc_counter.hpp),
// so these numbers are the same on every run: the learner's pipeline and the original are counted
// on the same input, in the same process.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "alloc_counter.hpp"
#include "report_support.hpp"

namespace {

using edi::test::AllocationCounter;

struct Counts {
  std::uint64_t allocations = 0;
  std::uint64_t deallocations = 0;
  std::uint64_t messages = 0;
};

// One run on a fresh pipeline: constructing it, the run, its std::ostringstream, destroying both.
template <class Pipeline>
Counts count_one_run(std::string_view input) {
  const edi::l06::LeakCheckOff off;  // the original leaks by design; see report_support.hpp
  AllocationCounter counter;
  std::uint64_t messages = 0;
  {
    Pipeline pipeline;
    std::ostringstream out;
    messages = pipeline.run(input, out).messages;
  }
  return Counts{counter.allocations(), counter.deallocations(), messages};
}

using Learner = edi::profiling::ReportPipeline;
using Original = edi::profiling::original::ReportPipeline;

const std::string& input() {
  static const std::string text = edi::l06::generated(606, 200, 3);
  return text;
}

// Runs both once before counting, so that one-time setup (a function-local static, a locale) is
// not charged to the run measured.
void warm_up() {
  static const bool done = [] {
    count_one_run<Learner>(input());
    count_one_run<Original>(input());
    return true;
  }();
  (void)done;
}

// --- HeapProfile: what `google-pprof --alloc_objects` counts --------------------------------

// At least 10x fewer heap allocations than the original on the same 200 messages.
TEST(HeapProfile, AtLeastTenTimesFewerAllocations) {
  warm_up();
  const Counts original = count_one_run<Original>(input());
  const Counts mine = count_one_run<Learner>(input());
  const double times_fewer =
      static_cast<double>(original.allocations) / static_cast<double>(std::max<std::uint64_t>(mine.allocations, 1));
  EXPECT_GE(times_fewer, 10.0) << "yours: " << mine.allocations << " allocations, the original: "
                               << original.allocations << "; at least 10x fewer wanted. google-pprof --text "
                                  "--alloc_objects on build/profile/06/heap.*.heap lists the allocation sites.";
}

// Nothing is allocated per segment: at most 4 allocations per message, plus 200 for the run.
TEST(HeapProfile, AtMostFourAllocationsPerMessage) {
  warm_up();
  const Counts mine = count_one_run<Learner>(input());
  ASSERT_EQ(mine.messages, 200u);
  const std::uint64_t allowed = 4 * mine.messages + 200;
  EXPECT_LE(mine.allocations, allowed)
      << mine.allocations << " allocations for " << mine.messages << " messages; at most " << allowed
      << " wanted. Something allocates per segment or several times per message: a copy, a temporary "
         "string, a map node, a fresh buffer.";
}

// --- LeakCheck: what HEAPCHECK=normal reports ------------------------------------------------

// Everything a run allocates is freed by the time the pipeline and its output are destroyed.
TEST(LeakCheck, EveryAllocationIsFreed) {
  warm_up();
  const Counts mine = count_one_run<Learner>(input());
  const std::uint64_t never_freed = mine.allocations - mine.deallocations;
  if (never_freed != 0) {
    ADD_FAILURE() << never_freed << " of " << mine.allocations << " allocations of a run of " << mine.messages
                  << " messages were never freed: a leak. HEAPCHECK=normal shows where they were allocated: "
                     "build/profile/06/leaks.txt.";
  }
}

// A long-lived pipeline holds no more memory after ten runs than after one.
TEST(LeakCheck, NothingAccumulatesAcrossRuns) {
  warm_up();
  Learner pipeline;
  const auto run = [&] {
    std::ostringstream out;
    pipeline.run(input(), out);
  };
  run();
  AllocationCounter counter;
  for (int i = 0; i < 10; ++i) run();
  const std::int64_t held = static_cast<std::int64_t>(counter.allocations()) -
                            static_cast<std::int64_t>(counter.deallocations());
  EXPECT_LE(held, 0) << "after ten more runs the pipeline holds " << held
                     << " more heap blocks than after the first: something grows with every run.";
}

}  // namespace
