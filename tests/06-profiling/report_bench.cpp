// Lesson 06 benchmarks: the report of a generated interchange, written to /dev/null through a
// std::ofstream (so a flush costs what it costs on a file: a write(2)). The same file is compiled
// for the learner's pipeline and the reference ("exercises/BM_Report", "solutions/BM_Report");
// baseline_bench.cpp runs the frozen original in the same binary ("baseline/BM_Report").
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench_support.hpp"
#include "edi/edi.hpp"
#include "report.hpp"

namespace {

// 1 MiB by default; EDI_BENCH_BYTES sets another size.
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

EDI_BENCH_GUARD(BM_Report) {
  const std::string& text = input();
  std::ofstream out("/dev/null");
  edi::profiling::ReportPipeline pipeline;
  std::uint64_t messages = 0;
  for (auto _ : state) {
    const auto summary = pipeline.run(text, out);
    messages += summary.messages;
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}
EDI_BENCHMARK(BM_Report)->Unit(benchmark::kMillisecond);

}  // namespace
