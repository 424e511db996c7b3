// Lesson 00 benchmarks: the warm-up functions over a 4 MiB generated interchange.
#include <string>

#include "bench_support.hpp"
#include "edi/edi.hpp"
#include "warmup.hpp"

namespace {

const std::string& input() {
  static const std::string text = [] {
    edi::GeneratorOptions opt;
    opt.seed = 5;
    opt.target_bytes = 4 << 20;
    return edi::generate(opt);
  }();
  return text;
}

EDI_BENCH_GUARD(BM_CountSegments) {
  const std::string& text = input();
  for (auto _ : state) benchmark::DoNotOptimize(edi::warmup::count_segments(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BENCHMARK(BM_CountSegments);

EDI_BENCH_GUARD(BM_InvoiceTotal) {
  const std::string& text = input();
  for (auto _ : state) benchmark::DoNotOptimize(edi::warmup::invoice_total(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BENCHMARK(BM_InvoiceTotal);

}  // namespace
