// Graders of lesson 06, part 3: what the CPU profile shows, counted deterministically.
//
// A sampling profile is a statistic; callgrind is a count. These tests run a small driver
// executable (callgrind_driver.cpp, built once per implementation) under
// `valgrind --tool=callgrind` and read its output file: instructions executed inside the measured
// run, and how many times pthread_mutex_lock was called. The same binary on the same input gives
// the same numbers on every run, whatever else the machine is doing. valgrind cannot run programs
// built with AddressSanitizer or ThreadSanitizer: there these tests are skipped.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <streambuf>
#include <string>

#include "report_support.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EDI_L06_UNDER_SANITIZER 1
#else
#define EDI_L06_UNDER_SANITIZER 0
#endif

namespace {

namespace fs = std::filesystem;

struct Measured {
  std::string error;                 // empty when the run worked
  std::uint64_t instructions = 0;    // Ir inside edi_l06_measured_run
  std::uint64_t mutex_locks = 0;     // calls of pthread_mutex_lock inside it
  std::string driver_output;         // "messages=... report_bytes=... fnv=..."
};

// This grader is grade06_<impl>; its driver is cgdriver06_<impl> in the same directory.
fs::path driver(const std::string& impl_or_original) {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::string impl = impl_or_original;
  if (impl.empty()) {
    const std::string name = self.filename().string();  // grade06_solutions, grade06_mut_x
    impl = name.substr(name.find('_') + 1);
  }
  return self.parent_path() / ("cgdriver06_" + impl);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs `exe MESSAGES SEED SYNTAX` under callgrind and reads the counts of the measured run.
Measured callgrind(const fs::path& exe, std::size_t messages, std::uint64_t seed = 6, int syntax = 3) {
  Measured m;
  if (!fs::exists(exe)) {
    m.error = exe.string() + " does not exist: build it with `cmake --build build/default --target " +
              exe.filename().string() + "` (make check builds it)";
    return m;
  }
  if (std::system("command -v valgrind > /dev/null 2>&1") != 0) {
    m.error = "valgrind is not installed: tools/setup.sh build installs it (apt-get install valgrind)";
    return m;
  }
  static int serial = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("edi-l06-" + std::to_string(::getpid()) + "-" + std::to_string(++serial));
  fs::create_directories(dir);
  const fs::path out = dir / "callgrind.out";
  // LD_BIND_NOW: symbols are bound at startup, so the dynamic linker's lazy binding of the first
  // calls is not counted as the pipeline's work.
  const std::string command = "LD_BIND_NOW=1 timeout 50 valgrind --tool=callgrind --toggle-collect=edi_l06_measured_run "
                              "--compress-strings=no --compress-pos=no --dump-instr=no --dump-line=no "
                              "--callgrind-out-file='" + out.string() + "' '" + exe.string() + "' " +
                              std::to_string(messages) + " " + std::to_string(seed) + " " + std::to_string(syntax) +
                              " > '" + (dir / "stdout").string() + "' 2> '" + (dir / "stderr").string() + "'";
  const int status = std::system(command.c_str());
  m.driver_output = read_text(dir / "stdout");
  if (status != 0 || !fs::exists(out)) {
    const std::string err = read_text(dir / "stderr");
    m.error = "valgrind --tool=callgrind " + exe.filename().string() + " failed (status " + std::to_string(status) +
              "): " + err.substr(err.size() > 600 ? err.size() - 600 : 0);
    fs::remove_all(dir);
    return m;
  }
  // With --compress-strings=no every call edge reads "cfn=<callee>" then "calls=<count> <line>".
  std::ifstream in(out);
  std::string line;
  bool lock_edge = false;
  while (std::getline(in, line)) {
    if (line.rfind("summary:", 0) == 0) m.instructions = std::stoull(line.substr(8));
    if (line.rfind("cfn=", 0) == 0) {
      lock_edge = line.find("pthread_mutex_lock") != std::string::npos;
    } else if (lock_edge && line.rfind("calls=", 0) == 0) {
      m.mutex_locks += std::stoull(line.substr(6));
      lock_edge = false;
    }
  }
  fs::remove_all(dir);
  if (m.instructions == 0) m.error = "callgrind counted no instructions in edi_l06_measured_run";
  return m;
}

#define EDI_L06_SKIP_UNDER_SANITIZERS()                                                             \
  do {                                                                                              \
    if (EDI_L06_UNDER_SANITIZER) GTEST_SKIP() << "valgrind cannot run a sanitizer build";          \
  } while (false)

// The small fixed input of the instruction counts: 12 generated messages, about 10 KB.
constexpr std::size_t kSmallInput = 12;

// At least 5x fewer instructions than the original on the same small input, same report.
TEST(CpuProfile, AtLeastFiveTimesFewerInstructions) {
  EDI_L06_SKIP_UNDER_SANITIZERS();
  const Measured original = callgrind(driver("original"), kSmallInput);
  ASSERT_TRUE(original.error.empty()) << original.error;
  const Measured mine = callgrind(driver(""), kSmallInput);
  ASSERT_TRUE(mine.error.empty()) << mine.error;
  ASSERT_EQ(mine.driver_output, original.driver_output) << "the two drivers printed different reports";
  const double times_fewer = static_cast<double>(original.instructions) / static_cast<double>(mine.instructions);
  EXPECT_GE(times_fewer, 5.0) << "yours: " << mine.instructions << " instructions, the original: "
                              << original.instructions << "; at least 5x fewer wanted. build/profile/06/cpu.txt "
                                 "names the functions that take the time.";
}

// Four times the messages cost at most about four times the instructions: nothing is quadratic.
TEST(CpuProfile, InstructionsGrowLinearly) {
  EDI_L06_SKIP_UNDER_SANITIZERS();
  // Measuring the growth takes hundreds of messages: affordable under callgrind only once the
  // big hotspots are gone.
  const Measured small = callgrind(driver(""), kSmallInput);
  ASSERT_TRUE(small.error.empty()) << small.error;
  const std::uint64_t per_message = small.instructions / kSmallInput;
  ASSERT_LE(per_message, 200'000u) << "about " << per_message
                                   << " instructions per message: too slow to measure how the cost grows. Fix "
                                      "the top of the CPU profile first (CpuProfile.AtLeastFiveTimesFewerInstructions).";
  const Measured base = callgrind(driver(""), 300);
  ASSERT_TRUE(base.error.empty()) << base.error;
  const Measured quadrupled = callgrind(driver(""), 1200);
  ASSERT_TRUE(quadrupled.error.empty()) << quadrupled.error;
  const double growth = static_cast<double>(quadrupled.instructions) / static_cast<double>(base.instructions);
  EXPECT_LE(growth, 4.5) << "300 messages: " << base.instructions << " instructions; 1200 messages: "
                         << quadrupled.instructions << "; 4x the messages should cost at most 4.5x the "
                            "instructions. Something costs more per message the more messages came before: a "
                            "search over everything seen so far?";
}

// The metrics mutex is taken a few times per message, not once per segment.
TEST(CpuProfile, NoMutexLockPerSegment) {
  EDI_L06_SKIP_UNDER_SANITIZERS();
  const Measured mine = callgrind(driver(""), kSmallInput);
  ASSERT_TRUE(mine.error.empty()) << mine.error;
  edi::GeneratorOptions opt;  // the driver's input
  opt.messages = kSmallInput;
  opt.seed = 6;
  opt.duplicate_rate = 0.15;
  const std::string input = edi::generate(opt);
  std::uint64_t segments = 0;
  {
    edi::Tokenizer tok(input);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) ++segments;
  }
  const std::uint64_t allowed = 2 * kSmallInput + 4;
  EXPECT_LE(mine.mutex_locks, allowed) << mine.mutex_locks << " calls of pthread_mutex_lock for " << kSmallInput
                                       << " messages of " << segments << " segments; at most " << allowed
                                       << " wanted (two per message). A lock in the loop over segments?";
}

// A stream buffer that keeps what is written and counts the flushes (sync calls).
class CountingBuffer : public std::streambuf {
 public:
  const std::string& text() const { return text_; }
  int flushes() const { return flushes_; }

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) text_ += traits_type::to_char_type(c);
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int sync() override {
    ++flushes_;
    return 0;
  }

 private:
  std::string text_;
  int flushes_ = 0;
};

// The report is flushed at most once per run, not after every line.
TEST(CpuProfile, FlushesAtMostOncePerRun) {
  const std::string input = edi::l06::generated(16, 40, 3);
  CountingBuffer buffer;
  std::ostream out(&buffer);
  edi::profiling::ReportPipeline pipeline;
  pipeline.run(input, out);
  EXPECT_EQ(buffer.text(), edi::l06::run_original(input).report) << "not the original's report";
  EXPECT_LE(buffer.flushes(), 1) << "the stream was flushed " << buffer.flushes()
                                 << " times for 40 messages: every flush is a write(2) on a file or a socket. "
                                    "std::endl flushes; '\\n' does not.";
}

}  // namespace
