// Lesson 04 baselines: the plain std::unordered_map the caches are measured against, on the same
// inputs and under the same names as cache_bench.cpp ("baseline/BM_GetHit" vs
// "solutions/BM_GetHit"), so `make bench` compares them side by side.
//
//   BM_GetHit, BM_PutOverwrite   the map's find and insert_or_assign: the floor of any cache
//   BM_PutEvict                  a map kept bounded the naive way: insert the new key, erase the
//                                oldest (a node allocated and freed per put)
//   BM_MixedLoad_MutexMap        the original course's cache: one mutex, a map that only grows
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "bench_inputs.hpp"
#include "bench_support.hpp"

namespace {

using edi::caching::bench::mixed_load;
using edi::caching::bench::point_load;
using Map = std::unordered_map<std::string, std::uint64_t>;

void BM_GetHit(benchmark::State& state) {
  const auto& load = point_load();
  Map map;
  for (std::size_t i = 0; i < load.keys.size(); ++i) map.emplace(load.keys[i], i);
  const std::size_t mask = load.sequence.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto it = map.find(load.keys[load.sequence[i++ & mask]]);
    std::optional<std::uint64_t> v = it == map.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BASELINE_BENCHMARK(BM_GetHit);

void BM_PutOverwrite(benchmark::State& state) {
  const auto& load = point_load();
  Map map;
  for (std::size_t i = 0; i < load.keys.size(); ++i) map.emplace(load.keys[i], i);
  const std::size_t mask = load.sequence.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    map.insert_or_assign(load.keys[load.sequence[i & mask]], i);
    ++i;
  }
  benchmark::DoNotOptimize(map.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BASELINE_BENCHMARK(BM_PutOverwrite);

void BM_PutEvict(benchmark::State& state) {
  const auto& load = point_load();
  const std::size_t n = load.keys.size();
  const std::size_t capacity = n / 2;
  Map map;
  std::size_t i = 0;
  for (auto _ : state) {
    map.insert_or_assign(load.keys[i % n], i);
    if (i >= capacity) map.erase(load.keys[(i - capacity) % n]);  // the key written capacity puts ago
    ++i;
  }
  benchmark::DoNotOptimize(map.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BASELINE_BENCHMARK(BM_PutEvict);

void BM_MixedLoad_MutexMap(benchmark::State& state) {
  static std::mutex mutex;
  static Map map;
  const auto& load = mixed_load();
  const std::size_t mask = load.ops.size() - 1;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7'919;
  for (auto _ : state) {
    const auto& op = load.ops[i++ & mask];
    std::lock_guard lock(mutex);
    if (op.write) {
      map.insert_or_assign(load.keys[op.key], op.key);
    } else {
      const auto it = map.find(load.keys[op.key]);
      std::optional<std::uint64_t> v = it == map.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BASELINE_BENCHMARK(BM_MixedLoad_MutexMap)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
