// Lesson 04 benchmarks, compiled once against exercises/ and once against solutions/:
//
//   BM_GetHit, BM_PutOverwrite, BM_PutEvict   LruCache vs baseline/ (a plain std::unordered_map)
//   BM_TtlGetHit, BM_ShardedGetHit            the price of a clock read, of a shared lock
//   BM_MixedLoad_SingleLock / _Sharded16/64   1 and 2 threads, 90% reads: one mutex around an
//                                             LruCache vs ShardedCache (16 or 64 shared_mutexes)
//   BM_SqliteWriteThrough / _WriteBehind      status writes into a SQLite file, durable at the
//                                             end of every iteration (items: rows written)
//
// tests/04-caching/bench_ratios.py prints the ratios the lesson's targets are stated in.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bench_inputs.hpp"
#include "bench_support.hpp"
#include "lru_cache.hpp"
#include "sharded_cache.hpp"
#include "store.hpp"
#include "ttl_cache.hpp"
#include "write_cache.hpp"

namespace {

namespace caching = edi::caching;
using caching::bench::mixed_load;
using caching::bench::point_load;

// --- one thread: LruCache against the map ----------------------------------------------------

EDI_BENCH_GUARD(BM_GetHit) {
  const auto& load = point_load();
  caching::LruCache<std::string, std::uint64_t> cache(load.keys.size());
  for (std::size_t i = 0; i < load.keys.size(); ++i) cache.put(load.keys[i], i);
  const std::size_t mask = load.sequence.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    std::optional<std::uint64_t> v = cache.get(load.keys[load.sequence[i++ & mask]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BENCHMARK(BM_GetHit);

EDI_BENCH_GUARD(BM_PutOverwrite) {
  const auto& load = point_load();
  caching::LruCache<std::string, std::uint64_t> cache(load.keys.size());
  for (std::size_t i = 0; i < load.keys.size(); ++i) cache.put(load.keys[i], i);
  const std::size_t mask = load.sequence.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    cache.put(load.keys[load.sequence[i & mask]], i);
    ++i;
  }
  benchmark::DoNotOptimize(cache.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BENCHMARK(BM_PutOverwrite);

// Keys in a cycle twice the capacity: every put misses and evicts (LRU's worst case).
EDI_BENCH_GUARD(BM_PutEvict) {
  const auto& load = point_load();
  const std::size_t n = load.keys.size();
  caching::LruCache<std::string, std::uint64_t> cache(n / 2);
  std::size_t i = 0;
  for (auto _ : state) {
    cache.put(load.keys[i % n], i);
    ++i;
  }
  benchmark::DoNotOptimize(cache.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BENCHMARK(BM_PutEvict);

EDI_BENCH_GUARD(BM_TtlGetHit) {
  const auto& load = point_load();
  caching::TtlCache<std::string, std::uint64_t> cache(load.keys.size(), std::chrono::hours(1));
  for (std::size_t i = 0; i < load.keys.size(); ++i) cache.put(load.keys[i], i);
  const std::size_t mask = load.sequence.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    std::optional<std::uint64_t> v = cache.get(load.keys[load.sequence[i++ & mask]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BENCHMARK(BM_TtlGetHit);

EDI_BENCH_GUARD(BM_ShardedGetHit) {
  const auto& load = point_load();
  caching::ShardedCache<std::string, std::uint64_t> cache(load.keys.size(), 16);
  for (std::size_t i = 0; i < load.keys.size(); ++i) cache.put(load.keys[i], i);
  const std::size_t mask = load.sequence.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    std::optional<std::uint64_t> v = cache.get(load.keys[load.sequence[i++ & mask]]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
EDI_BENCHMARK(BM_ShardedGetHit);

// --- threads: one lock against shards --------------------------------------------------------

// What most code starts with: one mutex around the whole LRU cache.
class SingleLockLru {
 public:
  explicit SingleLockLru(std::size_t capacity) : cache_(capacity) {}
  std::optional<std::uint64_t> get(const std::string& key) {
    std::lock_guard lock(mutex_);
    return cache_.get(key);
  }
  void put(const std::string& key, std::uint64_t value) {
    std::lock_guard lock(mutex_);
    cache_.put(key, value);
  }

 private:
  std::mutex mutex_;
  caching::LruCache<std::string, std::uint64_t> cache_;
};

template <std::size_t Shards>
struct ShardedCacheOf : caching::ShardedCache<std::string, std::uint64_t> {
  explicit ShardedCacheOf(std::size_t capacity) : ShardedCache(capacity, Shards) {}
};

// One cache per type, shared by the benchmark's threads and kept across its runs (a warm cache
// in its steady state). A stub's NotImplemented is caught here, before any thread reaches the
// timed loop: every thread must pass Google Benchmark's start and stop barriers.
template <class Cache>
struct Prepared {
  std::unique_ptr<Cache> cache;
  std::string error;
};
template <class Cache>
Prepared<Cache>& prepared() {
  static Prepared<Cache> p = [] {
    Prepared<Cache> made;
    try {
      const auto& load = mixed_load();
      made.cache = std::make_unique<Cache>(load.capacity);
      for (const auto& op : load.ops) {
        if (!made.cache->get(load.keys[op.key])) made.cache->put(load.keys[op.key], op.key);
      }
    } catch (const edi::NotImplemented& e) {
      made.error = e.what();
    }
    return made;
  }();
  return p;
}

template <class Cache>
void mixed(benchmark::State& state) {
  Prepared<Cache>& p = prepared<Cache>();
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    for (auto _ : state) {
    }
    return;
  }
  const auto& load = mixed_load();
  Cache& cache = *p.cache;
  const std::size_t mask = load.ops.size() - 1;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7'919;  // threads start apart
  for (auto _ : state) {
    const auto& op = load.ops[i++ & mask];
    if (op.write) {
      cache.put(load.keys[op.key], op.key);
    } else {
      std::optional<std::uint64_t> v = cache.get(load.keys[op.key]);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_MixedLoad_SingleLock(benchmark::State& state) { mixed<SingleLockLru>(state); }
EDI_BENCHMARK(BM_MixedLoad_SingleLock)->Threads(1)->Threads(2)->UseRealTime();

// 16 and 64 shards: a reader that meets a writer in its shard sleeps in the kernel (microseconds,
// against 50 ns for an operation), so the chance of meeting one must be small: 1/shards.
void BM_MixedLoad_Sharded16(benchmark::State& state) { mixed<ShardedCacheOf<16>>(state); }
EDI_BENCHMARK(BM_MixedLoad_Sharded16)->Threads(1)->Threads(2)->UseRealTime();

void BM_MixedLoad_Sharded64(benchmark::State& state) { mixed<ShardedCacheOf<64>>(state); }
EDI_BENCHMARK(BM_MixedLoad_Sharded64)->Threads(1)->Threads(2)->UseRealTime();

// --- SQLite: write-through against write-behind ----------------------------------------------

// The keys of the message_status rows: message_key() of distinct messages.
const std::vector<std::string>& status_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    const std::size_t n = caching::bench::smoke() ? 100 : 1000;
    for (std::size_t i = 0; i < n; ++i) k.push_back(caching::message_key("UNH+" + std::to_string(i) + "+ORDERS:D:96A:UN'"));
    return k;
  }();
  return keys;
}

// One transaction per put.
EDI_BENCH_GUARD(BM_SqliteWriteThrough) {
  caching::bench::TempDatabase file("write-through");
  caching::SqliteStore db(file.path());
  caching::WriteThroughCache cache(db, 4096);
  const auto& keys = status_keys();
  std::int64_t version = 0;
  for (auto _ : state) {
    ++version;
    for (const auto& key : keys) cache.put(key, caching::MessageStatus{"received", version});
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
  state.SetLabel(std::to_string(keys.size()) + " rows per iteration, one transaction each");
}
EDI_BENCHMARK(BM_SqliteWriteThrough)->Unit(benchmark::kMillisecond)->UseRealTime();

// Batches (default options: 256 keys or 50 ms, a flusher thread), then flush(): every row is in
// the database when the iteration ends, like write-through's. Real time (the flusher thread's work
// is not in this thread's CPU time).
EDI_BENCH_GUARD(BM_SqliteWriteBehind) {
  caching::bench::TempDatabase file("write-behind");
  caching::SqliteStore db(file.path());
  caching::WriteBehindCache cache(db);
  const auto& keys = status_keys();
  std::int64_t version = 0;
  for (auto _ : state) {
    ++version;
    for (const auto& key : keys) cache.put(key, caching::MessageStatus{"received", version});
    cache.flush();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * keys.size()));
  const auto stats = cache.stats();
  state.counters["rows_per_batch"] =
      stats.batches == 0 ? 0.0 : static_cast<double>(stats.written) / static_cast<double>(stats.batches);
}
EDI_BENCHMARK(BM_SqliteWriteBehind)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
