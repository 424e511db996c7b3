// Lesson 01 baselines: the same work without a pool, and the standard library's own answers.
// Registered once, as "baseline/...". Names shared with pool_bench.cpp pair up in `make bench`
// and in the performance panel of `make check` (baseline/BM_ParseMessages vs solutions/...).
//
//   BM_ParseMessages                 the unpooled owning parse: every segment a new edi::Segment,
//                                    in a std::vector cleared at each UNH (the target's "before")
//   BM_ParseMessages_ReusedSegment   every segment parsed into one reused edi::Segment: the ceiling
//   BM_ParseMessages_PerPosition     pre-allocation without a pool: a std::vector<edi::Segment>
//                                    reused by position, message after message
//   BM_ParseDocument_Eager           edi::baseline::parse: a std::string per value, vectors of vectors
//   BM_EagerMessages_*               that eager model per message in std::pmr containers over
//                                    new/delete, a monotonic_buffer_resource reset per message, an
//                                    unsynchronized_pool_resource and a synchronized_pool_resource
//   BM_SegmentLifecycle              new Segment, fill it with one NAD, delete it
//   BM_SharedSegmentLifecycle        the same on 1 and 2 threads at once
//   BM_CountTags*                    segments per tag in every message with std::string keys:
//                                    a map per message, one reused map, an ordered map
#include <map>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alloc_counter.hpp"
#include "bench_input.hpp"
#include "bench_support.hpp"
#include "edi/baseline.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"

namespace {

using lesson01::bench_input;
using lesson01::report_parse;

// --- the owning parse, unpooled ------------------------------------------------------------------

void BM_ParseMessages(benchmark::State& state) {
  const std::string& text = bench_input();
  std::vector<edi::Segment> message;
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t values = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      if (raw.tag == "UNH") message.clear();  // the previous message's segments are freed
      edi::parse_segment(raw, message.emplace_back());
      values += message.back().total_components();
      ++segments;
    }
    message.clear();
    benchmark::DoNotOptimize(values);
  }
  report_parse(state, segments, allocations.allocations());
}
EDI_BASELINE_BENCHMARK(BM_ParseMessages)->Unit(benchmark::kMillisecond);

void BM_ParseMessages_ReusedSegment(benchmark::State& state) {
  const std::string& text = bench_input();
  edi::Segment seg;
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t values = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      edi::parse_segment(raw, seg);
      values += seg.total_components();
      ++segments;
    }
    benchmark::DoNotOptimize(values);
  }
  report_parse(state, segments, allocations.allocations());
}
EDI_BASELINE_BENCHMARK(BM_ParseMessages_ReusedSegment)->Unit(benchmark::kMillisecond);

void BM_ParseMessages_PerPosition(benchmark::State& state) {
  const std::string& text = bench_input();
  std::vector<edi::Segment> message;  // grows to the longest message; never shrinks
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t values = 0;
    std::size_t n = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      if (raw.tag == "UNH") n = 0;
      if (n == message.size()) message.emplace_back();
      edi::parse_segment(raw, message[n]);
      values += message[n].total_components();
      ++n;
      ++segments;
    }
    benchmark::DoNotOptimize(values);
  }
  report_parse(state, segments, allocations.allocations());
}
EDI_BASELINE_BENCHMARK(BM_ParseMessages_PerPosition)->Unit(benchmark::kMillisecond);

void BM_ParseDocument_Eager(benchmark::State& state) {
  const std::string& text = bench_input();
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    const std::vector<edi::baseline::Segment> all = edi::baseline::parse(text);
    segments += all.size();
    benchmark::DoNotOptimize(all.data());
  }
  report_parse(state, segments, allocations.allocations());
}
EDI_BASELINE_BENCHMARK(BM_ParseDocument_Eager)->Unit(benchmark::kMillisecond);

// --- the eager model in std::pmr containers -------------------------------------------------------

// edi::baseline::Segment with polymorphic allocators: every string and vector of a segment takes
// its memory from the resource the segment was given.
struct EagerSegment {
  using allocator_type = std::pmr::polymorphic_allocator<>;
  using Components = std::pmr::vector<std::pmr::string>;

