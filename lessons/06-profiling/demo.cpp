// Lesson 06 demo (`make run LESSON=06`, or `make run LESSON=06 IMPL=solutions`): your report
// pipeline on a few messages, then on a larger interchange with the numbers the profiles talk
// about: throughput, heap allocations per message, blocks never freed, flushes of the stream.
// This program counts allocations itself: it replaces the global operator new and delete.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <streambuf>
#include <string>

#include "edi/edi.hpp"
#include "report.hpp"

namespace {

std::atomic<std::uint64_t> g_allocations{0};
std::atomic<std::uint64_t> g_deallocations{0};

// Keeps nothing, counts the bytes and the flushes (sync calls) of the stream on top of it.
class CountingSink : public std::streambuf {
 public:
  std::uint64_t bytes = 0;
  std::uint64_t flushes = 0;

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) ++bytes;
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<std::uint64_t>(n);
    return n;
  }
  int sync() override {
    ++flushes;
    return 0;
  }
};

}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_deallocations.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

int main() {
  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;

  std::puts("== The report of four generated messages (edi::profiling::ReportPipeline) ==");
  {
    edi::GeneratorOptions opt;
    opt.seed = 6;
    opt.messages = 4;
    const std::string text = edi::generate(opt);
    edi::profiling::ReportPipeline pipeline;
    std::ostringstream out;
    pipeline.run(text, out);
    std::fputs(out.str().c_str(), stdout);
  }

  edi::GeneratorOptions opt;
  opt.seed = 2026;
  opt.target_bytes = quick ? (256 << 10) : (1 << 20);
  opt.duplicate_rate = 0.15;
  const std::string text = edi::generate(opt);
  std::printf("\n== One run over %zu bytes ==\n", text.size());

  // One run into a stream that counts, on a fresh pipeline, with the heap counted around it.
  CountingSink sink;
  std::ostream counted(&sink);
  const std::uint64_t allocations_before = g_allocations.load();
  const std::uint64_t deallocations_before = g_deallocations.load();
  edi::profiling::RunSummary summary;
  {
    edi::profiling::ReportPipeline pipeline;
    summary = pipeline.run(text, counted);
  }
  const std::uint64_t allocations = g_allocations.load() - allocations_before;
  const std::uint64_t leaked = allocations - (g_deallocations.load() - deallocations_before);
  const double per_message = static_cast<double>(allocations) / static_cast<double>(summary.messages);
  std::printf("  %llu messages (%llu duplicates), %llu segments, invoiced %s\n",
              static_cast<unsigned long long>(summary.messages), static_cast<unsigned long long>(summary.duplicates),
              static_cast<unsigned long long>(summary.segments), edi::to_string(summary.invoiced).c_str());
  std::printf("  heap: %llu allocations (%.1f per message), %llu never freed\n",
              static_cast<unsigned long long>(allocations), per_message, static_cast<unsigned long long>(leaked));
  std::printf("  stream: %llu bytes of report, flushed %llu time(s)\n", static_cast<unsigned long long>(sink.bytes),
              static_cast<unsigned long long>(sink.flushes));

  // Throughput, writing to /dev/null: a flush there is a real write(2), as on a file.
  std::ofstream devnull("/dev/null");
  edi::profiling::ReportPipeline pipeline;
  const int rounds = quick ? 2 : 3;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) pipeline.run(text, devnull);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  speed: %.1f MB/s, %.0f messages/s (%d runs to /dev/null, wall clock)\n",
              static_cast<double>(text.size()) * rounds / seconds / 1e6,
              static_cast<double>(summary.messages) * rounds / seconds, rounds);

  std::puts("\n== What the graders look for (make check LESSON=06 measures it exactly) ==");
  int left = 0;
  if (per_message > 4.0) {
    std::printf("  not implemented yet: %.1f allocations per message; at most 4 wanted (the heap profile)\n",
                per_message);
    ++left;
  }
  if (leaked > 0) {
    std::printf("  not implemented yet: %llu blocks leaked per run; none wanted (the leak check)\n",
                static_cast<unsigned long long>(leaked));
    ++left;
  }
  if (sink.flushes > 1) {
    std::printf("  not implemented yet: %llu flushes per run; at most one wanted (the CPU profile: write)\n",
                static_cast<unsigned long long>(sink.flushes));
    ++left;
  }
  if (left == 0) {
    std::puts("  the heap, the leak check and the stream look fixed; make check LESSON=06 counts the instructions");
  }
  std::puts("\nNext: make profile LESSON=06 shows where the time goes; make check LESSON=06 grades it.");
  return 0;
}
