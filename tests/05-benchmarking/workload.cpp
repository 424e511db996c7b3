// Profiling workload of lesson 05 (`make profile LESSON=05`): runs your benchmarks (or the
// reference's) in this process, long enough for the 250 Hz sampler to collect several hundred
// samples. A profile of a benchmark shows what it really measures: the processors' parsing and
// allocation when the setup is where it belongs, edi::generate or thread start-up when it is not.
// `workload05_IMPL quick` is a short run (the heap profile, the leak check, smoke tests).
// Prints what each benchmark measured, so the work is observable.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_support.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  if (quick) ::setenv("EDI_BENCH_BYTES", "262144", 0);
  const std::string impl = EDI_BENCH_STR(EDI_IMPL);
  edi::bench05::RunOptions options;
  options.filter = "^" + impl + "/";
  options.min_time = quick ? 0.01 : 0.4;
  const edi::bench05::RunReport report = edi::bench05::run_benchmarks(options);
  if (report.instances.empty()) {
    std::fprintf(stderr, "workload: no benchmark named %s/... is registered\n", impl.c_str());
    return 1;
  }
  int status = 0;
  for (const edi::bench05::InstanceReport& instance : report.instances) {
    if (instance.run.error_occurred) {
      std::fprintf(stderr, "workload: %s: %s\n", instance.name.c_str(), instance.run.error_message.c_str());
      status = 1;
      continue;
    }
    const auto items = instance.run.counters.find("items_per_second");
    std::printf("%-60s %8lld iterations, %6llu passes, %llu workloads built", instance.name.c_str(),
                static_cast<long long>(instance.run.iterations),
                static_cast<unsigned long long>(instance.during.passes[0] + instance.during.passes[1] +
                                                instance.during.passes[2]),
                static_cast<unsigned long long>(instance.during.workloads_built));
    if (items != instance.run.counters.end()) std::printf(", %.0f messages/s", items->second.value);
    std::printf("\n");
  }
  return status;
}
