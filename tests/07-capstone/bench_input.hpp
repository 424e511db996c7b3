// The input of lesson 07's benchmarks: one generated interchange in a temporary file, made once per
// process and deleted when it exits, and the master data they share.
//
//   const std::string& path = capstone_bench::input_file();   // 200 MiB, or EDI_BENCH_BYTES bytes
//   capstone_bench::database();                               // the SQLite file, in the temp directory
//
// The size is EDI_BENCH_BYTES when set (the self-test's smoke run uses 1 MiB), else 200 MiB: an
// end-to-end run should read far more than the caches of the CPU hold.
#pragma once

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench_support.hpp"
#include "edi/generator.hpp"

namespace capstone_bench {

inline std::size_t input_bytes() { return edi::bench::input_bytes(std::size_t{200} << 20); }

class TempInput {
 public:
  TempInput() {
    path_ = (std::filesystem::temp_directory_path() / ("edi-capstone-bench-" + std::to_string(::getpid()) + ".edi")).string();
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    edi::GeneratorOptions opt;
    opt.seed = 2026;
    opt.target_bytes = input_bytes();
    opt.duplicate_rate = 0.05;  // a few retransmissions, as real traffic has
    summary_ = edi::generate(opt, [&](std::string_view piece) { out.write(piece.data(), static_cast<std::streamsize>(piece.size())); });
  }
  ~TempInput() { std::remove(path_.c_str()); }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;
  const std::string& path() const noexcept { return path_; }
  const edi::GeneratedSummary& summary() const noexcept { return summary_; }

 private:
  std::string path_;
  edi::GeneratedSummary summary_;
};

inline const TempInput& input() {
  static const TempInput file;
  return file;
}
inline const std::string& input_file() { return input().path(); }

inline std::string database() {
  return (std::filesystem::temp_directory_path() / "edi-capstone-partners.db").string();
}

// The peak resident set size from now on: VmHWM is reset (Linux: "5" into /proc/self/clear_refs)
// after handing freed memory back, so one benchmark's peak does not include the one before.
class PeakRss {
 public:
  PeakRss() {
    ::malloc_trim(0);
    std::ofstream("/proc/self/clear_refs") << "5";
  }
  double mib() const {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    }
    return 0.0;
  }
};

}  // namespace capstone_bench