  explicit EagerSegment(const allocator_type& alloc = {}) : tag(alloc), elements(alloc) {}
  EagerSegment(const EagerSegment& other, const allocator_type& alloc) : tag(other.tag, alloc), elements(other.elements, alloc) {}
  EagerSegment(EagerSegment&& other, const allocator_type& alloc)
      : tag(std::move(other.tag), alloc), elements(std::move(other.elements), alloc) {}

  std::pmr::string tag;
  std::pmr::vector<std::pmr::vector<Components>> elements;  // element -> repetitions -> components
};

// The eager parse of one segment: a string per value, built byte by byte.
void parse_eager(const edi::RawSegment& raw, EagerSegment& seg) {
  seg.tag.assign(raw.tag.view());
  const std::string_view d = raw.data;
  if (d.empty()) return;
  const edi::ServiceChars& c = raw.chars;
  auto* element = &seg.elements.emplace_back();
  auto* repetition = &element->emplace_back();
  auto* value = &repetition->emplace_back();
  for (std::size_t i = 1; i < d.size(); ++i) {
    const char ch = d[i];
    if (c.has_release() && ch == c.release && i + 1 < d.size()) {
      value->push_back(d[++i]);
    } else if (ch == c.element) {
      element = &seg.elements.emplace_back();
      repetition = &element->emplace_back();
      value = &repetition->emplace_back();
    } else if (ch == c.component) {
      value = &repetition->emplace_back();
    } else if (c.has_repetition() && ch == c.repetition) {
      repetition = &element->emplace_back();
      value = &repetition->emplace_back();
    } else {
      value->push_back(ch);
    }
  }
}

// Parses the input a message at a time (up to each UNT) into a std::pmr::vector<EagerSegment>;
// `with_resource(body)` calls body(resource) once per message with the resource to use.
template <class WithResource>
void eager_messages(benchmark::State& state, WithResource&& with_resource) {
  const std::string& text = bench_input();
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    bool more = true;
    while (more) {
      with_resource([&](std::pmr::memory_resource* resource) {
        std::pmr::vector<EagerSegment> message(resource);
        while ((more = tok.next(raw) == edi::Errc::ok)) {
          parse_eager(raw, message.emplace_back());
          ++segments;
          if (raw.tag == "UNT") break;
        }
        benchmark::DoNotOptimize(message.data());
      });
    }
  }
  report_parse(state, segments, allocations.allocations());
}

void BM_EagerMessages_NewDelete(benchmark::State& state) {
  eager_messages(state, [](auto&& body) { body(std::pmr::new_delete_resource()); });
}
EDI_BASELINE_BENCHMARK(BM_EagerMessages_NewDelete)->Unit(benchmark::kMillisecond);

void BM_EagerMessages_Monotonic(benchmark::State& state) {
  // One buffer, reused: each message bumps a pointer through it and forgets it all at the end.
  std::vector<std::byte> buffer(256 << 10);
  eager_messages(state, [&buffer](auto&& body) {
    std::pmr::monotonic_buffer_resource arena(buffer.data(), buffer.size());
    body(&arena);
  });
}
EDI_BASELINE_BENCHMARK(BM_EagerMessages_Monotonic)->Unit(benchmark::kMillisecond);

void BM_EagerMessages_UnsyncPool(benchmark::State& state) {
  std::pmr::unsynchronized_pool_resource pool;
  eager_messages(state, [&pool](auto&& body) { body(&pool); });
}
EDI_BASELINE_BENCHMARK(BM_EagerMessages_UnsyncPool)->Unit(benchmark::kMillisecond);

void BM_EagerMessages_SyncPool(benchmark::State& state) {
  std::pmr::synchronized_pool_resource pool;
  eager_messages(state, [&pool](auto&& body) { body(&pool); });
}
EDI_BASELINE_BENCHMARK(BM_EagerMessages_SyncPool)->Unit(benchmark::kMillisecond);

// --- one segment's life: new, fill, delete --------------------------------------------------------

// Before timing, one segment is made and freed, so that the first allocations of the benchmark
// (setup, whatever state the benchmarks before left the heap in) are not in the timed loop.
void warm_heap(const edi::RawSegment& raw) {
  auto seg = std::make_unique<edi::Segment>();
  edi::parse_segment(raw, *seg);
  benchmark::DoNotOptimize(seg.get());
}

