// Graders of lesson 05: your Google Benchmark suites, run inside this process.
//
// Each suite is one benchmark family. A test lists it (--benchmark_list_tests), runs it once with a
// small workload (EDI_BENCH_BYTES=65536) and --benchmark_min_time=0.05 (0.5 when a run stopped at
// one iteration), writes the JSON report, and checks one property. Nothing here compares times: the properties come from counts the
// subjects keep (subjects.hpp) and from the names and counters of the report, which are the same
// on every run, on any machine, however loaded.
//
// Why in-process and not a subprocess: the subjects' counters live in this process, so each
// benchmark instance can be matched with exactly what it did (builds, constructions, passes,
// dropped results), and Google Benchmark hands its runs to a reporter object directly. Each test
// still runs in its own process (CTest), so one family's run cannot disturb another's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "runner.hpp"
#include "subjects.hpp"

namespace {

using edi::bench05::InstanceReport;
using edi::bench05::Kind;

// The prefix EDI_BENCHMARK gives names in this build ("exercises", "solutions").
constexpr const char* kImpl = EDI_BENCH_STR(EDI_IMPL);
constexpr double kMinTime = 0.05;
constexpr const char* kWorkloadBytes = "65536";

struct FamilyRun {
  std::vector<std::string> listed;      // --benchmark_list_tests for this family
  std::vector<std::string> registered;  // every registered name (to explain a missing family)
  edi::bench05::RunReport report;
  nlohmann::json json;                  // the "benchmarks" array of the JSON report
  std::string json_error;
};

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

// Lists and runs one family, once per process.
const FamilyRun& family(const std::string& name) {
  static std::map<std::string, FamilyRun> cache;
  if (const auto it = cache.find(name); it != cache.end()) return it->second;
  ::setenv("EDI_BENCH_BYTES", kWorkloadBytes, 1);
  FamilyRun f;
  const std::string filter = "^" + std::string(kImpl) + "/" + name + "(/|$)";
  f.listed = edi::bench05::list_benchmarks(filter);
  if (f.listed.empty()) {
    f.registered = edi::bench05::list_benchmarks(".");
  } else {
    // A run of one iteration cannot tell setup from work. Google Benchmark stops at one
    // iteration only when that iteration alone lasted the minimum time (a very slow machine, a
    // sanitizer): then the family runs once more, with ten times the minimum time.
    for (const double min_time : {kMinTime, 10 * kMinTime}) {
      const std::filesystem::path json_path = std::filesystem::temp_directory_path() /
                                              ("edi-grade05-" + std::to_string(::getpid()) + "-" + name + ".json");
      f.report = edi::bench05::run_benchmarks({.filter = filter, .min_time = min_time, .json_path = json_path.string()});
      std::ifstream in(json_path);
      try {
        f.json = nlohmann::json::parse(in).at("benchmarks");
        f.json_error.clear();
      } catch (const std::exception& e) {
        f.json_error = e.what();
      }
      std::error_code ignored;
      std::filesystem::remove(json_path, ignored);
      const bool short_run = std::any_of(f.report.instances.begin(), f.report.instances.end(), [](const InstanceReport& r) {
        return !r.run.error_occurred && r.run.iterations < 2;
      });
      if (!short_run) break;
    }
  }
  return cache.emplace(name, std::move(f)).first->second;
}

// The family's runs, or nullptr after a failure that says why nothing more can be judged.
const FamilyRun* ran(const std::string& name) {
  const FamilyRun& f = family(name);
  if (f.listed.empty()) {
    ADD_FAILURE() << "no benchmark named " << kImpl << "/" << name << " is registered. Register it with EDI_BENCHMARK("
                  << name << ") (which adds the \"" << kImpl << "/\" prefix). Registered: " << join(f.registered);
    return nullptr;
  }
  for (const InstanceReport& instance : f.report.instances) {
    if (instance.run.error_occurred) {
      ADD_FAILURE() << instance.run.error_message << "\n(" << instance.name << " reported an error)";
      return nullptr;
    }
  }
  if (f.report.instances.size() != f.listed.size()) {
    ADD_FAILURE() << "listed " << f.listed.size() << " instances but " << f.report.instances.size()
                  << " ran\n" << f.report.console;
    return nullptr;
  }
  if (!f.json_error.empty()) {
    ADD_FAILURE() << "the JSON report could not be read: " << f.json_error;
    return nullptr;
  }
  return &f;
}

// The JSON object of an instance's (last) iteration run; null when missing.
nlohmann::json json_entry(const FamilyRun& f, const std::string& name) {
  nlohmann::json found;
  for (const nlohmann::json& b : f.json) {
    if (b.value("name", "") == name && b.value("run_type", "") == "iteration") found = b;
  }
  return found;
}

// Setup and pass counts say something only when a run did at least two iterations.
bool judgeable(const InstanceReport& instance) {
  if (instance.run.iterations >= 2) return true;
  ADD_FAILURE() << instance.name << " ran " << instance.run.iterations
                << " iteration: with one iteration, setup and work cannot be told apart. Do not fix the "
                   "iteration count (->Iterations) or the minimum time (->MinTime) in the registration.";
  return false;
}

const char* processor_name(Kind kind) {
  switch (kind) {
    case Kind::sequential: return "SequentialProcessor";
    case Kind::concurrent: return "ConcurrentProcessor";
    case Kind::pooled: return "PooledProcessor";
  }
  return "?";
}

double seconds_per_unit(const std::string& unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  return 1.0;
}

// --- the checks shared by the three suites -----------------------------------------------------

void expect_listed_and_runs(const std::string& name) {
  const FamilyRun* f = ran(name);
  if (f == nullptr) return;
  for (const InstanceReport& instance : f->report.instances) {
    EXPECT_GE(instance.run.iterations, 1) << instance.name;
    EXPECT_FALSE(json_entry(*f, instance.name).is_null()) << instance.name << " is missing from the JSON report";
  }
}

void expect_throughput(const std::string& name) {
  const FamilyRun* f = ran(name);
  if (f == nullptr) return;
  for (const InstanceReport& instance : f->report.instances) {
    const nlohmann::json entry = json_entry(*f, instance.name);
    ASSERT_FALSE(entry.is_null()) << instance.name << " is missing from the JSON report";
    const bool has_bytes = entry.contains("bytes_per_second");
    const bool has_items = entry.contains("items_per_second");
    EXPECT_TRUE(has_bytes) << instance.name << " reports no bytes_per_second: call state.SetBytesProcessed(...) after the loop";
    EXPECT_TRUE(has_items) << instance.name << " reports no items_per_second: call state.SetItemsProcessed(...) after the loop";
    if (!has_bytes || !has_items) continue;
    // A rate is the counter's total divided by the benchmark's time (real time with UseRealTime,
    // else CPU time), and the report's time is that total per iteration: their product is what one
    // iteration processed, whatever the speed of the machine.
    const std::string time_type = instance.run.run_name.time_type;
    const bool wall = contains(time_type, "real_time") || contains(time_type, "manual_time");
    const double seconds = entry.value(wall ? "real_time" : "cpu_time", 0.0) * seconds_per_unit(entry.value("time_unit", "ns"));
    const double bytes = entry["bytes_per_second"].get<double>() * seconds;
    const double items = entry["items_per_second"].get<double>() * seconds;
    const double want_bytes = static_cast<double>(instance.during.last_pass_bytes);
    const double want_items = static_cast<double>(instance.during.last_pass_messages);
    EXPECT_NEAR(bytes, want_bytes, 1e-6 * want_bytes)
        << instance.name << ": bytes_per_second x time per iteration = " << bytes << " bytes, but one pass covers "
        << want_bytes << " bytes. Use state.SetBytesProcessed(state.iterations() * workload.bytes()).";
    EXPECT_NEAR(items, want_items, 1e-6 * want_items)
        << instance.name << ": items_per_second x time per iteration = " << items << " items, but one pass covers "
        << want_items << " messages. Use state.SetItemsProcessed(state.iterations() * workload.message_count()).";
  }
}

void expect_setup_outside_the_loop(const std::string& name, Kind kind) {
  const FamilyRun* f = ran(name);
  if (f == nullptr) return;
  for (const InstanceReport& instance : f->report.instances) {
    if (!judgeable(instance)) continue;
    const std::uint64_t passes = instance.during.passes[index(kind)];
    const std::uint64_t builds = instance.during.workloads_built;
    const std::uint64_t constructed = instance.during.processors_built[index(kind)];
    ASSERT_GT(passes, 0u) << instance.name << " never called " << processor_name(kind) << "::process()";
    EXPECT_LT(builds, passes) << instance.name << ": make_workload() ran " << builds << " times for " << passes
                              << " passes. Build the workload before the timed loop (or once per process).";
    EXPECT_LT(constructed, passes) << instance.name << ": " << processor_name(kind) << " was constructed "
                                   << constructed << " times for " << passes
                                   << " passes. Construct it before the timed loop.";
  }
}

void expect_one_pass_per_iteration(const std::string& name, Kind kind) {
  const FamilyRun* f = ran(name);
  if (f == nullptr) return;
  for (const InstanceReport& instance : f->report.instances) {
    if (!judgeable(instance)) continue;
    for (const Kind other : {Kind::sequential, Kind::concurrent, Kind::pooled}) {
      if (other != kind) {
        EXPECT_EQ(instance.during.passes[index(other)], 0u)
            << instance.name << " measures " << processor_name(other) << "; it should measure " << processor_name(kind);
      }
    }
    // Google Benchmark calls the function several times and reports the last call, whose
    // processor is the last one destroyed: it must have served exactly that call's iterations.
    const std::uint64_t served = instance.during.last_retired_passes[index(kind)];
    EXPECT_EQ(served, static_cast<std::uint64_t>(instance.run.iterations))
        << instance.name << ": the " << processor_name(kind) << " destroyed last served " << served
        << " passes in a run of " << instance.run.iterations
        << " iterations. Construct the processor in the benchmark function before the loop (not once per process, "
           "not per iteration), call process() once per iteration, inside the loop, on one benchmark thread.";
  }
}

void expect_results_consumed(const std::string& name, Kind kind) {
  const FamilyRun* f = ran(name);
  if (f == nullptr) return;
  for (const InstanceReport& instance : f->report.instances) {
    const edi::bench05::Probe& p = instance.during;
    ASSERT_GT(p.passes[index(kind)], 0u) << instance.name << " never called " << processor_name(kind) << "::process()";
    EXPECT_EQ(p.results_dropped, 0u) << instance.name << ": " << p.results_dropped << " of " << p.results_made
                                     << " results were destroyed unread, work the optimizer is free to delete. "
                                        "Hand each to benchmark::DoNotOptimize(...).";
    EXPECT_EQ(p.results_consumed, p.results_made) << instance.name;
  }
}

// The timed region holds every pass: the run's measured time (the wall clock with UseRealTime or
// UseManualTime, else the benchmark thread's CPU time) is at least what the processor's process()
// calls took on the same clock. Not a speed check: it holds on any machine, however loaded, and
// fails only when a pass ran with the timer stopped (PauseTiming around process(), a manual time
// that leaves the pass out).
void expect_passes_timed(const std::string& name, Kind kind) {
  const FamilyRun* f = ran(name);
  if (f == nullptr) return;
  for (const InstanceReport& instance : f->report.instances) {
    if (!judgeable(instance)) continue;
    const std::string time_type = instance.run.run_name.time_type;
    const bool wall = contains(time_type, "real_time") || contains(time_type, "manual_time");
    const double timed = wall ? instance.run.real_accumulated_time : instance.run.cpu_accumulated_time;
    const edi::bench05::PassTime& inside = instance.during.last_retired_time[index(kind)];
    const double passes = 1e-9 * static_cast<double>(wall ? inside.wall_ns : inside.cpu_ns);
    EXPECT_GE(timed, 0.98 * passes)
        << instance.name << ": the run measured " << timed << " s (" << (wall ? "wall clock" : "CPU time")
        << ") but its " << instance.run.iterations << " passes took " << passes
        << " s: the passes ran with the timer stopped. Call process() inside the timed loop, not between "
           "state.PauseTiming() and state.ResumeTiming().";
  }
}

// --- BM_SequentialProcessing -------------------------------------------------------------------

const std::string kSequential = "BM_SequentialProcessing";

// Registered under its name and runs without an error, with a JSON report.
TEST(SequentialProcessing, IsListedAndRuns) { expect_listed_and_runs(kSequential); }

// bytes_per_second and items_per_second are reported, for one pass per iteration.
TEST(SequentialProcessing, ReportsBytesAndItemsPerSecond) { expect_throughput(kSequential); }

// The workload and the processor are built before the timed loop.
TEST(SequentialProcessing, KeepsSetupOutsideTheLoop) { expect_setup_outside_the_loop(kSequential, Kind::sequential); }

// One SequentialProcessor pass per iteration, by a processor of the benchmark call.
TEST(SequentialProcessing, DoesOnePassPerIteration) { expect_one_pass_per_iteration(kSequential, Kind::sequential); }

// Every Result is consumed, so no pass can be optimized away.
TEST(SequentialProcessing, ConsumesEveryResult) { expect_results_consumed(kSequential, Kind::sequential); }

// The passes run while the timer runs.
TEST(SequentialProcessing, TimesEveryPass) { expect_passes_timed(kSequential, Kind::sequential); }

// --- BM_ConcurrentProcessing -------------------------------------------------------------------

const std::string kConcurrent = "BM_ConcurrentProcessing";

// Registered under its name and runs without an error, with a JSON report.
TEST(ConcurrentProcessing, IsListedAndRuns) { expect_listed_and_runs(kConcurrent); }

// bytes_per_second and items_per_second are reported, for one pass per iteration.
TEST(ConcurrentProcessing, ReportsBytesAndItemsPerSecond) { expect_throughput(kConcurrent); }

// The workload and the processor (its threads) are built before the timed loop.
TEST(ConcurrentProcessing, KeepsSetupOutsideTheLoop) { expect_setup_outside_the_loop(kConcurrent, Kind::concurrent); }

// One ConcurrentProcessor pass per iteration, by a processor of the benchmark call.
TEST(ConcurrentProcessing, DoesOnePassPerIteration) { expect_one_pass_per_iteration(kConcurrent, Kind::concurrent); }

// Every Result is consumed, so no pass can be optimized away.
TEST(ConcurrentProcessing, ConsumesEveryResult) { expect_results_consumed(kConcurrent, Kind::concurrent); }

// The passes run while the timer runs.
TEST(ConcurrentProcessing, TimesEveryPass) { expect_passes_timed(kConcurrent, Kind::concurrent); }

// At least three instances, each running a ConcurrentProcessor of its own worker count.
TEST(ConcurrentProcessing, SweepsAtLeastThreeWorkerCounts) {
  const FamilyRun& listed = family(kConcurrent);
  EXPECT_GE(listed.listed.size(), 3u) << "not implemented yet: a sweep of at least three worker counts, e.g. "
                                         "->Arg(1)->Arg(2)->Arg(4) or "
                                         "->RangeMultiplier(2)->Range(1, 8); listed: "
                                      << join(listed.listed);
  const FamilyRun* f = ran(kConcurrent);
  if (f == nullptr) return;
  std::set<std::size_t> counts;
  for (const InstanceReport& instance : f->report.instances) {
    std::vector<std::size_t> built;
    for (std::size_t w = 0; w < instance.during.concurrent_built_with.size(); ++w) {
      if (instance.during.concurrent_built_with[w] > 0) built.push_back(w);
    }
    ASSERT_EQ(built.size(), 1u) << instance.name << " constructed ConcurrentProcessors of " << built.size()
                                << " different worker counts; each instance should use one: state.range(0)";
    counts.insert(built[0]);
  }
  EXPECT_GE(counts.size(), 3u) << "the instances ran " << counts.size()
                               << " different worker counts: build the processor with state.range(0) workers";
}

// Timed by the wall clock: "/real_time" in every name, in the listing and in the JSON report.
TEST(ConcurrentProcessing, MeasuresRealTime) {
  const FamilyRun& listed = family(kConcurrent);
  for (const std::string& name : listed.listed) {
    EXPECT_TRUE(contains(name, "/real_time"))
        << "not implemented yet: ->UseRealTime(); " << name
        << " is timed by the CPU time of the thread that calls process(), which only waits for the "
                   "workers: register it with ->UseRealTime()";
  }
  const FamilyRun* f = ran(kConcurrent);
  if (f == nullptr) return;
  for (const nlohmann::json& b : f->json) {
    EXPECT_TRUE(contains(b.value("run_name", ""), "/real_time")) << b.value("name", "") << " in the JSON report";
  }
}

// --- BM_PooledProcessing -----------------------------------------------------------------------

const std::string kPooled = "BM_PooledProcessing";

// Registered under its name and runs without an error, with a JSON report.
TEST(PooledProcessing, IsListedAndRuns) { expect_listed_and_runs(kPooled); }

// bytes_per_second and items_per_second are reported, for one pass per iteration.
TEST(PooledProcessing, ReportsBytesAndItemsPerSecond) { expect_throughput(kPooled); }

// The workload and the processor (its pool) are built before the timed loop.
TEST(PooledProcessing, KeepsSetupOutsideTheLoop) { expect_setup_outside_the_loop(kPooled, Kind::pooled); }

// One PooledProcessor pass per iteration, by a processor of the benchmark call.
TEST(PooledProcessing, DoesOnePassPerIteration) { expect_one_pass_per_iteration(kPooled, Kind::pooled); }

// Every Result is consumed, so no pass can be optimized away.
TEST(PooledProcessing, ConsumesEveryResult) { expect_results_consumed(kPooled, Kind::pooled); }

// The passes run while the timer runs.
TEST(PooledProcessing, TimesEveryPass) { expect_passes_timed(kPooled, Kind::pooled); }

}  // namespace
