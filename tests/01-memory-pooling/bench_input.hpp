// The input of lesson 01's benchmarks, shared by the reference, the exercise and the baseline so
// that every side parses the same bytes: a generated interchange of 32 MiB (EDI_BENCH_BYTES
// overrides the size; the self-test's smoke run uses 1 MiB).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_support.hpp"
#include "edi/generator.hpp"
#include "edi/tokenizer.hpp"

namespace lesson01 {

inline std::size_t bench_bytes() { return edi::bench::input_bytes(std::size_t{32} << 20); }

// Seed 42, as the core's benchmarks (tests/core/core_bench.cpp), so the numbers compare.
inline const std::string& bench_input() {
  static const std::string text = [] {
    edi::GeneratorOptions opt;
    opt.seed = 42;
    opt.target_bytes = bench_bytes();
    return edi::generate(opt);
  }();
  return text;
}

// One typical segment, tokenized: a party with its name and address (13 values, 2 released).
inline const edi::RawSegment& sample_segment() {
  static const std::string text = "NAD+BY+5412345000013::9++Muster?+Sohn GmbH+Hauptstrasse 1:Hof 2+Koeln++50667+DE'";
  static const edi::RawSegment raw = [] {
    edi::Tokenizer tok(text);
    edi::RawSegment seg;
    // The literal above is one terminated segment: next() cannot fail on it.
    [[maybe_unused]] const edi::Errc rc = tok.next(seg);
    return seg;
  }();
  return raw;
}

// Bytes per second over the whole input, and heap allocations per segment as a user counter.
inline void report_parse(benchmark::State& state, std::uint64_t segments, std::uint64_t allocations) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bench_input().size()));
  state.counters["allocs_per_segment"] =
      segments == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(segments);
}

}  // namespace lesson01
