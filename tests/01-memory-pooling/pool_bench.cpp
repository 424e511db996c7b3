// Lesson 01 benchmarks of the pools and the interner, compiled once against exercises/ and once
// against solutions/ ("exercises/BM_x", "solutions/BM_x"). Their baselines, under the same names,
// are in baseline_bench.cpp.
//
//   BM_ParseMessages           the pooled parse path: PooledMessageReader over the whole input,
//                              the pool warmed by one pass before timing
//   BM_SegmentLifecycle        acquire, fill with one NAD, release (SegmentPool)
//   BM_SharedSegmentLifecycle  the same with SharedSegmentPool, on 1 and 2 threads at once
//   BM_CountTags               segments per tag in every message, by interned id in a vector
//
//   build/default/tests/01-memory-pooling/bench01 --benchmark_filter=ParseMessages
#include <vector>

#include "alloc_counter.hpp"
#include "bench_input.hpp"
#include "bench_support.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"
#include "message_reader.hpp"
#include "segment_pool.hpp"
#include "shared_segment_pool.hpp"
#include "string_interner.hpp"

namespace {

using edi::pooling::PooledMessageReader;
using edi::pooling::PooledSegment;
using edi::pooling::SegmentPool;
using lesson01::bench_input;

// Every segment of `text` through the reader; returns the segments seen.
std::uint64_t read_all(PooledMessageReader& reader, const std::string& text, std::size_t& values) {
  std::uint64_t segments = 0;
  reader.reset(text);
  while (reader.next()) {
    for (const PooledSegment& seg : reader.segments()) {
      values += seg->total_components();
      ++segments;
    }
  }
  return segments;
}

EDI_BENCH_GUARD(BM_ParseMessages) {
  const std::string& text = bench_input();
  SegmentPool pool;
  PooledMessageReader reader(pool, text);
  std::size_t warm_values = 0;
  read_all(reader, text, warm_values);  // warm: the pool, every segment's buffers, the reader
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    std::size_t values = 0;
    segments += read_all(reader, text, values);
    benchmark::DoNotOptimize(values);
  }
  lesson01::report_parse(state, segments, allocations.allocations());
  state.counters["pool_segments"] = static_cast<double>(pool.stats().created);
}
EDI_BENCHMARK(BM_ParseMessages)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_SegmentLifecycle) {
  const edi::RawSegment& raw = lesson01::sample_segment();
  SegmentPool pool;
  edi::parse_segment(raw, *pool.acquire());  // warm: the pool's first block, the buffers' growth
  for (auto _ : state) {
    PooledSegment seg = pool.acquire();
    edi::parse_segment(raw, *seg);
    benchmark::DoNotOptimize(seg.get());
  }
  state.SetItemsProcessed(state.iterations());
}
EDI_BENCHMARK(BM_SegmentLifecycle);

// One pool for all the benchmark's threads, made on first use (thread-safe, as every static).
edi::pooling::SharedSegmentPool& shared_pool() {
  static edi::pooling::SharedSegmentPool pool;
  return pool;
}

EDI_BENCH_GUARD(BM_SharedSegmentLifecycle) {
  const edi::RawSegment& raw = lesson01::sample_segment();
  edi::pooling::SharedSegmentPool& pool = shared_pool();
  edi::parse_segment(raw, *pool.acquire());  // warm: this thread's cache and a segment
  for (auto _ : state) {
    PooledSegment seg = pool.acquire();
    edi::parse_segment(raw, *seg);
    benchmark::DoNotOptimize(seg.get());
  }
  state.SetItemsProcessed(state.iterations());
}
EDI_BENCHMARK(BM_SharedSegmentLifecycle)->Threads(1)->Threads(2);

// Segments per tag in every message (see baseline_bench.cpp), by interned id: a tally vector
// indexed by id, and the list of ids touched in this message to reset at its UNT.
EDI_BENCH_GUARD(BM_CountTags) {
  const std::string& text = bench_input();
  edi::pooling::StringInterner tags;  // the vocabulary outlives the passes, as in a server
  std::vector<std::size_t> counts;
  std::vector<edi::pooling::StringInterner::Id> touched;
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t distinct = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      ++segments;
      const auto id = tags.intern_id(raw.tag.view());
      if (id >= counts.size()) counts.resize(id + 1, 0);
      if (counts[id]++ == 0) touched.push_back(id);
      if (raw.tag == "UNT") {
        distinct += touched.size();
        for (const auto t : touched) counts[t] = 0;
        touched.clear();
      }
    }
    benchmark::DoNotOptimize(distinct);
  }
  lesson01::report_parse(state, segments, allocations.allocations());
}
EDI_BENCHMARK(BM_CountTags)->Unit(benchmark::kMillisecond);

}  // namespace
