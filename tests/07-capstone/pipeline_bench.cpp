// Lesson 07 benchmarks: the pipeline end to end over a generated file (200 MiB, or EDI_BENCH_BYTES):
// reading it from the file system, splitting, analysing, deduplicating, looking partners up,
// merging. BM_EndToEnd has the same name as the naive pipeline's baseline/BM_EndToEnd
// (baseline_bench.cpp), so `make bench` puts them side by side. Real time, not the CPU time of
// the main thread: the work is on the workers. Counters: peak_rss_MiB (the process's peak
// resident memory during the benchmark) and peak_buffered_KiB (message bytes in pooled buffers).
#include <thread>

#include "bench_input.hpp"
#include "bench_support.hpp"
#include "edi/stream.hpp"
#include "pipeline.hpp"

namespace {

void end_to_end(benchmark::State& state, std::size_t workers, bool sequential) {
  const std::string& path = capstone_bench::input_file();
  edi::capstone::PartnerDirectory directory(capstone_bench::database());
  edi::capstone::Options options;
  options.workers = workers;
  edi::capstone::Pipeline pipeline(directory, options);
  const capstone_bench::PeakRss rss;
  std::int64_t bytes = 0;
  std::int64_t messages = 0;
  for (auto _ : state) {
    edi::FileSource file(path);
    const edi::capstone::Report report = sequential ? pipeline.run_sequential(file) : pipeline.run(file);
    bytes += static_cast<std::int64_t>(report.bytes);
    messages += static_cast<std::int64_t>(report.messages);
    benchmark::DoNotOptimize(report.accepted);
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(messages);
  state.counters["peak_rss_MiB"] = rss.mib();
  state.counters["peak_buffered_KiB"] = static_cast<double>(pipeline.buffers().peak_bytes_in_use()) / 1024.0;
}

// One worker per core the reader does not use (on the 2-core machine of the lesson: one).
std::size_t default_workers() { return std::max(2u, std::thread::hardware_concurrency()) - 1; }

// Pipeline::run with the default number of workers.
EDI_BENCH_GUARD(BM_EndToEnd) { end_to_end(state, default_workers(), false); }
EDI_BENCHMARK(BM_EndToEnd)->Unit(benchmark::kMillisecond)->UseRealTime();

// Pipeline::run with 1, 2 and 4 workers: what the threads buy on this machine.
EDI_BENCH_GUARD(BM_Workers) { end_to_end(state, static_cast<std::size_t>(state.range(0)), false); }
EDI_BENCHMARK(BM_Workers)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

// Pipeline::run_sequential: the same components on one thread.
EDI_BENCH_GUARD(BM_Sequential) { end_to_end(state, 1, true); }
EDI_BENCHMARK(BM_Sequential)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
