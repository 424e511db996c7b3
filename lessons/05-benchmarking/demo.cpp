// Lesson 05 demo (`make run LESSON=05`, or `make run LESSON=05 IMPL=solutions`): why a stopwatch
// is not a benchmark, what the optimizer deletes, what CPU time misses, and then your benchmarks
// (exercises/05-benchmarking/processing_bench.cpp), run in this process with what the subjects
// counted while they ran. EDI_DEMO_QUICK=1 makes everything small.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "bench_support.hpp"
#include "runner.hpp"
#include "subjects.hpp"

namespace {

using edi::bench05::Workload;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of the calling thread only, in milliseconds.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Five passes of one processor, each timed by hand, with the allocations of the pass.
template <class Processor>
void time_by_hand(const char* label, Processor& processor, const Workload& w, std::uint64_t expected_checksum) {
  std::vector<double> times;
  times.reserve(5);
  std::uint64_t allocations = 0;
  bool same = true;
  for (int i = 0; i < 5; ++i) {
    edi::test::AllocationCounter counter(/*global=*/true);  // the workers allocate on their threads
    const auto start = std::chrono::steady_clock::now();
    const edi::bench05::Result result = processor.process(w);
    const double elapsed = ms_since(start);
    allocations = counter.allocations();
    times.push_back(elapsed);
    same = same && result.totals().checksum == expected_checksum;
  }
  std::printf("  %-24s", label);
  for (const double t : times) std::printf(" %7.2f", t);
  const auto [lo, hi] = std::minmax_element(times.begin(), times.end());
  std::printf("  ms   spread %4.0f%%   %8llu allocations/pass   checksum %s\n", 100.0 * (*hi - *lo) / *lo,
              static_cast<unsigned long long>(allocations), same ? "same" : "DIFFERENT");
}

// A sum the optimizer can see through: inline, no side effects.
std::uint64_t byte_sum(std::string_view text) {
  std::uint64_t sum = 0;
  for (const char c : text) sum += static_cast<unsigned char>(c);
  return sum;
}

const Workload& demo_workload() {
  static const Workload w = edi::bench05::make_workload();
  return w;
}

void BM_SumDiscarded(benchmark::State& state) {
  const std::string_view text = demo_workload().text();
  for (auto _ : state) byte_sum(text);  // the result is unused: the call may vanish
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_SumDiscarded)->Name("demo/BM_SumDiscarded");

void BM_SumKept(benchmark::State& state) {
  const std::string_view text = demo_workload().text();
  for (auto _ : state) benchmark::DoNotOptimize(byte_sum(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_SumKept)->Name("demo/BM_SumKept");

void print_instances(const edi::bench05::RunReport& report) {
  for (const edi::bench05::InstanceReport& r : report.instances) {
    std::printf("  %-58s", r.name.c_str());
    if (r.run.error_occurred) {
      std::printf(" %s\n", r.run.error_message.c_str());
      continue;
    }
    const double per_iteration_ns = r.run.GetAdjustedRealTime() *
                                    (r.run.time_unit == benchmark::kMillisecond   ? 1e6
                                     : r.run.time_unit == benchmark::kMicrosecond ? 1e3
                                                                                   : 1.0);
    std::printf(" %14.2f ns/iteration", per_iteration_ns);
    if (const auto b = r.run.counters.find("bytes_per_second"); b != r.run.counters.end()) {
      std::printf("  %9.1f MB/s", b->second.value / 1e6);
    }
    std::printf("\n");
  }
}

}  // namespace

int main() {
  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;
  if (quick) ::setenv("EDI_BENCH_BYTES", "262144", 1);
  const std::string impl = EDI_BENCH_STR(EDI_IMPL);

  auto start = std::chrono::steady_clock::now();
  const Workload& w = demo_workload();
  std::printf("== The workload: %zu bytes, %zu messages (generate + split: %.1f ms) ==\n\n", w.bytes(),
              w.message_count(), ms_since(start));

  std::puts("== A stopwatch around one pass, five times each (std::chrono::steady_clock) ==");
  edi::bench05::SequentialProcessor sequential;
  const std::uint64_t checksum = sequential.process(w).totals().checksum;
  time_by_hand("SequentialProcessor", sequential, w, checksum);
  {
    edi::bench05::ConcurrentProcessor concurrent(2);
    time_by_hand("ConcurrentProcessor(2)", concurrent, w, checksum);
  }
  edi::bench05::PooledProcessor pooled;
  time_by_hand("PooledProcessor", pooled, w, checksum);
  std::puts("  Five timings of the same pass, five answers: cold caches, the pool's first buffers and");
  std::puts("  whatever else the machine is doing all end up in a single timing. Google Benchmark repeats");
  std::puts("  a pass until the run lasts --benchmark_min_time; --benchmark_repetitions repeats the run.\n");

  std::puts("== What the optimizer deletes (Google Benchmark, in this process) ==");
  edi::bench05::RunOptions demo;
  demo.filter = "^demo/";
  demo.min_time = quick ? 0.01 : 0.1;
  print_instances(edi::bench05::run_benchmarks(demo));
  std::puts("  Same loop body; in the first the sum is never used, so -O2 removes it and the benchmark");
  std::puts("  times an empty loop. benchmark::DoNotOptimize(x) makes the compiler produce x.\n");

  std::puts("== Whose time? One pass of ConcurrentProcessor(2), two clocks ==");
  {
    edi::bench05::ConcurrentProcessor concurrent(2);
    benchmark::DoNotOptimize(concurrent.process(w));  // warm-up
    const double cpu0 = thread_cpu_ms();
    start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(concurrent.process(w));
    const double wall = ms_since(start);
    const double cpu = thread_cpu_ms() - cpu0;
    std::printf("  wall clock %.2f ms, CPU time of the calling thread %.3f ms (%.2f%% of the wall clock)\n", wall, cpu,
                100.0 * cpu / wall);
    std::puts("  The caller sleeps while the workers process. Google Benchmark's default clock is the CPU");
    std::puts("  time of the benchmark's thread: without UseRealTime the pass looks almost free.\n");
  }

  std::printf("== Your benchmarks (%s/..., run here with --benchmark_min_time=%.2f) ==\n", impl.c_str(),
              quick ? 0.01 : 0.1);
  const std::vector<std::string> names = edi::bench05::list_benchmarks("^" + impl + "/");
  if (names.empty()) {
    std::printf("  not implemented yet: no benchmark named %s/... is registered (EDI_BENCHMARK)\n", impl.c_str());
    return 0;
  }
  edi::bench05::RunOptions yours;
  yours.filter = "^" + impl + "/";
  yours.min_time = quick ? 0.01 : 0.1;
  const edi::bench05::RunReport report = edi::bench05::run_benchmarks(yours);
  print_instances(report);
  std::puts("  (ns/iteration: wall clock. MB/s: per second of the benchmark's own clock, the CPU time of");
  std::puts("  its thread unless the name ends in /real_time.)");
  std::puts("\n  What the subjects counted while each ran (all of Google Benchmark's calls of it):");
  for (const edi::bench05::InstanceReport& r : report.instances) {
    if (r.run.error_occurred) continue;
    const edi::bench05::Probe& p = r.during;
    std::size_t kind = 0;  // the processor this benchmark ran most
    for (std::size_t k = 1; k < edi::bench05::kKinds; ++k) {
      if (p.passes[k] > p.passes[kind]) kind = k;
    }
    std::printf("  %-58s %6llu passes, %llu workload builds, %llu processors built, %llu results dropped;\n"
                "  %-58s the processor destroyed last served %llu passes, the reported run had %lld iterations\n",
                r.name.c_str(), static_cast<unsigned long long>(p.passes[kind]),
                static_cast<unsigned long long>(p.workloads_built),
                static_cast<unsigned long long>(p.processors_built[kind]),
                static_cast<unsigned long long>(p.results_dropped), "",
                static_cast<unsigned long long>(p.last_retired_passes[kind]), static_cast<long long>(r.run.iterations));
  }
  std::printf("\nNext: make check LESSON=05 grades these; make bench LESSON=05 compares them with the reference.\n");
  return 0;
}
