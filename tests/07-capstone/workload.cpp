// Profiling workload of lesson 07 (`make profile LESSON=07`): the whole pipeline, end to end, over
// a generated file: reading (StreamReader over FileSource), splitting and copying into pooled
// buffers, analysing on one worker per spare core, the caches, the ordered merge. 32 MiB, 24 runs: a few
// seconds of CPU, so the 250 Hz sampler gets hundreds of samples (generating the file first is
// part of the profile too: edi::generate). `workload07_IMPL quick`: 1 MiB, one run.
// Prints what it computed; on a stub prints the "not implemented yet" message and exits 1.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "edi/edi.hpp"
#include "pipeline.hpp"

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  const int rounds = quick ? 1 : 24;
  const auto tmp = std::filesystem::temp_directory_path();
  const std::string path = (tmp / ("edi-capstone-workload-" + std::to_string(::getpid()) + ".edi")).string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    edi::GeneratorOptions opt;
    opt.seed = 77;
    opt.target_bytes = quick ? (1 << 20) : (32 << 20);
    opt.duplicate_rate = 0.05;
    edi::generate(opt, [&](std::string_view piece) { out.write(piece.data(), static_cast<std::streamsize>(piece.size())); });
  }
  int status = 0;
  try {
    edi::capstone::PartnerDirectory directory((tmp / "edi-capstone-partners.db").string());
    edi::capstone::Options options;
    options.workers = std::max(2u, std::thread::hardware_concurrency()) - 1;  // the reader has a core
    edi::capstone::Pipeline pipeline(directory, options);
    edi::capstone::Report report;
    for (int i = 0; i < rounds; ++i) {
      edi::FileSource file(path);
      report = pipeline.run(file);
    }
    std::printf("%d runs over %llu bytes: %llu messages (%llu accepted, %llu duplicates), invoices %s\n", rounds,
                static_cast<unsigned long long>(report.bytes), static_cast<unsigned long long>(report.messages),
                static_cast<unsigned long long>(report.accepted), static_cast<unsigned long long>(report.duplicates),
                edi::to_string(report.types["INVOIC"].invoice_amount).c_str());
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    status = 1;
  }
  std::filesystem::remove(path);
  return status;
}
