// Lesson 03 baselines, compiled once: the same per-message work on one thread, and two
// demonstrations of what sharing costs between threads.
//
//   BM_Summarize                 one thread, no processor: the sequential time every speed-up
//                                in the lesson is measured against
//   BM_TotalOneMutex/threads:N   N threads add amounts to ONE total under ONE mutex
//   BM_TotalPerWorker/threads:N  each thread sums into its own total, merged once at the end
//   BM_CountersAdjacent/threads:2  two threads bump their own counter; both counters share a
//                                cache line (false sharing)
//   BM_CountersPadded/threads:2  the same, each counter on its own line
//                                (alignas(std::hardware_destructive_interference_size))
#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "bench_input.hpp"
#include "bench_support.hpp"

namespace {

using edi::Amount;

void BM_Summarize(benchmark::State& state) {
  const std::string& text = edi::concurrency::bench::interchange();
  const std::vector<edi::MessageInfo> messages = edi::split_messages(text);
  for (auto _ : state) {
    edi::concurrency::bench::Totals totals;
    for (const edi::MessageInfo& m : messages) {
      totals.add(edi::concurrency::summarize(std::string_view(text).substr(m.begin, m.end - m.begin), m.chars));
    }
    benchmark::DoNotOptimize(totals);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * messages.size()));
}
EDI_BASELINE_BENCHMARK(BM_Summarize)->UseRealTime()->Unit(benchmark::kMillisecond);

// Every MOA amount of the interchange, each thread taking its own share.
const std::vector<Amount>& amounts() {
  static const std::vector<Amount> all = [] {
    std::vector<Amount> out;
    const std::string& text = edi::concurrency::bench::interchange();
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    edi::Segment seg;
    while (tok.next(raw) == edi::Errc::ok) {
      if (raw.tag != "MOA") continue;
      edi::parse_segment(raw, seg);
      Amount a;
      if (edi::parse_amount(seg.component(0, 1), raw.chars.decimal, a)) out.push_back(a);
    }
    return out;
  }();
  return all;
}

std::pair<std::size_t, std::size_t> share(const benchmark::State& state, std::size_t n) {
  const auto threads = static_cast<std::size_t>(state.threads());
  const auto index = static_cast<std::size_t>(state.thread_index());
  return {n * index / threads, n * (index + 1) / threads};
}

std::mutex total_mutex;
Amount shared_total;  // guarded by total_mutex

void BM_TotalOneMutex(benchmark::State& state) {
  const std::vector<Amount>& all = amounts();
  const auto [begin, end] = share(state, all.size());
  for (auto _ : state) {
    for (std::size_t i = begin; i < end; ++i) {
      std::lock_guard lock(total_mutex);  // every addition takes the one lock: the threads queue up
      shared_total += all[i];
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (end - begin)));
}
EDI_BASELINE_BENCHMARK(BM_TotalOneMutex)->Threads(1)->Threads(2)->UseRealTime();

void BM_TotalPerWorker(benchmark::State& state) {
  const std::vector<Amount>& all = amounts();
  const auto [begin, end] = share(state, all.size());
  for (auto _ : state) {
    Amount mine;  // this worker's own total: no lock, no shared cache line
    for (std::size_t i = begin; i < end; ++i) mine += all[i];
    std::lock_guard lock(total_mutex);  // merged once per pass
    shared_total += mine;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (end - begin)));
}
EDI_BASELINE_BENCHMARK(BM_TotalPerWorker)->Threads(1)->Threads(2)->UseRealTime();

// Each thread increments its own counter 1 << 16 times per iteration.
constexpr int kBumps = 1 << 16;

struct alignas(std::hardware_destructive_interference_size) AdjacentCounters {  // both in one line
  std::atomic<std::uint64_t> count[2];  // 16 bytes apart: one cache line for both
};
AdjacentCounters adjacent;

// The padding is the point: each counter owns a whole cache line (64 bytes here).
struct alignas(std::hardware_destructive_interference_size) PaddedCounter {
  std::atomic<std::uint64_t> count;
};
PaddedCounter padded[2];

void BM_CountersAdjacent(benchmark::State& state) {
  std::atomic<std::uint64_t>& mine = adjacent.count[state.thread_index()];
  for (auto _ : state) {
    for (int i = 0; i < kBumps; ++i) mine.fetch_add(1, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(state.iterations() * kBumps);
}
EDI_BASELINE_BENCHMARK(BM_CountersAdjacent)->Threads(2)->UseRealTime();

void BM_CountersPadded(benchmark::State& state) {
  std::atomic<std::uint64_t>& mine = padded[state.thread_index()].count;
  for (auto _ : state) {
    for (int i = 0; i < kBumps; ++i) mine.fetch_add(1, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(state.iterations() * kBumps);
}
EDI_BASELINE_BENCHMARK(BM_CountersPadded)->Threads(2)->UseRealTime();

}  // namespace
