// Lesson 02 baselines: the eager counterparts of lazy_bench.cpp, under the same names, so that
// `make bench` and the performance panel of `make check` pair them ("baseline/BM_x" against
// "solutions/BM_x"). Eager means: every segment is parsed (edi::parse_segment into one reused
// edi::Segment, every value split and unescaped) before anything is read from it, as an eager
// parser's API (parse_all, a callback receiving a Segment) does.
//
//   BM_DocumentNumbersBaselineParser  the same question with edi::baseline::parse (a string per value)
//   BM_TokenizeOnly                   the tokenizer alone: the floor of every end-to-end benchmark
//   BM_PretokenizedFloor              a walk over the pre-tokenized segments comparing tags: the
//                                     floor of the *Pretokenized benchmarks
#include <string>

#include "bench_inputs.hpp"
#include "bench_support.hpp"
#include "edi/edi.hpp"

namespace {

void BM_DocumentNumbers(benchmark::State& state) {
  const std::string& text = lesson02::interchange();
  edi::Segment seg;  // reused: no allocation once warm
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t bytes = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      edi::parse_segment(raw, seg);
      if (seg.tag() == "BGM") bytes += seg.component(1, 0).size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BASELINE_BENCHMARK(BM_DocumentNumbers)->Unit(benchmark::kMillisecond);

void BM_DocumentNumbersBaselineParser(benchmark::State& state) {
  const std::string& text = lesson02::interchange();
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const edi::baseline::Segment& seg : edi::baseline::parse(text)) {
      if (seg.tag == "BGM" && seg.elements.size() > 1) bytes += seg.elements[1][0][0].size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BASELINE_BENCHMARK(BM_DocumentNumbersBaselineParser)->Unit(benchmark::kMillisecond);

void BM_DocumentNumbersPretokenized(benchmark::State& state) {
  const auto& segments = lesson02::segments();
  edi::Segment seg;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const edi::RawSegment& raw : segments) {
      edi::parse_segment(raw, seg);
      if (seg.tag() == "BGM") bytes += seg.component(1, 0).size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lesson02::interchange().size()));
}
EDI_BASELINE_BENCHMARK(BM_DocumentNumbersPretokenized)->Unit(benchmark::kMillisecond);

void BM_EveryField(benchmark::State& state) {
  const std::string& text = lesson02::interchange();
  edi::Segment seg;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t bytes = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      edi::parse_segment(raw, seg);
      const std::size_t elements = seg.element_count();
      for (std::size_t e = 0; e < elements; ++e) {
        const std::size_t repetitions = seg.repetition_count(e);
        for (std::size_t r = 0; r < repetitions; ++r) {
          const std::size_t components = seg.component_count(e, r);
          for (std::size_t c = 0; c < components; ++c) bytes += seg.component(e, c, r).size();
        }
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BASELINE_BENCHMARK(BM_EveryField)->Unit(benchmark::kMillisecond);

void BM_RepeatedField(benchmark::State& state) {
  const auto& nads = lesson02::nads_with_city();
  const auto reads = state.range(0);
  edi::Segment seg;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const edi::RawSegment& raw : nads) {
      edi::parse_segment(raw, seg);  // once; every read after it is an index lookup
      for (std::int64_t k = 0; k < reads; ++k) bytes += seg.component(5, 0).size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * nads.size()));
}
EDI_BASELINE_BENCHMARK(BM_RepeatedField)->Arg(1)->Arg(4)->Arg(16);

void BM_TokenizeOnly(benchmark::State& state) {
  const std::string& text = lesson02::interchange();
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t segments = 0;
    while (tok.next(raw) == edi::Errc::ok) ++segments;
    benchmark::DoNotOptimize(segments);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BASELINE_BENCHMARK(BM_TokenizeOnly)->Unit(benchmark::kMillisecond);

void BM_PretokenizedFloor(benchmark::State& state) {
  const auto& segments = lesson02::segments();
  for (auto _ : state) {
    std::size_t documents = 0;
    for (const edi::RawSegment& raw : segments) documents += raw.tag == "BGM" ? 1 : 0;
    benchmark::DoNotOptimize(documents);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lesson02::interchange().size()));
}
EDI_BASELINE_BENCHMARK(BM_PretokenizedFloor)->Unit(benchmark::kMillisecond);

}  // namespace
