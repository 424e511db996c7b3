// What the graders of lesson 06 share: running the learner's pipeline and the frozen original on
// the same input, and reducing what each produced to one comparable value.
//
//   const Observed mine = run_learner(text);
//   const Observed theirs = run_original(text);
//   EXPECT_EQ(mine, theirs);                  // same report, same summary, same metrics
#pragma once

#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "edi/edi.hpp"
#include "original_report.hpp"
#include "report.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace edi::l06 {

// Everything a run shows to the outside, in types that do not depend on the implementation.
struct Observed {
  std::string report;
  std::vector<std::uint64_t> summary;  // messages, duplicates, incomplete, segments, outside, invoiced units
  std::string result;                  // describe(RunSummary::result)
  std::vector<std::uint64_t> metrics;  // runs, segments, messages, bytes

  friend bool operator==(const Observed&, const Observed&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Observed& o) {
    os << "summary {";
    for (const auto v : o.summary) os << ' ' << v;
    os << " } result '" << o.result << "' metrics {";
    for (const auto v : o.metrics) os << ' ' << v;
    return os << " }\nreport:\n" << o.report;
  }
};

template <class Summary, class Metrics>
Observed observe(std::string report, const Summary& s, const Metrics& m) {
  return Observed{std::move(report),
                  {s.messages, s.duplicates, s.incomplete, s.segments, s.outside,
                   static_cast<std::uint64_t>(s.invoiced.units)},
                  std::string(describe(s.result)),
                  {m.runs, m.segments, m.messages, m.bytes}};
}

// The original leaks a record per message by design; under AddressSanitizer that must not fail
// the grader's process at exit, so its allocations are hidden from LeakSanitizer.
class LeakCheckOff {
 public:
#if defined(__SANITIZE_ADDRESS__)
  LeakCheckOff() { __lsan_disable(); }
  ~LeakCheckOff() { __lsan_enable(); }
#else
  LeakCheckOff() {}  // user-provided: a `const LeakCheckOff off;` is not an unused variable
  ~LeakCheckOff() {}
#endif
  LeakCheckOff(const LeakCheckOff&) = delete;
  LeakCheckOff& operator=(const LeakCheckOff&) = delete;
};

// One run on a fresh pipeline of each implementation.
inline Observed run_learner(std::string_view input) {
  edi::profiling::ReportPipeline pipeline;
  std::ostringstream out;
  const auto summary = pipeline.run(input, out);
  return observe(out.str(), summary, pipeline.metrics());
}

inline Observed run_original(std::string_view input) {
  const LeakCheckOff off;
  edi::profiling::original::ReportPipeline pipeline;
  std::ostringstream out;
  const auto summary = pipeline.run(input, out);
  return observe(out.str(), summary, pipeline.metrics());
}

// The first line where two reports differ, for a failure message that fits on a screen.
inline std::string first_difference(const std::string& mine, const std::string& original) {
  std::istringstream a(mine), b(original);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "the reports are the same; the summaries or metrics differ";
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(line) + ":\n  yours:    " + (more_a ? la : "(no line)") +
             "\n  original: " + (more_b ? lb : "(no line)");
    }
  }
}

// A generated interchange of the workbook's message mix, with retransmissions.
inline std::string generated(std::uint64_t seed, std::size_t messages, int syntax, Layout layout = Layout::lf,
                             bool groups = false, double duplicate_rate = 0.15) {
  GeneratorOptions opt;
  opt.seed = seed;
  opt.messages = messages;
  opt.syntax = syntax;
  opt.layout = layout;
  opt.groups = groups;
  opt.duplicate_rate = duplicate_rate;
  opt.messages_per_interchange = 40;
  return generate(opt);
}

}  // namespace edi::l06
