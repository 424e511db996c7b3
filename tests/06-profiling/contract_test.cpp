// Graders of lesson 06, part 4: the clauses of the report's contract that generated inputs rarely
// exercise, each on an input written for it, compared with the frozen original and with the line
// the contract spells out:
//   - several occurrences where the contract picks one (the last MOA+77, the first copy of a
//     document, the type INVOIC and not a type that contains it);
//   - amounts a double rounds wrongly: the totals are fixed-point and exact;
//   - incomplete messages, closed by every kind of segment the contract names, and the state a
//     message must not pass on to the next one;
//   - the metrics read by another thread while a run is going (graded again under ThreadSanitizer).
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "alloc_counter.hpp"
#include "report_support.hpp"

namespace {

using edi::l06::first_difference;
using edi::l06::run_learner;
using edi::l06::run_original;

// The report of `input`, checked against the original's; returned for the test's own checks.
std::string same_as_original(const std::string& input, const std::string& what) {
  const auto mine = run_learner(input);
  const auto original = run_original(input);
  EXPECT_EQ(mine.report, original.report) << what << ": " << first_difference(mine.report, original.report);
  EXPECT_EQ(mine.summary, original.summary) << what << ": RunSummary differs (messages, duplicates, incomplete, "
                                                        "segments, outside, invoiced units)";
  EXPECT_EQ(mine.metrics, original.metrics) << what << ": metrics() differ (runs, segments, messages, bytes)";
  return mine.report;
}

// The line of message `n` (from 1) in a report, without its '\n'.
std::string line_of(const std::string& report, int n) {
  std::istringstream in(report);
  std::string line;
  for (int i = 1; std::getline(in, line); ++i) {
    if (i == n) return line;
  }
  return "(no line " + std::to_string(n) + ")";
}

std::string unb(const std::string& sender, const std::string& recipient, const std::string& ref) {
  return "UNB+UNOC:3+" + sender + ":14+" + recipient + ":14+261127:1200+" + ref + "'\n";
}

// --- several occurrences ----------------------------------------------------------------------

// The last MOA+77 is the total (an unparsable one does not count), else the last MOA+79; the last
// BGM and DTM+137 win; duplicate-of names the first copy, also for the third; only the type INVOIC
// is invoiced, not a type whose name contains it.
TEST(SameOutput, SeveralOccurrencesPickTheContractsOne) {
  std::string input = unb("5412345000013", "4012345000016", "1");
  input +=
      "UNH+1+INVOIC:D:96A:UN'\nBGM+380+INV1+9'\nDTM+137:20260101:102'\nDTM+2:20260202:102'\n"
      "MOA+79:50.00'\nMOA+77:100.00'\nMOA+77:250.50'\nMOA+77:x'\nMOA+79:60.00'\nUNT+9+1'\n";
  input += "UNH+2+INVOIC:D:96A:UN'\nBGM+380+INV2+9'\nBGM+380+INV2B+9'\nDTM+137:20260303:102'\nDTM+137:20260404:102'\n"
           "MOA+79:7.25'\nMOA+79:8.75'\nUNT+7+2'\n";
  input += "UNH+3+INVOIC:D:96A:UN'\nBGM+380+INV1+9'\nMOA+77:100.00'\nUNT+4+3'\n";  // a copy of 1
  input += "UNH+4+INVOIC:D:96A:UN'\nBGM+380+INV1+9'\nMOA+77:100.00'\nUNT+4+4'\n";  // another copy of 1
  input += "UNH+5+INVOICE:D:96A:UN'\nBGM+380+INV5+9'\nMOA+77:1000.00'\nUNT+4+5'\n";
  input += "UNH+6+XINVOIC:D:96A:UN'\nBGM+380+INV6+9'\nMOA+77:2000.00'\nUNT+4+6'\n";
  input += "UNH+7+INVOI:D:96A:UN'\nBGM+380+INV7+9'\nMOA+77:4000.00'\nUNT+4+7'\n";
  input += "UNZ+7+1'\n";
  const std::string report = same_as_original(input, "several occurrences");
  EXPECT_NE(line_of(report, 1).find(" date=20260101 "), std::string::npos) << line_of(report, 1);
  EXPECT_NE(line_of(report, 1).find(" total=250.50"), std::string::npos)
      << "the total is the last MOA+77 that is a number: " << line_of(report, 1);
  EXPECT_NE(line_of(report, 2).find(" doc=INV2B date=20260404 "), std::string::npos) << line_of(report, 2);
  EXPECT_NE(line_of(report, 2).find(" total=8.75"), std::string::npos)
      << "without MOA+77 the total is the last MOA+79: " << line_of(report, 2);
  EXPECT_NE(line_of(report, 3).find(" duplicate-of=1"), std::string::npos) << line_of(report, 3);
  EXPECT_NE(line_of(report, 4).find(" duplicate-of=1"), std::string::npos)
      << "a third copy is a duplicate of the first: " << line_of(report, 4);
  EXPECT_NE(report.find("invoiced=259.25\n"), std::string::npos)
      << "invoiced sums messages 1 and 2 only (types INVOICE, XINVOIC and INVOI are not INVOIC):\n"
      << report;
}

// --- numeric exactness ------------------------------------------------------------------------

// Amounts that a double does not hold exactly (1.005 * 10000 is 10049.999...), ten times 0.1,
// 18 significant digits, a comma as the decimal mark: every sum and total is exact.
TEST(SameOutput, AmountsADoubleRoundsWrongly) {
  std::string input = unb("5412345000013", "4012345000016", "1");
  input +=
      "UNH+1+ORDERS:D:96A:UN'\nBGM+220+PO1+9'\nQTY+21:1.005'\nQTY+21:0.57'\nQTY+21:19.99'\n"
      "MOA+203:1.005'\nMOA+203:0.57'\nMOA+203:19.99'\nMOA+79:0.57'\nUNT+10+1'\n";
  input += "UNH+2+INVOIC:D:96A:UN'\nBGM+380+INV1+9'\n";
  for (int i = 0; i < 10; ++i) input += "MOA+203:0.1'\n";
  input += "MOA+77:12345678901234.5678'\nUNT+14+2'\n";
  input += "UNH+3+INVOIC:D:96A:UN'\nBGM+380+INV2+9'\nMOA+77:-0.0001'\nQTY+21:-1.005'\nUNT+5+3'\n";
  input += "UNZ+3+1'\n";
  input +=
      "UNA:+,? '\nUNB+UNOC:3+5412345000013:14+4012345000016:14+261127:1200+2'\n"
      "UNH+4+INVOIC:D:96A:UN'\nBGM+380+INV3+9'\nQTY+21:0,57'\nMOA+203:19,99'\nMOA+77:1,005'\nUNT+6+4'\nUNZ+1+2'\n";
  const std::string report = same_as_original(input, "amounts");
  EXPECT_NE(line_of(report, 1).find(" qty=21.565 amount=21.565 total=0.57"), std::string::npos) << line_of(report, 1);
  EXPECT_NE(line_of(report, 2).find(" amount=1.00 total=12345678901234.5678"), std::string::npos)
      << "ten times 0.1 is 1.00, and 18 digits stay 18 digits: " << line_of(report, 2);
  EXPECT_NE(line_of(report, 3).find(" qty=-1.005 amount=0.00 total=-0.0001"), std::string::npos) << line_of(report, 3);
  EXPECT_NE(line_of(report, 4).find(" qty=0.57 amount=19.99 total=1.005"), std::string::npos)
      << "with UNA decimal mark ',': " << line_of(report, 4);
  EXPECT_NE(report.find(" invoiced=12345678901235.5727\n"), std::string::npos) << report;
}

// --- incomplete input and state at message boundaries ------------------------------------------

// A message without UNT ends at the next UNH, UNB, UNG, UNE, UNZ or the end of the input; nothing
// of one message (its date, doc, parties, amounts, total) passes to the next; from/to follow the
// interchange the message is in.
TEST(SameOutput, IncompleteMessagesAtEveryBoundary) {
  std::string input = unb("5412345000013", "4012345000016", "1");
  input += "UNH+1+INVOIC:D:96A:UN'\nBGM+380+A1+9'\nDTM+137:20260101:102'\nNAD+BY+5412345000013::9'\n"
           "LIN+1'\nQTY+21:5'\nMOA+203:10'\nMOA+77:10'\n";                        // closed by the next UNH
  input += "UNH+2+INVOIC:D:96A:UN'\nUNT+2+2'\n";                                  // nothing carried over
  input += "UNH+3+ORDERS:D:96A:UN'\nBGM+220+A3+9'\nMOA+79:3'\n";                  // closed by UNZ
  input += "UNZ+3+1'\n" + unb("7610000000000", "8710000000007", "2");
  input += "UNG+ORDERS+5412345000013+4012345000016+261127:1200+9+UN+D:96A'\n";
  input += "UNH+4+ORDERS:D:96A:UN'\nBGM+220+A4+9'\nDTM+137:20260404:102'\n";      // closed by UNE
  input += "UNE+1+9'\nUNH+5+ORDERS:D:96A:UN'\nBGM+220+A5+9'\n";                   // outside a group; closed by UNG
  input += "UNG+ORDERS+5412345000013+4012345000016+261127:1200+10+UN+D:96A'\nUNH+6+ORDERS:D:96A:UN'\nUNT+2+6'\n";
  input += "UNE+1+10'\nUNH+7+IFTSTA:D:96A:UN'\nBGM+23+A7+9'\n";                   // closed by UNB
  input += unb("5012345000003", "4012345000016", "3");
  input += "UNH+8+DESADV:D:96A:UN'\nBGM+351+A8+9'\nNAD+SU+5012345000003::9'\n";    // closed by the end
  const std::string report = same_as_original(input, "incomplete messages");
  EXPECT_EQ(line_of(report, 1),
            "1 INVOIC ref=1 doc=A1 date=20260101 from=5412345000013 to=4012345000016 parties=BY:5412345000013 "
            "lines=1 qty=5.00 amount=10.00 total=10.00 incomplete");
  EXPECT_EQ(line_of(report, 2),
            "2 INVOIC ref=2 doc=- date=- from=5412345000013 to=4012345000016 parties=- lines=0 qty=0.00 amount=0.00 "
            "total=-");
  for (int n = 3; n <= 8; ++n) {
    const std::string line = line_of(report, n);
    const bool complete = n == 6;
    EXPECT_EQ(line.ends_with(" incomplete"), !complete) << line;
  }
  EXPECT_NE(line_of(report, 4).find(" from=7610000000000 to=8710000000007 "), std::string::npos) << line_of(report, 4);
  EXPECT_NE(line_of(report, 8).find(" from=5012345000003 "), std::string::npos) << line_of(report, 8);
  EXPECT_NE(report.find("summary: messages=8 duplicates=0 incomplete=6 "), std::string::npos) << report;
}

// Messages without UNT free everything too: a run over them, then the pipeline, leave nothing
// allocated (a record freed only at a UNT leaks once per incomplete message).
TEST(LeakCheck, IncompleteMessagesLeakNothing) {
  std::string input = unb("5412345000013", "4012345000016", "1");
  for (int i = 1; i <= 60; ++i) {
    const std::string n = std::to_string(i);
    input += "UNH+" + n + "+ORDERS:D:96A:UN'\nBGM+220+PO" + n + "+9'\nDTM+137:20260101:102'\nQTY+21:" + n + "'\n";
    if (i % 3 == 0) input += "UNT+4+" + n + "'\n";  // two in three have no UNT
    if (i % 20 == 0) input += "UNZ+20+1'\n" + unb("5412345000013", "4012345000016", "1");
  }
  {
    edi::profiling::ReportPipeline warm;  // one-time setup (locale, statics) is not the run's
    std::ostringstream out;
    warm.run(input, out);
  }
  const edi::l06::LeakCheckOff off;  // the stub leaks by design; this test counts it instead
  edi::test::AllocationCounter counter;
  std::uint64_t incomplete = 0;
  {
    edi::profiling::ReportPipeline pipeline;
    std::ostringstream out;
    incomplete = pipeline.run(input, out).incomplete;
  }
  ASSERT_EQ(incomplete, 40u);
  const std::int64_t never_freed =
      static_cast<std::int64_t>(counter.allocations()) - static_cast<std::int64_t>(counter.deallocations());
  EXPECT_EQ(never_freed, 0) << never_freed << " allocations of a run over 60 messages, 40 of them without UNT, "
                               "were never freed: is something freed only when a message's UNT comes?";
}

// --- metrics read during a run ----------------------------------------------------------------

// A stream buffer that keeps what is written and, at the first write, meets another thread at a
// barrier: from then on that thread reads metrics() while the run goes on writing.
class MeetingBuffer : public std::streambuf {
 public:
  explicit MeetingBuffer(std::barrier<>& meet) : meet_(meet) {}
  const std::string& text() const { return text_; }
  // Meets the other thread if no write did: a run that wrote nothing, or threw, must not leave it waiting.
  void meet_if_not_met() { first_write(); }

