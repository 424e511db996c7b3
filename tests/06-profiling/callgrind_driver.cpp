// cgdriver06_<impl>: one run of a lesson 06 pipeline, the unit the graders measure with callgrind.
//
//   cgdriver06_solutions MESSAGES SEED SYNTAX
//   messages=100 report_bytes=21950 fnv=9d0c4c0b6a1f2e33
//
// The input is generated before the measured function and the result printed after it, so
// `valgrind --tool=callgrind --toggle-collect=edi_l06_measured_run` counts the pipeline alone:
// constructing it, one run into a std::ostringstream, destroying it. Built once per
// implementation (cgdriver06_exercises, cgdriver06_solutions, cgdriver06_mut_<name>) and once
// for the frozen original (cgdriver06_original).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>

#include "edi/generator.hpp"

#ifdef EDI_L06_ORIGINAL
#include "original_report.hpp"
namespace pipeline_impl = edi::profiling::original;
#else
#include "report.hpp"
namespace pipeline_impl = edi::profiling;
#endif

// Not inlined and not mangled: callgrind finds it by this name.
extern "C" [[gnu::noinline]] void edi_l06_measured_run(const std::string* input, std::string* report,
                                                        std::uint64_t* messages) {
  pipeline_impl::ReportPipeline pipeline;
  std::ostringstream out;
  *messages = pipeline.run(*input, out).messages;
  *report = out.str();
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MESSAGES SEED SYNTAX\n", argv[0]);
    return 2;
  }
  edi::GeneratorOptions opt;
  opt.messages = std::strtoull(argv[1], nullptr, 10);
  opt.seed = std::strtoull(argv[2], nullptr, 10);
  opt.syntax = std::atoi(argv[3]);
  opt.duplicate_rate = 0.15;
  const std::string input = edi::generate(opt);
  std::string report;
  std::uint64_t messages = 0;
  try {
    edi_l06_measured_run(&input, &report, &messages);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cgdriver06: the pipeline threw: %s\n", e.what());
    return 1;
  }
  std::uint64_t fnv = 14695981039346656037ULL;  // FNV-1a of the report: equal reports, equal hashes
  for (const char c : report) fnv = (fnv ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::printf("messages=%llu report_bytes=%zu fnv=%016llx\n", static_cast<unsigned long long>(messages), report.size(),
              static_cast<unsigned long long>(fnv));
  return 0;
}
