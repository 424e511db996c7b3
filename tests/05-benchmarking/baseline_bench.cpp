// Lesson 05 baseline: the same subjects, measured the way a first benchmark often measures them.
// Each benchmark here makes one classic mistake, so that `make bench LESSON=05` shows, next to the
// reference, how far each mistake moves the numbers:
//
//   baseline/BM_SequentialProcessing            builds the workload inside the timed loop
//   baseline/BM_ConcurrentProcessing/...        starts (and joins) the worker threads inside it
//   baseline/BM_PooledProcessing                constructs the pool inside it: never warm
//   baseline/BM_ConcurrentProcessingCpuTime/... times threaded work with the calling thread's
//                                               CPU time (no UseRealTime)
//
// The first three have the reference's names, so compare.py pairs them with it and its U-test
// says whether the difference is real. The last has no partner: its numbers are simply wrong.
#include <cstdint>

#include "bench_support.hpp"
#include "subjects.hpp"

namespace {

using edi::bench05::ConcurrentProcessor;
using edi::bench05::PooledProcessor;
using edi::bench05::SequentialProcessor;
using edi::bench05::Workload;

const Workload& workload() {
  static const Workload shared = edi::bench05::make_workload();
  return shared;
}

void report_throughput(benchmark::State& state, const Workload& w) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(w.bytes()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(w.message_count()));
}

// Mistake: the input is generated and split in every iteration, and that is timed too.
void BM_SequentialProcessing(benchmark::State& state) {
  SequentialProcessor processor;
  std::size_t bytes = 0;
  std::size_t messages = 0;
  for (auto _ : state) {
    const Workload w = edi::bench05::make_workload();
    benchmark::DoNotOptimize(processor.process(w));
    bytes = w.bytes();
    messages = w.message_count();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(messages));
}
EDI_BASELINE_BENCHMARK(BM_SequentialProcessing)->Unit(benchmark::kMillisecond);

// Mistake: a processor per iteration, so every pass also starts and joins its threads.
void BM_ConcurrentProcessing(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) {
    ConcurrentProcessor processor(static_cast<std::size_t>(state.range(0)));
    benchmark::DoNotOptimize(processor.process(w));
  }
  report_throughput(state, w);
}
EDI_BASELINE_BENCHMARK(BM_ConcurrentProcessing)
    ->ArgName("workers")
    ->RangeMultiplier(2)
    ->Range(1, 8)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Mistake: a processor per iteration, so its pool starts empty and every pass allocates.
void BM_PooledProcessing(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) {
    PooledProcessor processor;
    benchmark::DoNotOptimize(processor.process(w));
  }
  report_throughput(state, w);
}
EDI_BASELINE_BENCHMARK(BM_PooledProcessing)->Unit(benchmark::kMillisecond);

// Mistake: no UseRealTime. The time per iteration is the calling thread's CPU time, which sleeps
// while the workers process; the rates are divided by that CPU time too. (The iteration count is
// fixed only to keep `make bench` short: left to itself, Google Benchmark would multiply the
// iterations until the wall clock passed five times the minimum time, its safety stop for a CPU
// clock that barely moves.)
void BM_ConcurrentProcessingCpuTime(benchmark::State& state) {
  const Workload& w = workload();
  ConcurrentProcessor processor(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(processor.process(w));
  report_throughput(state, w);
}
EDI_BASELINE_BENCHMARK(BM_ConcurrentProcessingCpuTime)
    ->ArgName("workers")
    ->RangeMultiplier(2)
    ->Range(1, 8)
    ->Iterations(10)
    ->Unit(benchmark::kMillisecond);

}  // namespace
