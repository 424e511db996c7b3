// The original pipeline of lesson 06, frozen: a copy of given/06-profiling/report.hpp as the
// lesson ships it, in namespace edi::profiling::original. The graders compare the learner's
// pipeline with this one (same output, fewer allocations, fewer instructions); it is part of the
// harness and never changes when the learner edits the exercise.
//
// Lesson 06: the message report, a working pipeline to profile and speed up.
//
//   edi::profiling::ReportPipeline pipeline;
//   std::ostringstream out;
//   edi::profiling::RunSummary s = pipeline.run(text, out);
//   // out: one line per message, then the run's summary:
//   //   1 ORDERS ref=000001 doc=PO5195871 date=20260819 from=8510004672216 to=7010000950284
//   //     parties=BY:4010000000005,SU:7610006889535,DP:5010000079192 lines=9 qty=718 amount=91471.52
//   //     total=96887.58                                   (one line; wrapped here)
//   //   ...
//   //   summary: messages=100 duplicates=0 incomplete=0 segments=3120 outside=0 invoiced=1234567.89
//   //   types: DESADV=21 IFTSTA=22 INVOIC=30 ORDERS=27
//   s.messages;               // 100
//   pipeline.metrics().runs;  // 1
//
// The report, line by line (numbers of elements and components count from 1, as in docs/edifact.md):
//   <n> <type> ref=<ref> doc=<doc> date=<date> from=<sender> to=<recipient> parties=<parties>
//       lines=<lines> qty=<qty> amount=<amount> total=<total>[ duplicate-of=<k>][ incomplete]
//     n          the message's number in the run, from 1
//     type, ref  UNH element 2 component 1, UNH element 1
//     doc        BGM element 2 (the document number); date: DTM+137 component 2. The last one wins.
//     from, to   UNB elements 2 and 3 (component 1) of the interchange the message is in
//     parties    every NAD as <qualifier>:<party id> (element 1, element 2 component 1), in order,
//                separated by commas
//     lines      the number of LIN segments
//     qty        the sum of the QTY quantities (element 1 component 2)
//     amount     the sum of the MOA+203 line amounts
//     total      the last MOA+77 (invoice amount) or, when there is none, the last MOA+79
//     A value that is absent prints as '-'. Amounts use the decimal mark of the interchange (a UNA
//     may make it ','); one that is not a number is left out of sums and totals; they print with
//     edi::to_string ("1612.58").
//     duplicate-of=<k>  an earlier message of this run, number k (the first one), has the same
//                sender, type and document number: a retransmission
//     incomplete the message has no UNT: another UNH, an envelope segment (UNB, UNG, UNE, UNZ) or
//                the end of the input came first
//   error: <edi::describe(rc)> at byte <offset>      (only when the tokenizer stops on an input error)
//   summary: messages=<m> duplicates=<d> incomplete=<i> segments=<s> outside=<o> invoiced=<sum>
//     s counts every segment (UNA excluded); o the segments other than UNB, UNG, UNE, UNZ found
//     outside any message; invoiced sums the totals of the INVOIC messages that are not duplicates.
//   types: <type>=<count> ...      (by type, in byte order; "types: -" when there is no message)
// Every line ends with '\n'. A run stops at the tokenizer's first input error and reports what came
// before it; messages never carry over from one run to the next.
//
// Thread-safety: run() is thread-compatible (one run at a time per pipeline); metrics() is
// thread-safe and may be called from any thread while a run is going.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string_view>

#include "edi/amount.hpp"
#include "edi/error.hpp"

namespace edi::profiling {
// Not the learner's namespace: the graders hold this copy and the learner's code side by side.
namespace original {

// What one run counted: the numbers of the report's summary line.
struct RunSummary {
  std::uint64_t messages = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t incomplete = 0;
  std::uint64_t segments = 0;
  std::uint64_t outside = 0;
  Amount invoiced;
  Errc result = Errc::end_of_input;  // the tokenizer's last word: end_of_input or an input error

  friend bool operator==(const RunSummary&, const RunSummary&) = default;
};

// Counters over every run of one pipeline, for a monitoring thread.
struct Metrics {
  std::uint64_t runs = 0;      // runs finished
  std::uint64_t segments = 0;  // segments read
  std::uint64_t messages = 0;  // messages reported
  std::uint64_t bytes = 0;     // bytes of the segments read, terminators not counted

  friend bool operator==(const Metrics&, const Metrics&) = default;
};

class ReportPipeline {
 public:
  ReportPipeline() = default;
  ReportPipeline(const ReportPipeline&) = delete;
  ReportPipeline& operator=(const ReportPipeline&) = delete;

  // Writes the report of `interchange` (any input the core's tokenizer reads) to `out`.
  RunSummary run(std::string_view interchange, std::ostream& out);

  // Thread-safe. During a run the counters may lag behind; once run() has returned they include it.
  Metrics metrics() const;

 private:
  mutable std::mutex mutex_;
  Metrics metrics_;  // guarded by mutex_
};

}  // namespace original
}  // namespace edi::profiling