void BM_SegmentLifecycle(benchmark::State& state) {
  const edi::RawSegment& raw = lesson01::sample_segment();
  warm_heap(raw);
  for (auto _ : state) {
    auto seg = std::make_unique<edi::Segment>();
    edi::parse_segment(raw, *seg);
    benchmark::DoNotOptimize(seg.get());
  }
  state.SetItemsProcessed(state.iterations());
}
EDI_BASELINE_BENCHMARK(BM_SegmentLifecycle);

void BM_SharedSegmentLifecycle(benchmark::State& state) {
  const edi::RawSegment& raw = lesson01::sample_segment();
  warm_heap(raw);
  for (auto _ : state) {
    auto seg = std::make_unique<edi::Segment>();
    edi::parse_segment(raw, *seg);
    benchmark::DoNotOptimize(seg.get());
  }
  state.SetItemsProcessed(state.iterations());
}
EDI_BASELINE_BENCHMARK(BM_SharedSegmentLifecycle)->Threads(1)->Threads(2);

// --- segments per tag in every message, with std::string keys ------------------------------------
// A validator tallies each message's tags (against the message's segment table): at each UNT the
// number of distinct tags is added up and the tally starts over.

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Runs `tally(tok, raw)` over the whole input; it returns the sum of distinct tags per message.
template <class Tally>
void count_tags(benchmark::State& state, Tally&& tally) {
  const std::string& text = bench_input();
  std::uint64_t segments = 0;
  edi::test::AllocationCounter allocations;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    benchmark::DoNotOptimize(tally(tok, raw, segments));
  }
  report_parse(state, segments, allocations.allocations());
}

// The way most code starts: a fresh map per message, a std::string key made for every lookup.
void BM_CountTags(benchmark::State& state) {
  count_tags(state, [](edi::Tokenizer& tok, edi::RawSegment& raw, std::uint64_t& segments) {
    std::size_t distinct = 0;
    std::unordered_map<std::string, std::size_t> counts;
    while (tok.next(raw) == edi::Errc::ok) {
      ++segments;
      ++counts[std::string(raw.tag.view())];
      if (raw.tag == "UNT") {
        distinct += counts.size();
        counts = {};
      }
    }
    return distinct;
  });
}
EDI_BASELINE_BENCHMARK(BM_CountTags)->Unit(benchmark::kMillisecond);

// The careful version: one map for the whole input, heterogeneous find() with the
// std::string_view, a std::string made only for a tag never seen; tallies reset in place.
void BM_CountTags_Transparent(benchmark::State& state) {
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> counts;
  count_tags(state, [&counts](edi::Tokenizer& tok, edi::RawSegment& raw, std::uint64_t& segments) {
    std::size_t distinct = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      ++segments;
      auto it = counts.find(raw.tag.view());
      if (it == counts.end()) it = counts.emplace(raw.tag.view(), 0).first;
      ++it->second;
      if (raw.tag == "UNT") {
        for (auto& [tag, n] : counts) {
          distinct += n != 0 ? 1 : 0;
          n = 0;
        }
      }
    }
    return distinct;
  });
}
EDI_BASELINE_BENCHMARK(BM_CountTags_Transparent)->Unit(benchmark::kMillisecond);

// An ordered map per message with std::less<>: heterogeneous too, but a tree of string compares.
void BM_CountTags_OrderedMap(benchmark::State& state) {
  count_tags(state, [](edi::Tokenizer& tok, edi::RawSegment& raw, std::uint64_t& segments) {
    std::size_t distinct = 0;
    std::map<std::string, std::size_t, std::less<>> counts;
    while (tok.next(raw) == edi::Errc::ok) {
      ++segments;
      auto it = counts.find(raw.tag.view());
      if (it == counts.end()) it = counts.emplace(raw.tag.view(), 0).first;
      ++it->second;
      if (raw.tag == "UNT") {
        distinct += counts.size();
        counts.clear();
      }
    }
    return distinct;
  });
}
EDI_BASELINE_BENCHMARK(BM_CountTags_OrderedMap)->Unit(benchmark::kMillisecond);

}  // namespace
