#include "runner.hpp"

#include <sstream>
#include <utility>

namespace edi::bench05 {
namespace {

// Sets every flag this file relies on, each time: Google Benchmark keeps flags in globals, and a
// flag left from an earlier call (--benchmark_list_tests=true) would change what the next does.
void set_flags(std::vector<std::string> flags) {
  // Initialize() keeps a pointer to argv[0] (the report's "executable"): it must outlive the run.
  static char program[] = "edi-bench05";
  std::vector<char*> argv{program};
  for (std::string& flag : flags) argv.push_back(flag.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(argv.size() - 1);
  benchmark::Initialize(&argc, argv.data());
}

// The console reporter, writing into strings, that also takes a probe() around every instance.
class WatchingReporter : public benchmark::ConsoleReporter {
 public:
  explicit WatchingReporter(RunReport& report) : ConsoleReporter(OO_None), report_(report) {
    SetOutputStream(&out_);
    SetErrorStream(&out_);
  }

  bool ReportContext(const Context& context) override {
    before_ = probe();
    return ConsoleReporter::ReportContext(context);
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    // Aggregates (mean, median, stddev) arrive in a call of their own, after the runs.
    InstanceReport instance;
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      instance.name = run.benchmark_name();
      instance.run = run;
      ++instance.runs;
    }
    if (instance.runs == 0) return;
    instance.during = since(before_);
    before_ = probe();
    report_.instances.push_back(std::move(instance));
  }

  std::string text() const { return out_.str(); }

 private:
  RunReport& report_;
  std::ostringstream out_;
  Probe before_;
};

}  // namespace

std::vector<std::string> list_benchmarks(const std::string& filter) {
  set_flags({"--benchmark_list_tests=true", "--benchmark_filter=" + filter, "--benchmark_out="});
  std::ostringstream out;
  std::ostringstream err;
  benchmark::ConsoleReporter reporter(benchmark::ConsoleReporter::OO_None);
  reporter.SetOutputStream(&out);
  reporter.SetErrorStream(&err);  // "Failed to match any benchmarks against regex: ..."
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::vector<std::string> names;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

RunReport run_benchmarks(const RunOptions& options) {
  std::ostringstream min_time;
  min_time << options.min_time;
  set_flags({"--benchmark_list_tests=false", "--benchmark_filter=" + options.filter,
             "--benchmark_min_time=" + min_time.str(), "--benchmark_repetitions=1",
             "--benchmark_enable_random_interleaving=false", "--benchmark_report_aggregates_only=false",
             "--benchmark_display_aggregates_only=false", "--benchmark_format=console", "--benchmark_color=false",
             "--benchmark_counters_tabular=false", "--benchmark_out=" + options.json_path,
             "--benchmark_out_format=json"});
  RunReport report;
  WatchingReporter reporter(report);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  report.console = reporter.text();
  return report;
}

}  // namespace edi::bench05
