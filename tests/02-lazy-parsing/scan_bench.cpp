// Parsing strategies, measured: four ways to find every segment terminator of a buffer, and two
// ways to find the element separators inside each segment. Each honours the release character
// ("?'" is data) except the last terminator scan, the floor that shows what ignoring it buys.
// Registered as "scan/..." (not part of `make bench`'s comparisons); run them with
//   build/default/tests/02-lazy-parsing/bench02_solutions --benchmark_filter='^scan/'
// Argument 0 is the generated interchange, 1 the release-heavy one (bench_inputs.hpp). The
// "terminators" counter must agree between the strategies that honour escapes.
#include <bit>
#include <cstring>
#include <string>
#include <string_view>

#include "bench_inputs.hpp"
#include "bench_support.hpp"
#include "edi/edi.hpp"
#include "scan.hpp"  // the core's 64-byte classifier (core/src/scan.hpp)

namespace {

constexpr char kTerminator = '\'';
constexpr char kRelease = '?';

// The input after its UNA (whose 9 bytes declare the characters rather than use them).
std::string_view input(const benchmark::State& state) {
  const std::string& text = state.range(0) == 0 ? lesson02::interchange() : lesson02::release_heavy();
  return std::string_view(text).substr(text.starts_with("UNA") ? edi::kUnaSize : 0);
}

void report(benchmark::State& state, std::string_view text, std::size_t terminators) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["terminators"] = static_cast<double>(terminators);
}

// Is the byte at `at` released? Count the run of release characters right before it.
bool released(std::string_view text, std::size_t at) {
  std::size_t run = 0;
  while (run < at && text[at - 1 - run] == kRelease) ++run;
  return run % 2 == 1;
}

// One byte at a time, escape state in the loop: a release character skips the next byte.
void BM_TerminatorsByteLoop(benchmark::State& state) {
  const std::string_view text = input(state);
  std::size_t count = 0;
  for (auto _ : state) {
    count = 0;
    const char* p = text.data();
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (p[i] == kRelease) {
        ++i;  // the next byte is literal, whatever it is
      } else if (p[i] == kTerminator) {
        ++count;
      }
    }
    benchmark::DoNotOptimize(count);
  }
  report(state, text, count);
}
BENCHMARK(BM_TerminatorsByteLoop)->Name("scan/BM_TerminatorsByteLoop")->Arg(0)->Arg(1);

// memchr jumps to the next candidate terminator (SIMD inside glibc); a look back at the run of
// release characters before it decides whether it is real. Released terminators cost a restart.
void BM_TerminatorsMemchr(benchmark::State& state) {
  const std::string_view text = input(state);
  std::size_t count = 0;
  for (auto _ : state) {
    count = 0;
    std::size_t from = 0;
    while (from < text.size()) {
      const void* hit = std::memchr(text.data() + from, kTerminator, text.size() - from);
      if (hit == nullptr) break;
      const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
      if (!released(text, at)) ++count;
      from = at + 1;
    }
    benchmark::DoNotOptimize(count);
  }
  report(state, text, count);
}
BENCHMARK(BM_TerminatorsMemchr)->Name("scan/BM_TerminatorsMemchr")->Arg(0)->Arg(1);

// The core tokenizer's method: 64 bytes classified at once into bit masks, escapes resolved on
// the masks with a carry between blocks, terminators counted with a popcount.
void BM_TerminatorsMasks(benchmark::State& state) {
  const std::string_view text = input(state);
  const edi::detail::Classifier classifier(edi::detail::ScanChars{kTerminator, kRelease, '+', ':', ':'});
  std::size_t count = 0;
  for (auto _ : state) {
    count = 0;
    std::uint64_t carry = 0;
    std::size_t i = 0;
    for (; i + edi::detail::kBlock <= text.size(); i += edi::detail::kBlock) {
      const edi::detail::BlockMasks m = classifier.classify(text.data() + i);
      const std::uint64_t escaped = edi::detail::escaped_bytes(m.release, carry);
      count += static_cast<std::size_t>(std::popcount(m.terminator & ~escaped));
    }
    char last[edi::detail::kBlock] = {};
    std::memcpy(last, text.data() + i, text.size() - i);
    const edi::detail::BlockMasks m = classifier.classify(last);
    const std::uint64_t escaped = edi::detail::escaped_bytes(m.release, carry);
    count += static_cast<std::size_t>(std::popcount(m.terminator & ~escaped));
    benchmark::DoNotOptimize(count);
  }
  report(state, text, count);
}
BENCHMARK(BM_TerminatorsMasks)->Name("scan/BM_TerminatorsMasks")->Arg(0)->Arg(1);

// Not a parser: memchr counting every terminator byte, released or not. The floor; on the
// release-heavy input its count is wrong.
void BM_TerminatorsIgnoringRelease(benchmark::State& state) {
  const std::string_view text = input(state);
  std::size_t count = 0;
  for (auto _ : state) {
    count = 0;
    const char* p = text.data();
    const char* const end = p + text.size();
    while ((p = static_cast<const char*>(std::memchr(p, kTerminator, static_cast<std::size_t>(end - p)))) != nullptr) {
      ++count;
      ++p;
    }
    benchmark::DoNotOptimize(count);
  }
  report(state, text, count);
}
BENCHMARK(BM_TerminatorsIgnoringRelease)->Name("scan/BM_TerminatorsIgnoringRelease")->Arg(0)->Arg(1);

// Inside segments the hops are short (a few bytes between separators). Element separators of
// every segment of the generated interchange, tokenized beforehand.
void BM_ElementsByteLoop(benchmark::State& state) {
  const auto& segments = lesson02::segments();
  std::size_t count = 0;
  for (auto _ : state) {
    count = 0;
    for (const edi::RawSegment& raw : segments) {
      const std::string_view d = raw.data;
      for (std::size_t i = 0; i < d.size(); ++i) {
        if (d[i] == kRelease) {
          ++i;
        } else if (d[i] == '+') {
          ++count;
        }
      }
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lesson02::interchange().size()));
  state.counters["separators"] = static_cast<double>(count);
}
BENCHMARK(BM_ElementsByteLoop)->Name("scan/BM_ElementsByteLoop");

void BM_ElementsMemchr(benchmark::State& state) {
  const auto& segments = lesson02::segments();
  std::size_t count = 0;
  for (auto _ : state) {
    count = 0;
    for (const edi::RawSegment& raw : segments) {
      const std::string_view d = raw.data;
      std::size_t from = 0;
      while (from < d.size()) {
        const void* hit = std::memchr(d.data() + from, '+', d.size() - from);
        if (hit == nullptr) break;
        const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - d.data());
        if (!released(d, at)) ++count;
        from = at + 1;
      }
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lesson02::interchange().size()));
  state.counters["separators"] = static_cast<double>(count);
}
BENCHMARK(BM_ElementsMemchr)->Name("scan/BM_ElementsMemchr");

}  // namespace
