// Helpers of the lesson 07 graders: running the pipeline and the naive pipeline on the same bytes,
// and comparing their reports field by field with a readable difference.
#pragma once

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <string>
#include <string_view>

#include "edi/edi.hpp"
#include "naive_pipeline.hpp"
#include "pipeline.hpp"

namespace capstone_test {

namespace cap = edi::capstone;
namespace naive = edi::capstone::naive;

// The pipeline's report in the naive pipeline's structs, for one comparison.
inline naive::Report to_naive(const cap::Report& r) {
  naive::Report n;
  n.bytes = r.bytes;
  n.interchanges = r.interchanges;
  n.segments = r.segments;
  n.messages = r.messages;
  n.accepted = r.accepted;
  n.rejected = r.rejected;
  n.duplicates = r.duplicates;
  n.failed = r.failed;
  for (const auto& [type, t] : r.types) {
    n.types[type] = naive::TypeSummary{t.accepted, t.rejected, t.duplicates, t.invoice_amount, t.line_total};
  }
  for (const auto& [gln, p] : r.partners) {
    n.partners[gln] = naive::PartnerSummary{p.known, p.name, p.city, p.country, p.sent, p.received, p.named};
  }
  n.errors = r.errors;
  n.warnings = r.warnings;
  for (const cap::Problem& p : r.problems) n.problems.push_back(naive::Problem{p.offset, p.severity, p.code, p.text});
  n.input = r.input;
  return n;
}

// EXPECT_TRUE(same_report(expected, actual)): on a difference, the first differing lines of the
// two reports (naive::dump), not the whole of both.
inline testing::AssertionResult same_report(const naive::Report& expected, const cap::Report& actual) {
  const naive::Report got = to_naive(actual);
  if (got == expected) return testing::AssertionSuccess();
  std::istringstream want_lines(naive::dump(expected));
  std::istringstream got_lines(naive::dump(got));
  std::string want, have;
  std::ostringstream diff;
  int shown = 0;
  for (int line = 1; shown < 6; ++line) {
    const bool more_want = static_cast<bool>(std::getline(want_lines, want));
    const bool more_have = static_cast<bool>(std::getline(got_lines, have));
    if (!more_want && !more_have) break;
    if (!more_want) want = "(nothing)";
    if (!more_have) have = "(nothing)";
    if (want != have) {
      diff << "\n  line " << line << ": expected  " << want << "\n  line " << line << ": pipeline  " << have;
      ++shown;
    }
  }
  return testing::AssertionFailure() << "the report differs from the naive pipeline's:" << diff.str();
}

inline naive::Options naive_options(const cap::Options& options) {
  naive::Options n;
  n.max_message_bytes = options.max_message_bytes;
  n.dedup_capacity = options.dedup_capacity;
  n.max_problems = options.max_problems;
  return n;
}

// The options of most tests: small windows and chunks so that small inputs still cross chunk
// boundaries and fill the window.
inline cap::Options small_options(std::size_t workers = 2) {
  cap::Options o;
  o.workers = workers;
  o.max_in_flight = 16;
  o.chunk_size = 4096;
  o.max_message_bytes = 64 << 10;
  o.dedup_capacity = 4096;
  o.partner_cache_capacity = 64;
  return o;
}

// Runs the pipeline (Pipeline::run) over `input`, served in reads of at most `max_read` bytes.
inline cap::Report run_pipeline(std::string_view input, const cap::Options& options,
                                std::size_t max_read = static_cast<std::size_t>(-1)) {
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource source(input, max_read);
  return pipeline.run(source);
}

inline naive::Report run_naive(std::string_view input, const cap::Options& options) {
  return naive::run(input, ":memory:", naive_options(options));
}

// A flag threads wait on. The wait has a deadline so that a wrong pipeline fails its test
// instead of hanging it; a correct one never comes near it (the deadline is not a timing
// assertion: no verdict depends on how fast anything runs).
class Gate {
 public:
  static constexpr std::chrono::seconds kDeadline{10};
  void open() {
    {
      const std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // True when opened; false when the deadline passed first.
  bool wait() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kDeadline, [&] { return open_; });
  }
  bool is_open() {
    const std::lock_guard lock(mutex_);
    return open_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// The kernel's id of the calling thread (for thread_is_held below).
inline long this_thread_id() { return static_cast<long>(::syscall(SYS_gettid)); }

// True when the thread `tid` of this process is not running nor ready to run: it sleeps (on a
// mutex, a condition variable, a join) or has ended. A forced interleaving uses it to let a
// paused thread go on once another thread is blocked on it, whatever the lock it blocks on;
// a thread that is preempted counts as running, so this never answers "held" too early.
inline bool thread_is_held(long tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return true;  // the thread has ended
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  const char state = stat[paren + 2];
  return state != 'R';
}

// Waits until `condition()` holds, yielding in between; false when Gate::kDeadline passed first
// (a wrong implementation then fails its test instead of hanging it).
template <class Condition>
bool wait_until(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + Gate::kDeadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Generated interchanges the graders use: both syntax versions, every layout, groups, several
// sizes and seeds, retransmissions.
inline std::string generated(std::uint64_t seed, std::size_t messages, int syntax, edi::Layout layout = edi::Layout::lf,
                             double duplicates = 0.25, bool groups = false, std::size_t per_interchange = 25) {
  edi::GeneratorOptions opt;
  opt.seed = seed;
  opt.messages = messages;
  opt.syntax = syntax;
  opt.layout = layout;
  opt.duplicate_rate = duplicates;
  opt.groups = groups;
  opt.messages_per_interchange = per_interchange;
  return edi::generate(opt);
}

}  // namespace capstone_test
