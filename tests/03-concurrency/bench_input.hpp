// The input of lesson 03's benchmarks: a generated interchange (8 MiB, or EDI_BENCH_BYTES) and
// its messages, built once per process, outside every timed loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "edi/edi.hpp"
#include "message_work.hpp"

namespace edi::concurrency::bench {

inline const std::string& interchange() {
  static const std::string text = [] {
    GeneratorOptions options;
    options.seed = 17;
    options.target_bytes = edi::bench::input_bytes(8 << 20);
    return generate(options);
  }();
  return text;
}

// What the benchmarks fold the summaries into, so that none of the work can be optimized away.
struct Totals {
  std::size_t segments = 0;
  std::size_t findings = 0;
  Amount total;
  void add(const MessageSummary& s) {
    segments += s.segments;
    findings += s.findings;
    total += s.total;
  }
};

}  // namespace edi::concurrency::bench
