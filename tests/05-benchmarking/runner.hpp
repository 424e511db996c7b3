// Running registered Google Benchmarks inside this process while watching the subjects: what
// the graders, the demo and the profiling workload of lesson 05 share. Harness code.
//
//   std::vector<std::string> names = edi::bench05::list_benchmarks("^solutions/");
//   // {"solutions/BM_SequentialProcessing", "solutions/BM_ConcurrentProcessing/workers:1/real_time", ...}
//   edi::bench05::RunOptions options;
//   options.filter = "^solutions/BM_Seq";
//   edi::bench05::RunReport report = edi::bench05::run_benchmarks(options);
//   report.instances[0].run.iterations;          // the iterations of the reported run
//   report.instances[0].during.workloads_built;  // make_workload() calls while it ran
//
// Google Benchmark calls a benchmark function several times per instance: first with 1
// iteration, then with more until a run lasts --benchmark_min_time, and reports that last run.
// `during` covers all those calls of one instance, so setup done once per call shows up as a
// handful of builds, and setup inside the loop as one build per iteration.
//
// Not thread-safe: Google Benchmark keeps its flags in globals. Call from one thread.
#pragma once

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "subjects.hpp"

namespace edi::bench05 {

// The names --benchmark_list_tests prints for `filter` (a regular expression), in order.
std::vector<std::string> list_benchmarks(const std::string& filter);

struct RunOptions {
  std::string filter = ".";
  double min_time = 0.05;     // seconds: --benchmark_min_time (a plain number in version 1.7.1)
  std::string json_path;      // when set: --benchmark_out=<json_path> --benchmark_out_format=json
};

// One benchmark instance (a family with one set of arguments), as it was reported.
struct InstanceReport {
  std::string name;                        // "solutions/BM_ConcurrentProcessing/workers:2/real_time"
  benchmark::BenchmarkReporter::Run run;   // its last reported run (the last repetition)
  int runs = 0;                            // reported runs (repetitions)
  Probe during;                            // the subjects' counters over all its calls (see since())
};

struct RunReport {
  std::vector<InstanceReport> instances;
  std::string console;  // what the console reporter printed: context, warnings, the table
};

RunReport run_benchmarks(const RunOptions& options);

}  // namespace edi::bench05
