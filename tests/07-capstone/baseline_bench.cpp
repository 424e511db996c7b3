// Lesson 07 baseline: the naive pipeline (naive_pipeline.cpp) end to end over the same generated
// file as pipeline_bench.cpp: the whole file read into memory, every segment parsed into a string
// per value, one thread, an SQL query per partner lookup, retransmissions found by whole texts.
#include "bench_input.hpp"
#include "bench_support.hpp"
#include "naive_pipeline.hpp"

namespace {

void BM_EndToEnd(benchmark::State& state) {
  const std::string& path = capstone_bench::input_file();
  const capstone_bench::PeakRss rss;
  std::int64_t bytes = 0;
  std::int64_t messages = 0;
  for (auto _ : state) {
    const edi::capstone::naive::Report report = edi::capstone::naive::run_file(path, capstone_bench::database(), {});
    bytes += static_cast<std::int64_t>(report.bytes);
    messages += static_cast<std::int64_t>(report.messages);
    benchmark::DoNotOptimize(report.accepted);
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(messages);
  state.counters["peak_rss_MiB"] = rss.mib();
}
EDI_BASELINE_BENCHMARK(BM_EndToEnd)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