 protected:
  int_type overflow(int_type c) override {
    first_write();
    if (!traits_type::eq_int_type(c, traits_type::eof())) text_ += traits_type::to_char_type(c);
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    first_write();
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  void first_write() {
    if (met_) return;
    met_ = true;
    meet_.arrive_and_wait();
  }
  std::barrier<>& meet_;
  bool met_ = false;
  std::string text_;
};

// A monitoring thread reads metrics() while run() is going: the counters never go down, never
// pass what the finished run reports, and end equal to the original's (ThreadSanitizer grades
// the locking: this test runs again in the sanitizer build).
TEST(SameOutput, MetricsReadFromAnotherThreadDuringARun) {
  const std::string input = edi::l06::generated(66, 24, 3);
  const auto expected = run_original(input);
  edi::profiling::ReportPipeline pipeline;
  std::vector<edi::l06::Observed> runs;
  for (int round = 0; round < 2; ++round) {
    std::barrier<> meet(2);
    std::atomic<bool> done{false};
    std::vector<edi::profiling::Metrics> seen;
    std::thread monitor([&] {
      meet.arrive_and_wait();  // the run has written its first line and goes on
      seen.push_back(pipeline.metrics());
      while (!done.load(std::memory_order_acquire)) seen.push_back(pipeline.metrics());
    });
    MeetingBuffer buffer(meet);
    std::ostream out(&buffer);
    edi::profiling::RunSummary summary;
    try {
      summary = pipeline.run(input, out);
    } catch (...) {
      buffer.meet_if_not_met();
      done.store(true, std::memory_order_release);
      monitor.join();
      throw;
    }
    buffer.meet_if_not_met();
    done.store(true, std::memory_order_release);
    monitor.join();
    const edi::profiling::Metrics after = pipeline.metrics();
    runs.push_back(edi::l06::observe(buffer.text(), summary, after));
    ASSERT_FALSE(seen.empty());
    edi::profiling::Metrics previous{};
    for (const edi::profiling::Metrics& m : seen) {
      EXPECT_TRUE(m.runs >= previous.runs && m.segments >= previous.segments && m.messages >= previous.messages &&
                  m.bytes >= previous.bytes)
          << "round " << round + 1 << ": a counter went down between two reads during the run";
      EXPECT_TRUE(m.runs <= after.runs && m.segments <= after.segments && m.messages <= after.messages &&
                  m.bytes <= after.bytes)
          << "round " << round + 1 << ": a counter read during the run is above its value after the run";
      previous = m;
    }
    EXPECT_EQ(after.runs, static_cast<std::uint64_t>(round + 1));
  }
  EXPECT_EQ(runs[0].report, expected.report) << first_difference(runs[0].report, expected.report);
  EXPECT_EQ(runs[1].report, expected.report) << first_difference(runs[1].report, expected.report);
  EXPECT_EQ(runs[0].metrics, expected.metrics);
  const std::vector<std::uint64_t> twice = {2, 2 * expected.metrics[1], 2 * expected.metrics[2], 2 * expected.metrics[3]};
  EXPECT_EQ(runs[1].metrics, twice) << "after two runs: runs, segments, messages, bytes";
}

}  // namespace
