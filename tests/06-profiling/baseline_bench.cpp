// Lesson 06 baseline: the frozen original pipeline (original_report.cpp) on the same input and
// sink as report_bench.cpp, registered once as "baseline/BM_Report", so `make bench LESSON=06`
// shows the original, your pipeline and the reference side by side in one process.
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench_support.hpp"
#include "edi/edi.hpp"
#include "original_report.hpp"

namespace {

// 1 MiB by default; EDI_BENCH_BYTES sets another size (the same input as report_bench.cpp).
const std::string& input() {
  static const std::string text = [] {
    edi::GeneratorOptions opt;
    opt.seed = 606;
    opt.duplicate_rate = 0.15;
    opt.target_bytes = edi::bench::input_bytes(1u << 20);
    return edi::generate(opt);
  }();
  return text;
}

void BM_Report(benchmark::State& state) {
  const std::string& text = input();
  std::ofstream out("/dev/null");
  edi::profiling::original::ReportPipeline pipeline;
  std::uint64_t messages = 0;
  for (auto _ : state) {
    const auto summary = pipeline.run(text, out);
    messages += summary.messages;
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}
EDI_BASELINE_BENCHMARK(BM_Report)->Unit(benchmark::kMillisecond);

}  // namespace
