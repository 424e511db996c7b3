// Self-check of lesson 05's harness (not graded): the three processors compute the same totals,
// the counters the graders rely on count what they should, and a warm pooled processor
// allocates nothing per pass.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "alloc_counter.hpp"
#include "edi/edi.hpp"
#include "runner.hpp"
#include "subjects.hpp"

namespace {

using namespace edi::bench05;

const Workload& small_workload() {
  static const Workload w = make_workload(96 << 10);
  return w;
}

// The three processors agree, and agree with the generator about messages and invoice amounts.
TEST(Subjects, ProcessorsAgreeWithEachOtherAndTheGenerator) {
  const Workload& w = small_workload();
  edi::GeneratorOptions opt;
  opt.seed = 5;
  opt.target_bytes = 96 << 10;
  std::string text;
  const edi::GeneratedSummary summary = edi::generate(opt, [&](std::string_view piece) { text.append(piece); });
  ASSERT_EQ(text, w.text());

  SequentialProcessor sequential;
  const Totals expected = sequential.process(w).totals();
  EXPECT_EQ(expected.messages, summary.messages);
  EXPECT_EQ(expected.invoice_total, summary.invoice_total);
  EXPECT_EQ(expected.invalid_messages, 0u);
  EXPECT_GT(expected.segments, expected.messages * 3);
  for (const std::size_t workers : {1u, 2u, 3u, 8u}) {
    ConcurrentProcessor concurrent(workers);
    EXPECT_EQ(concurrent.process(w).totals(), expected) << workers << " workers";
    EXPECT_EQ(concurrent.process(w).totals(), expected) << workers << " workers, second pass";
  }
  PooledProcessor pooled;
  EXPECT_EQ(pooled.process(w).totals(), expected);
  EXPECT_EQ(pooled.process(w).totals(), expected);
}

// A message that breaks a rule is counted invalid, by every processor.
TEST(Subjects, ValidationCountsBrokenMessages) {
  const std::string good =
      "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+INVOIC:D:96A:UN'BGM+380+1'MOA+77:10.50'UNT+4+1'"
      "UNH+2+ORDERS:D:96A:UN'BGM+220+2'QTY+21:4'UNT+4+2'UNZ+2+1'";
  const auto broken = [&](std::string_view from, std::string_view to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const std::pair<std::string, std::uint64_t> cases[] = {
      {good, 0},
      {broken("UNT+4+2", "UNT+5+2"), 1},        // wrong segment count
      {broken("UNT+4+1", "UNT+4+9"), 1},        // wrong reference
      {broken("QTY+21:4", "QTY+21:X"), 1},      // a quantity that is not a number
      {broken("BGM+220+2'QTY", "FTX+AAI'QTY"), 1},  // no BGM
  };
  for (const auto& [text, invalid] : cases) {
    const Workload w = make_workload_from(text);
    ASSERT_EQ(w.message_count(), 2u) << text;
    SequentialProcessor sequential;
    ConcurrentProcessor concurrent(2);
    PooledProcessor pooled;
    const Totals t = sequential.process(w).totals();
    EXPECT_EQ(t.invalid_messages, invalid) << text;
    EXPECT_EQ(t.invoice_total, edi::Amount{105000}) << text;
    EXPECT_EQ(concurrent.process(w).totals(), t) << text;
    EXPECT_EQ(pooled.process(w).totals(), t) << text;
  }
}

// Each counter counts its event: builds, constructions, passes, worker counts, results.
TEST(Subjects, ProbeCountsEveryEvent) {
  const Probe before = probe();
  const Workload w = make_workload(16 << 10);
  {
    SequentialProcessor s;
    benchmark::DoNotOptimize(s.process(w));
    benchmark::DoNotOptimize(s.process(w));
    ConcurrentProcessor c(3);
    (void)c.process(w).totals();
    PooledProcessor pooled;
    Result kept = pooled.process(w);
    Result moved = std::move(kept);  // the moved-from one needs nothing more
    (void)moved.totals();
    { Result dropped = pooled.process(w); }
  }
  const Probe p = since(before);
  EXPECT_EQ(p.workloads_built, 1u);
  EXPECT_EQ(p.processors_built[index(Kind::sequential)], 1u);
  EXPECT_EQ(p.processors_built[index(Kind::concurrent)], 1u);
  EXPECT_EQ(p.processors_built[index(Kind::pooled)], 1u);
  EXPECT_EQ(p.concurrent_built_with[3], 1u);
  EXPECT_EQ(p.passes[index(Kind::sequential)], 2u);
  EXPECT_EQ(p.passes[index(Kind::concurrent)], 1u);
  EXPECT_EQ(p.passes[index(Kind::pooled)], 2u);
  EXPECT_EQ(p.last_retired_passes[index(Kind::sequential)], 2u);
  EXPECT_EQ(p.last_retired_passes[index(Kind::pooled)], 2u);
  EXPECT_EQ(p.results_made, 5u);
  EXPECT_EQ(p.results_consumed, 4u);
  EXPECT_EQ(p.results_dropped, 1u);
  EXPECT_EQ(p.last_pass_bytes, w.bytes());
  EXPECT_EQ(p.last_pass_messages, w.message_count());
}

// Out-of-range worker counts are refused before any thread starts.
TEST(Subjects, ConcurrentProcessorRefusesBadWorkerCounts) {
  EXPECT_THROW(ConcurrentProcessor(0), std::invalid_argument);
  EXPECT_THROW(ConcurrentProcessor(ConcurrentProcessor::kMaxWorkers + 1), std::invalid_argument);
}

// A warm PooledProcessor allocates nothing per pass; the sequential one allocates per segment.
TEST(Subjects, WarmPoolAllocatesNothing) {
  const Workload& w = small_workload();
  PooledProcessor pooled;
  benchmark::DoNotOptimize(pooled.process(w));
  benchmark::DoNotOptimize(pooled.process(w));
  edi::test::AllocationCounter counter;
  benchmark::DoNotOptimize(pooled.process(w));
  EXPECT_EQ(counter.allocations(), 0u);
  EXPECT_EQ(pooled.pool().created(), 1u);  // one message at a time: one buffer

  SequentialProcessor sequential;
  counter.restart();
  const Totals t = sequential.process(w).totals();
  EXPECT_GE(counter.allocations(), t.segments);
}

// The runner sees the benchmarks registered here, and the probe around each instance.
void BM_RunnerCheck(benchmark::State& state) {
  const Workload w = make_workload(8 << 10);
  SequentialProcessor p;
  for (auto _ : state) benchmark::DoNotOptimize(p.process(w));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.message_count()));
}
BENCHMARK(BM_RunnerCheck)->Arg(1)->Arg(2);

TEST(Runner, ListsAndRunsWithProbes) {
  EXPECT_EQ(list_benchmarks("^BM_RunnerCheck"), (std::vector<std::string>{"BM_RunnerCheck/1", "BM_RunnerCheck/2"}));
  EXPECT_TRUE(list_benchmarks("^nothing$").empty());
  RunOptions options;
  options.filter = "^BM_RunnerCheck/2$";
  options.min_time = 0.01;
  const RunReport report = run_benchmarks(options);
  ASSERT_EQ(report.instances.size(), 1u) << report.console;
  const InstanceReport& r = report.instances[0];
  EXPECT_EQ(r.name, "BM_RunnerCheck/2");
  EXPECT_GE(r.run.iterations, 2);
  EXPECT_GE(r.during.workloads_built, 1u);
  EXPECT_EQ(r.during.last_retired_passes[index(Kind::sequential)], static_cast<std::uint64_t>(r.run.iterations));
  EXPECT_EQ(r.during.results_dropped, 0u);
  EXPECT_NE(report.console.find("BM_RunnerCheck/2"), std::string::npos);
}

}  // namespace
