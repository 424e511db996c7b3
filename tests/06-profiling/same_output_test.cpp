// Graders of lesson 06, part 1: the fixed pipeline prints the same report as the original, byte for
// byte, with the same summary and metrics. These pass on the original by design (it is the
// exercise as given): they are what keeps an optimization honest.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report_support.hpp"
#include "samples.hpp"

namespace {

using edi::l06::first_difference;
using edi::l06::generated;
using edi::l06::run_learner;
using edi::l06::run_original;

void expect_same(const std::string& input, const std::string& what) {
  const auto mine = run_learner(input);
  const auto original = run_original(input);
  EXPECT_EQ(mine.report, original.report) << what << ": " << first_difference(mine.report, original.report);
  EXPECT_EQ(mine.summary, original.summary) << what << ": RunSummary differs (messages, duplicates, incomplete, "
                                                        "segments, outside, invoiced units)";
  EXPECT_EQ(mine.result, original.result) << what << ": RunSummary::result differs";
  EXPECT_EQ(mine.metrics, original.metrics) << what << ": metrics() differ (runs, segments, messages, bytes)";
}

// Generated interchanges in syntax 3: every layout, with and without groups, with retransmissions.
TEST(SameOutput, GeneratedInterchangesSyntax3) {
  std::uint64_t seed = 61;
  for (const auto layout : {edi::Layout::lf, edi::Layout::crlf, edi::Layout::one_line}) {
    for (const bool groups : {false, true}) {
      expect_same(generated(seed, 45, 3, layout, groups), "seed " + std::to_string(seed) + ", syntax 3");
      ++seed;
    }
  }
}

// Generated interchanges in syntax 4 (repetitions), with many retransmissions.
TEST(SameOutput, GeneratedInterchangesSyntax4) {
  std::uint64_t seed = 71;
  for (const auto layout : {edi::Layout::lf, edi::Layout::one_line}) {
    for (const double duplicates : {0.0, 0.4}) {
      expect_same(generated(seed, 45, 4, layout, false, duplicates), "seed " + std::to_string(seed) + ", syntax 4");
      ++seed;
    }
  }
}

// Every course sample in data/, the defective ones included (missing UNT, junk, bad counts...).
TEST(SameOutput, CourseSamples) {
  for (const auto& sample : edi::test::sample_files()) expect_same(sample.bytes, sample.name);
}

// Inputs the tokenizer stops on, and inputs with no message at all.
TEST(SameOutput, DefectiveInputs) {
  const std::string text = generated(81, 12, 3);
  // Cut inside a segment, right after a release character, and inside the UNA.
  for (const std::size_t cut : {text.size() / 3, text.size() / 2 + 7, text.size() - 2}) {
    expect_same(text.substr(0, cut), "the generated input cut at byte " + std::to_string(cut));
  }
  expect_same("UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++ends with ?",
              "a release character at the end");
  expect_same("UNA:+", "a truncated UNA");
  expect_same("UNA:::::'UNB+UNOC:3'", "an invalid UNA");
  expect_same("", "empty input");
  expect_same("\r\n\r\n", "line breaks only");
  expect_same("UNT+2+1'LIN+1'UNZ+0+1'", "trailers without headers");
  expect_same("UNH+1+INVOIC'MOA+77:12.5O'MOA+79:7,25'MOA+77'QTY+1:x'UNH+2'BGM'DTM+137'NAD'UNT'",
              "amounts that are not numbers, empty and missing elements");
}

// One pipeline, several runs: each run reports on its own input only; the metrics add up.
TEST(SameOutput, SeveralRunsOnOnePipeline) {
  const std::vector<std::string> inputs = {generated(91, 20, 3), edi::test::sample("missing_unt.edi"),
                                           generated(91, 20, 3), generated(92, 15, 4)};
  edi::profiling::ReportPipeline mine;
  std::vector<edi::l06::Observed> original_runs;
  {
    const edi::l06::LeakCheckOff off;
    edi::profiling::original::ReportPipeline original;
    for (const auto& input : inputs) {
      std::ostringstream out;
      const auto summary = original.run(input, out);
      original_runs.push_back(edi::l06::observe(out.str(), summary, original.metrics()));
    }
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::ostringstream out;
    const auto summary = mine.run(inputs[i], out);
    const auto observed = edi::l06::observe(out.str(), summary, mine.metrics());
    EXPECT_EQ(observed.report, original_runs[i].report) << "run " << i + 1 << ": "
                                                        << first_difference(observed.report, original_runs[i].report);
    EXPECT_EQ(observed.summary, original_runs[i].summary) << "run " << i + 1 << ": RunSummary differs";
    EXPECT_EQ(observed.metrics, original_runs[i].metrics)
        << "run " << i + 1 << ": metrics() after the run differ (runs, segments, messages, bytes)";
  }
}

}  // namespace
