// Lesson 05: Google Benchmark suites for the three processors of tests/05-benchmarking/subjects.hpp.
//
// Every benchmark has the same three parts:
//   1. setup, not timed: the workload (built once per process) and the processor (a concurrent
//      one starts its threads here);
//   2. the timed loop: one pass over the workload per iteration, its Result handed to
//      benchmark::DoNotOptimize so that the optimizer has to keep the pass;
//   3. after the loop: the bytes and messages processed, so the report shows bytes/s and items/s.
//
//   $ bench05_solutions --benchmark_list_tests
//   solutions/BM_SequentialProcessing
//   solutions/BM_ConcurrentProcessing/workers:1/real_time      (and workers:2, workers:4, workers:8)
//   solutions/BM_PooledProcessing
//
// Registered with EDI_BENCHMARK (tests/support/bench_support.hpp), which names each benchmark
// after the implementation it was compiled with: "solutions/BM_x" here, "exercises/BM_x" for
// yours, so that `make bench` runs both side by side in one binary.
#include <cstdint>

#include "bench_support.hpp"
#include "subjects.hpp"

namespace edi::bench05 {
inline namespace EDI_IMPL {
namespace {

// The input, built on first use and shared by every benchmark of the process: generating and
// splitting it costs more than a pass over it, and it never changes.
const Workload& workload() {
  static const Workload shared = make_workload();
  return shared;
}

// One iteration is one pass over the workload: its bytes, and its messages as the items.
void report_throughput(benchmark::State& state, const Workload& w) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(w.bytes()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.message_count()));
}

EDI_BENCH_GUARD(BM_SequentialProcessing) {
  const Workload& w = workload();
  SequentialProcessor processor;
  for (auto _ : state) benchmark::DoNotOptimize(processor.process(w));
  report_throughput(state, w);
}
EDI_BENCHMARK(BM_SequentialProcessing)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_ConcurrentProcessing) {
  const Workload& w = workload();
  // The workers start here, before the loop: the loop times passes, not thread creation.
  ConcurrentProcessor processor(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(processor.process(w));
  report_throughput(state, w);
}
// The calling thread sleeps while the workers process, so its CPU time (the default clock of a
// benchmark) would be a fraction of the pass: UseRealTime times the pass by the wall clock, and
// the rates become per second of wall-clock time. Worker counts 1, 2, 4, 8: below, at and above
// the machine's cores.
EDI_BENCHMARK(BM_ConcurrentProcessing)
    ->ArgName("workers")
    ->RangeMultiplier(2)
    ->Range(1, 8)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_PooledProcessing) {
  const Workload& w = workload();
  // Constructed before the loop: the pool fills during the first pass and stays warm, which is
  // the steady state a long-running service sees.
  PooledProcessor processor;
  for (auto _ : state) benchmark::DoNotOptimize(processor.process(w));
  report_throughput(state, w);
}
EDI_BENCHMARK(BM_PooledProcessing)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace EDI_IMPL
}  // namespace edi::bench05
