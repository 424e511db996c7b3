// Inputs of lesson 02's benchmarks (lazy_bench.cpp, baseline_bench.cpp, scan_bench.cpp), built
// once per process, outside every timed loop. EDI_BENCH_BYTES sets their size (default 16 MiB).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "edi/edi.hpp"

namespace lesson02 {

inline std::size_t bench_bytes() { return edi::bench::input_bytes(std::size_t{16} << 20); }

// A generated interchange (syntax 3, mixed message types, one segment per line).
inline const std::string& interchange() {
  static const std::string text = [] {
    edi::GeneratorOptions opt;
    opt.seed = 2;
    opt.target_bytes = bench_bytes();
    return edi::generate(opt);
  }();
  return text;
}

// Every segment of interchange(), tokenized once: for the benchmarks that leave the tokenizer out.
inline const std::vector<edi::RawSegment>& segments() {
  static const std::vector<edi::RawSegment> all = [] {
    std::vector<edi::RawSegment> out;
    edi::Tokenizer tok(interchange());
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) out.push_back(raw);
    return out;
  }();
  return all;
}

// The NAD segments with a city (element 5): "NAD+SU+4012345000009::9++Kappa Oy+Main St 4+Bern++3011+CH".
inline const std::vector<edi::RawSegment>& nads_with_city() {
  static const std::vector<edi::RawSegment> all = [] {
    std::vector<edi::RawSegment> out;
    edi::Segment seg;
    for (const edi::RawSegment& raw : segments()) {
      if (raw.tag != "NAD") continue;
      edi::parse_segment(raw, seg);
      if (seg.element_count() > 5) out.push_back(raw);
    }
    return out;
  }();
  return all;
}

// An interchange of free text heavy with release characters (about one byte in seven is a '?'), to
// show what escapes cost each scanning strategy.
inline const std::string& release_heavy() {
  static const std::string text = [] {
    std::string out = "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'\nUNH+1+ORDERS:D:96A:UN'\n";
    const std::string_view lines[] = {
        "FTX+AAI+++Pallets ?+ cartons?: 50?? paid?' don?'t stack?\? rest?: cash'\n",
        "FTX+AAI+++Gate 4?: ring twice?+ wait?' ok?\?'\n",
        "FTX+AAI+++A?+B?+C?:D?:E?'F?'G??\?'\n",
    };
    std::size_t i = 0;
    while (out.size() < bench_bytes()) out += lines[i++ % 3];
    out += "UNT+2+1'\nUNZ+1+1'\n";
    return out;
  }();
  return text;
}

}  // namespace lesson02
