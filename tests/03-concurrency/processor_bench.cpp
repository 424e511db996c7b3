// Lesson 03 benchmarks: parse + validate + total every message of an 8 MiB interchange with
// ConcurrentProcessor (yours and the reference), against one thread doing the same work
// (baseline/BM_Summarize in baseline_bench.cpp). Real time: what a user waits for, which is the
// only time that shows parallelism (the main thread's CPU time mostly measures sleeping).
//
//   BM_Summarize                 2 workers (this machine's cores), capacity 256
//   BM_SummarizeWorkers/workers:N  1, 2 and 4 workers, capacity 256
#include <cstdint>
#include <vector>

#include "bench_input.hpp"
#include "bench_support.hpp"
#include "concurrent_processor.hpp"

namespace {

using edi::concurrency::ConcurrentProcessor;
using edi::concurrency::Message;
using edi::concurrency::MessageSummary;

constexpr std::size_t kCapacity = 256;

void run(benchmark::State& state, std::size_t workers) {
  const std::string& text = edi::concurrency::bench::interchange();
  const std::vector<Message> messages = edi::concurrency::messages_of(text);
  ConcurrentProcessor<MessageSummary> processor(
      [](const Message& m) { return edi::concurrency::summarize(m.text, m.chars); }, workers, kCapacity);
  for (auto _ : state) {
    edi::concurrency::bench::Totals totals;
    for (const auto& outcome : processor.process(messages)) {
      if (outcome.ok()) totals.add(*outcome.value);
    }
    benchmark::DoNotOptimize(totals);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * messages.size()));
  state.counters["workers"] = static_cast<double>(workers);
}

EDI_BENCH_GUARD(BM_Summarize) { run(state, 2); }
EDI_BENCHMARK(BM_Summarize)->UseRealTime()->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_SummarizeWorkers) { run(state, static_cast<std::size_t>(state.range(0))); }
EDI_BENCHMARK(BM_SummarizeWorkers)->ArgName("workers")->Arg(1)->Arg(2)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
