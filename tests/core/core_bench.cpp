// Benchmarks of the core, all on one generated interchange (32 MiB by default; EDI_BENCH_BYTES
// changes it), reporting bytes per second:
//
//   BM_Floor_Memchr        counting terminators with memchr: not a parser, the floor
//   BM_Tokenize            the zero-copy tokenizer over the in-memory buffer
//   BM_StreamReader        the same input through the chunked reader (a MemorySource)
//   BM_StreamReader_File   the same from a file in the page cache, read(2) in chunks
//   BM_OwningParse         tokenize + parse each message into a std::vector<edi::Segment>
//   BM_OwningParse_Document  the whole input into one std::vector<edi::Segment>
//   BM_OwningParse_Reused  tokenize + parse every segment into one reused edi::Segment
//   BM_BaselineParse       the eager baseline: a string per value, vectors of vectors
//   BM_Stats               everything `edi stats` counts
//
//   build/default/tests/core/core_bench --benchmark_filter=. --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <unistd.h>

#include "edi/edi.hpp"

namespace {

std::size_t bench_bytes() {
  const char* env = std::getenv("EDI_BENCH_BYTES");
  return env != nullptr ? static_cast<std::size_t>(std::strtoull(env, nullptr, 10)) : (32u << 20);
}

const std::string& input() {
  static const std::string text = [] {
    edi::GeneratorOptions opt;
    opt.seed = 42;
    opt.target_bytes = bench_bytes();
    return edi::generate(opt);
  }();
  return text;
}

// The same input as a file, for the reader's I/O path. Removed at exit.
const std::string& input_file() {
  static const std::string path = [] {
    std::string p = "/tmp/edi_core_bench_" + std::to_string(::getpid()) + ".edi";
    std::ofstream(p, std::ios::binary) << input();
    std::atexit([] { std::remove(input_file().c_str()); });
    return p;
  }();
  return path;
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(input().size()));
}

void BM_Floor_Memchr(benchmark::State& state) {
  const std::string& text = input();
  for (auto _ : state) {
    std::size_t n = 0;
    const char* p = text.data();
    const char* end = p + text.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\'', static_cast<std::size_t>(end - p)))) != nullptr) {
      ++n;
      ++p;
    }
    benchmark::DoNotOptimize(n);
  }
  set_bytes(state);
}
BENCHMARK(BM_Floor_Memchr);

void BM_Tokenize(benchmark::State& state) {
  const std::string& text = input();
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment seg;
    std::size_t n = 0;
    while (tok.next(seg) == edi::Errc::ok) ++n;
    benchmark::DoNotOptimize(n);
  }
  set_bytes(state);
}
BENCHMARK(BM_Tokenize);

void BM_StreamReader(benchmark::State& state) {
  const std::string& text = input();
  edi::StreamReader::Options opt;
  opt.chunk_size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    edi::MemorySource source(text);
    edi::StreamReader reader(source, opt);
    edi::RawSegment seg;
    std::size_t n = 0;
    while (reader.next(seg) == edi::Errc::ok) ++n;
    benchmark::DoNotOptimize(n);
  }
  set_bytes(state);
}
BENCHMARK(BM_StreamReader)->Arg(64 << 10)->Arg(256 << 10)->Arg(1 << 20);

void BM_StreamReader_File(benchmark::State& state) {
  const std::string& path = input_file();
  for (auto _ : state) {
    edi::FileSource source(path);
    edi::StreamReader reader(source);
    edi::RawSegment seg;
    std::size_t n = 0;
    while (reader.next(seg) == edi::Errc::ok) ++n;
    benchmark::DoNotOptimize(n);
  }
  set_bytes(state);
}
BENCHMARK(BM_StreamReader_File);

// The usual owning parse: each message's segments in a std::vector<edi::Segment>, a new Segment
// per segment, all freed when the next message starts.
void BM_OwningParse(benchmark::State& state) {
  const std::string& text = input();
  std::vector<edi::Segment> message;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t values = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      if (raw.tag == "UNH") message.clear();
      edi::parse_segment(raw, message.emplace_back());
      values += message.back().total_components();
    }
    message.clear();
    benchmark::DoNotOptimize(values);
  }
  set_bytes(state);
}
BENCHMARK(BM_OwningParse)->Unit(benchmark::kMillisecond);

// The whole input as one std::vector<edi::Segment> (edi::parse_all): ~12 times the input's
// size in fresh memory, so page faults and cache misses dominate.
void BM_OwningParse_Document(benchmark::State& state) {
  const std::string& text = input();
  for (auto _ : state) {
    std::vector<edi::Segment> segments;
    benchmark::DoNotOptimize(edi::parse_all(text, segments));
    benchmark::DoNotOptimize(segments.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_OwningParse_Document)->Unit(benchmark::kMillisecond);

void BM_OwningParse_Reused(benchmark::State& state) {
  const std::string& text = input();
  edi::Segment seg;
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    std::size_t values = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      edi::parse_segment(raw, seg);
      values += seg.total_components();
    }
    benchmark::DoNotOptimize(values);
  }
  set_bytes(state);
}
BENCHMARK(BM_OwningParse_Reused)->Unit(benchmark::kMillisecond);

void BM_BaselineParse(benchmark::State& state) {
  const std::string& text = input();
  for (auto _ : state) {
    auto segments = edi::baseline::parse(text);
    benchmark::DoNotOptimize(segments.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_BaselineParse)->Unit(benchmark::kMillisecond);

void BM_Stats(benchmark::State& state) {
  const std::string& text = input();
  for (auto _ : state) {
    edi::Tokenizer tok(text);
    edi::Stats stats;
    benchmark::DoNotOptimize(edi::collect_stats(tok, stats));
    benchmark::DoNotOptimize(stats.components);
  }
  set_bytes(state);
}
BENCHMARK(BM_Stats);

}  // namespace

BENCHMARK_MAIN();
