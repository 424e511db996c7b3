// Lesson 00 baseline: the invoice total with the eager baseline parser (a string per value).
#include <string>

#include "bench_support.hpp"
#include "edi/edi.hpp"

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

void BM_InvoiceTotal(benchmark::State& state) {
  const std::string& text = input();
  for (auto _ : state) {
    edi::Amount total;
    bool in_invoice = false;
    for (const auto& seg : edi::baseline::parse(text)) {
      if (seg.tag == "UNH") in_invoice = seg.elements.size() > 1 && seg.elements[1][0][0] == "INVOIC";
      edi::Amount a;
      if (in_invoice && seg.tag == "MOA" && seg.elements[0][0][0] == "77" && seg.elements[0][0].size() > 1 &&
          edi::parse_amount(seg.elements[0][0][1], '.', a)) {
        total += a;
      }
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BASELINE_BENCHMARK(BM_InvoiceTotal);

}  // namespace
