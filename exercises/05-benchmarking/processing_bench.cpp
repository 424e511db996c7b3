// Lesson 05 exercise: Google Benchmark suites for the three processors of
// tests/05-benchmarking/subjects.hpp. Replace each FIXME; `make check LESSON=05` grades them,
// `make hint LESSON=05` helps, lessons/05-benchmarking/README.md explains everything used here.
//
// The contract (what the graders check, deterministically, by running your benchmarks):
//   - three benchmarks, registered with EDI_BENCHMARK so that they are named
//     "exercises/BM_SequentialProcessing", "exercises/BM_ConcurrentProcessing/...",
//     "exercises/BM_PooledProcessing";
//   - setup before the timed loop: make_workload() and the processor's constructor run once per
//     call of the benchmark function (or once per process for the workload), never per iteration;
//   - one iteration = one process() call on the whole workload, and every Result consumed
//     (benchmark::DoNotOptimize(result), or reading result.totals());
//   - the timer runs during every process() call: no state.PauseTiming() around it (the graders
//     check that the time measured is at least the time the passes took);
//   - after the loop: SetBytesProcessed(iterations x workload bytes) and
//     SetItemsProcessed(iterations x workload messages), so the report has bytes_per_second
//     and items_per_second;
//   - BM_ConcurrentProcessing: at least three worker counts (the argument, state.range(0), is
//     the ConcurrentProcessor's worker count), each timed by the wall clock (UseRealTime);
//   - one benchmark thread (no ->Threads()), and no ->Iterations(1): the graders need a run of
//     two iterations or more to tell setup from work.
//
// The subjects (subjects.hpp), in brief:
//   const edi::bench05::Workload w = edi::bench05::make_workload();  // w.bytes(), w.message_count()
//   edi::bench05::SequentialProcessor p;      // or ConcurrentProcessor p(workers); PooledProcessor p;
//   benchmark::DoNotOptimize(p.process(w));   // one pass
#include <cstdint>

#include "bench_support.hpp"
#include "subjects.hpp"

namespace edi::bench05 {
// The build names this namespace after the implementation (exercises or solutions), so one
// benchmark binary can hold your code and the reference side by side. Leave it as it is.
inline namespace EDI_IMPL {
namespace {

EDI_BENCH_GUARD(BM_SequentialProcessing) {
  // FIXME: the workload and a SequentialProcessor before the loop; one pass per iteration,
  // consumed; bytes and items processed after the loop.
  (void)state;
  throw NotImplemented("BM_SequentialProcessing");
}
EDI_BENCHMARK(BM_SequentialProcessing)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_ConcurrentProcessing) {
  // FIXME: as above, with a ConcurrentProcessor of state.range(0) workers, built before the loop.
  (void)state;
  throw NotImplemented("BM_ConcurrentProcessing");
}
// FIXME: a sweep of at least three worker counts (->Arg(...) or ->Range(...)), timed by the wall
// clock (->UseRealTime()).
EDI_BENCHMARK(BM_ConcurrentProcessing)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_PooledProcessing) {
  // FIXME: as BM_SequentialProcessing, with a PooledProcessor.
  (void)state;
  throw NotImplemented("BM_PooledProcessing");
}
EDI_BENCHMARK(BM_PooledProcessing)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace EDI_IMPL
}  // namespace edi::bench05
