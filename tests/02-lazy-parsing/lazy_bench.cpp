// Lesson 02 benchmarks of the lazy view (yours and the reference, side by side). The eager
// counterparts with the same names are in baseline_bench.cpp. All read a generated 16 MiB
// interchange (EDI_BENCH_BYTES) and report bytes/s of that input.
//
//   BM_DocumentNumbers               tokenize, and read the document number of every BGM segment
//   BM_DocumentNumbersPretokenized   the same over segments tokenized beforehand: the per-segment
//                                    work alone, without the tokenizer both sides share
//   BM_EveryField                    every value of every segment, unescaped, through the ranges
//   BM_EveryFieldByIndex             the same with element(e) / component(c, r) by index
//   BM_RepeatedField/k               the city of each NAD segment, read k times: lazy re-scans
//   BM_RepeatedFieldCached/k         ...decoded once and the decoded value reused k times
#include <string>

#include "bench_inputs.hpp"
#include "bench_support.hpp"
#include "edi/edi.hpp"
#include "lazy_segment.hpp"

namespace {

using edi::lazy::LazyElement;
using edi::lazy::LazySegment;

EDI_BENCH_GUARD(BM_DocumentNumbers) {
  const std::string& text = lesson02::interchange();
  std::string scratch;
  std::size_t documents = 0;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t bytes = 0;
    documents = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      if (raw.tag != "BGM") continue;
      const LazySegment bgm(raw);
      bytes += bgm.unescaped(1, 0, scratch).size();
      ++documents;
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["documents"] = static_cast<double>(documents);
}
EDI_BENCHMARK(BM_DocumentNumbers)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_DocumentNumbersPretokenized) {
  const auto& segments = lesson02::segments();
  std::string scratch;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const edi::RawSegment& raw : segments) {
      if (raw.tag != "BGM") continue;
      const LazySegment bgm(raw);
      bytes += bgm.unescaped(1, 0, scratch).size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lesson02::interchange().size()));
}
EDI_BENCHMARK(BM_DocumentNumbersPretokenized)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_EveryField) {
  const std::string& text = lesson02::interchange();
  std::string scratch;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t bytes = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      const LazySegment seg(raw);
      for (const LazyElement element : seg.elements()) {
        for (const LazyElement repetition : element.repetitions()) {
          for (const std::string_view value : repetition.components()) {
            bytes += edi::lazy::unescape(value, raw.chars, scratch).size();
          }
        }
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BENCHMARK(BM_EveryField)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_EveryFieldByIndex) {
  const std::string& text = lesson02::interchange();
  std::string scratch;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t bytes = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      const LazySegment seg(raw);
      const std::size_t elements = seg.element_count();
      for (std::size_t e = 0; e < elements; ++e) {
        const LazyElement element = seg.element(e);
        const std::size_t repetitions = element.repetition_count();
        for (std::size_t r = 0; r < repetitions; ++r) {
          const std::size_t components = element.component_count(r);
          for (std::size_t c = 0; c < components; ++c) bytes += seg.unescaped(e, c, scratch, r).size();
        }
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
EDI_BENCHMARK(BM_EveryFieldByIndex)->Unit(benchmark::kMillisecond);

EDI_BENCH_GUARD(BM_RepeatedField) {
  const auto& nads = lesson02::nads_with_city();
  const auto reads = state.range(0);
  std::string scratch;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const edi::RawSegment& raw : nads) {
      const LazySegment nad(raw);
      for (std::int64_t k = 0; k < reads; ++k) bytes += nad.unescaped(5, 0, scratch).size();  // scans again
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * nads.size()));
}
EDI_BENCHMARK(BM_RepeatedField)->Arg(1)->Arg(4)->Arg(16);

EDI_BENCH_GUARD(BM_RepeatedFieldCached) {
  const auto& nads = lesson02::nads_with_city();
  const auto reads = state.range(0);
  std::string scratch;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const edi::RawSegment& raw : nads) {
      const LazySegment nad(raw);
      const std::string_view city = nad.unescaped(5, 0, scratch);  // decoded once...
      for (std::int64_t k = 0; k < reads; ++k) {
        benchmark::DoNotOptimize(city.data());
        bytes += city.size();  // ...and reused
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * nads.size()));
}
EDI_BENCHMARK(BM_RepeatedFieldCached)->Arg(1)->Arg(4)->Arg(16);

}  // namespace
