// Profiling workload of lesson 06 (`make profile LESSON=06`): the message report of a generated
// interchange, run again and again for about 3 s of CPU so the 250 Hz sampler gets several hundred
// samples, whatever the speed of the pipeline (the original does a few rounds, a fixed one
// hundreds). The report goes to /dev/null through a std::ofstream, so each flush is a real
// write(2). `workload06_IMPL quick` is one round over a quarter of the input (the heap profile, the
// leak check, smoke tests).
// Prints what it computed, so the work cannot be optimized away.
#include <ctime>
#include <cstdio>
#include <fstream>
#include <string>

#include "edi/edi.hpp"
#include "report.hpp"

namespace {

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  edi::GeneratorOptions opt;
  opt.seed = 6;
  opt.target_bytes = quick ? (64 << 10) : (256 << 10);  // quick: the heap profiler unwinds every allocation
  opt.duplicate_rate = 0.15;
  const std::string text = edi::generate(opt);

  std::ofstream out("/dev/null");
  edi::profiling::ReportPipeline pipeline;
  edi::profiling::RunSummary summary;
  const double start = cpu_seconds();
  int rounds = 0;
  try {
    do {
      summary = pipeline.run(text, out);
      ++rounds;
    } while (!quick && cpu_seconds() - start < 3.0);
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    return 1;
  }
  const double seconds = cpu_seconds() - start;
  const edi::profiling::Metrics m = pipeline.metrics();
  std::printf("%d rounds over %zu bytes in %.3f s of CPU (%.2f MB/s): %llu messages, %llu duplicates, "
              "invoiced %s per round; metrics: %llu segments, %llu messages\n",
              rounds, text.size(), seconds, static_cast<double>(text.size()) * rounds / seconds / 1e6,
              static_cast<unsigned long long>(summary.messages), static_cast<unsigned long long>(summary.duplicates),
              edi::to_string(summary.invoiced).c_str(), static_cast<unsigned long long>(m.segments),
              static_cast<unsigned long long>(m.messages));
  return 0;
}
