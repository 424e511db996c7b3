// Lesson 00 demo (`make run LESSON=00`, or `make run LESSON=00 IMPL=solutions`): a tour of the
// core on one annotated message and a generated interchange, then the warm-up functions run on
// the same input, with their answers checked against the core's.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "edi/edi.hpp"
#include "warmup.hpp"

namespace {

constexpr const char* kOrder =
    "UNA:+.? '\n"
    "UNB+UNOC:3+5412345000013:14+4012345000009:14+261127:1200+1001'\n"
    "UNH+1+ORDERS:D:96A:UN:EAN008'\n"
    "BGM+220+PO-4711+9'\n"
    "DTM+137:20261127:102'\n"
    "FTX+AAI+++Deliver to gate 4?: ring twice'\n"
    "NAD+BY+5412345000013::9'\n"
    "NAD+SU+4012345000009::9'\n"
    "LIN+1++4000862141404:SRS'\n"
    "QTY+21:48'\n"
    "PRI+AAA:12.50'\n"
    "UNS+S'\n"
    "CNT+2:1'\n"
    "UNT+12+1'\n"
    "UNZ+1+1001'\n";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  std::puts("== One message, segment by segment (edi::Tokenizer + edi::parse_segment) ==");
  edi::Tokenizer tok(kOrder);
  edi::RawSegment raw;
  edi::Segment seg;
  while (tok.next(raw) == edi::Errc::ok) {
    edi::parse_segment(raw, seg);
    std::printf("  %-4s %zu element(s)", std::string(seg.tag()).c_str(), seg.element_count());
    if (seg.element_count() > 0) std::printf(", first value '%s'", std::string(seg.component(0, 0)).c_str());
    std::printf("   raw: %.*s\n", static_cast<int>(raw.text.size()), raw.text.data());
  }
  std::puts("  (the UNA is consumed by the tokenizer; '?:' in the FTX is a released ':')\n");

  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;
  edi::GeneratorOptions opt;
  opt.seed = 2026;
  opt.target_bytes = quick ? (256 << 10) : (16 << 20);
  edi::GeneratedSummary generated;
  std::string text;
  generated = edi::generate(opt, [&](std::string_view piece) { text.append(piece); });
  std::printf("== A generated interchange: %zu bytes, %zu messages, %zu segments ==\n", text.size(), generated.messages,
              generated.segments);

  auto start = std::chrono::steady_clock::now();
  const edi::Structure structure = edi::analyze(text);
  std::printf("  edi::analyze: %zu messages, %zu findings, %.1f ms\n", structure.messages.size(),
              structure.findings.size(), 1e3 * seconds_since(start));
  start = std::chrono::steady_clock::now();
  edi::Tokenizer counter(text);
  edi::Stats stats;
  if (const edi::Errc rc = edi::collect_stats(counter, stats); rc != edi::Errc::end_of_input) {
    std::printf("  the core stopped: %s\n", std::string(edi::describe(rc)).c_str());
    return 1;
  }
  const double tokenize_s = seconds_since(start);
  std::printf("  edi::collect_stats: %llu segments, %llu elements, %llu components, %.0f MB/s\n\n",
              static_cast<unsigned long long>(stats.segments), static_cast<unsigned long long>(stats.elements),
              static_cast<unsigned long long>(stats.components), static_cast<double>(text.size()) / tokenize_s / 1e6);

  std::puts("== Your warm-up (warmup.hpp) ==");
  try {
    start = std::chrono::steady_clock::now();
    const std::size_t segments = edi::warmup::count_segments(text);
    std::printf("  count_segments: %zu (core: %llu) %s, %.1f ms\n", segments,
                static_cast<unsigned long long>(stats.segments), segments == stats.segments ? "ok" : "DIFFERENT",
                1e3 * seconds_since(start));
  } catch (const edi::NotImplemented& e) {
    std::printf("  count_segments: %s\n", e.what());
  }
  try {
    const auto types = edi::warmup::count_messages_by_type(text);
    std::printf("  count_messages_by_type:");
    for (const auto& [type, n] : types) std::printf(" %s %zu", type.c_str(), n);
    std::printf("  (core: %zu messages)\n", structure.messages.size());
  } catch (const edi::NotImplemented& e) {
    std::printf("  count_messages_by_type: %s\n", e.what());
  }
  try {
    const edi::Amount total = edi::warmup::invoice_total(text);
    std::printf("  invoice_total: %s (generator wrote %s) %s\n", edi::to_string(total).c_str(),
                edi::to_string(generated.invoice_total).c_str(), total == generated.invoice_total ? "ok" : "DIFFERENT");
  } catch (const edi::NotImplemented& e) {
    std::printf("  invoice_total: %s\n", e.what());
  }
  std::puts("\nNext: make check LESSON=00 grades these; make hint LESSON=00 helps.");
  return 0;
}
