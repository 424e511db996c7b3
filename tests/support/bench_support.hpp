// Helpers for the lessons' Google Benchmark suites.
//
// A lesson's benchmark file is compiled twice, once against exercises/ and once against
// solutions/, and both go into one binary so that `make bench` and the performance panel of
// `make check` compare the learner's code with the reference in one process, interleaved.
// EDI_BENCHMARK names a benchmark after the implementation it was compiled with:
//
//   EDI_BENCHMARK(BM_PooledParse)->Unit(benchmark::kMillisecond);
//   // registers "exercises/BM_PooledParse" and "solutions/BM_PooledParse"
//
// Benchmarks of code that is not an exercise (the core's baseline) are registered once, as
// "baseline/BM_Name", with EDI_BASELINE_BENCHMARK in a file listed as SHARED_BENCHMARKS.
//
// A stub throws edi::NotImplemented; EDI_BENCH_GUARD turns that into a skipped benchmark with
// the stub's message instead of terminating the whole binary.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdlib>

#include "edi/error.hpp"

#define EDI_BENCH_STR2(x) #x
#define EDI_BENCH_STR(x) EDI_BENCH_STR2(x)

#define EDI_BENCHMARK(fn) BENCHMARK(fn)->Name(EDI_BENCH_STR(EDI_IMPL) "/" #fn)
#define EDI_BASELINE_BENCHMARK(fn) BENCHMARK(fn)->Name("baseline/" #fn)

namespace edi::bench {

// The size of the input a benchmark generates: EDI_BENCH_BYTES when it holds a positive number
// (make test's smoke run sets it small, the performance panel of make check a little larger),
// `fallback` otherwise.
inline std::size_t input_bytes(std::size_t fallback) {
  if (const char* env = std::getenv("EDI_BENCH_BYTES"); env != nullptr) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && value > 0) return static_cast<std::size_t>(value);
  }
  return fallback;
}

// Runs `body(state)`; a stub's NotImplemented becomes SkipWithError("not implemented yet: ...").
template <class Body>
void guard(benchmark::State& state, Body&& body) {
  try {
    body(state);
  } catch (const edi::NotImplemented& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace edi::bench

// Defines a benchmark function whose body runs under edi::bench::guard:
//   EDI_BENCH_GUARD(BM_PooledParse) { for (auto _ : state) ...; }
#define EDI_BENCH_GUARD(fn)                                                          \
  static void fn##_body(benchmark::State& state);                                    \
  static void fn(benchmark::State& state) { edi::bench::guard(state, fn##_body); } \
  static void fn##_body(benchmark::State& state)
