// Graders of lesson 07, the pipeline (Pipeline::run). The expected report always comes from the
// naive pipeline (naive_pipeline.cpp: whole file, eager parse, one thread, no caches), run on the
// same bytes. Observers (PipelineObserver) steer the threads where a test needs a particular
// interleaving: a worker held until another finished, workers held until the reader has to wait.
// Those waits have a deadline (capstone_test::Gate) so that a wrong pipeline fails instead of
// hanging; no verdict depends on how fast anything runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "capstone_test.hpp"
#include "edi/edi.hpp"
#include "samples.hpp"

namespace {

using namespace capstone_test;

std::string gln(std::size_t i) { return std::string(edi::partners()[i].gln); }

// A small ORDERS message: 5 segments, one buyer, a line items total.
std::string order(const std::string& ref, const std::string& buyer, const std::string& po) {
  return "UNH+" + ref + "+ORDERS:D:96A:UN'\nBGM+220+" + po + "+9'\nNAD+BY+" + buyer + "::9'\nMOA+79:100.00'\nUNT+5+" +
         ref + "'\n";
}

std::string interchange(const std::string& sender, const std::string& recipient, const std::string& ref,
                        const std::vector<std::string>& messages) {
  std::string out = "UNB+UNOC:3+" + sender + ":14+" + recipient + ":14+261127:1200+" + ref + "'\n";
  for (const std::string& m : messages) out += m;
  return out + "UNZ+" + std::to_string(messages.size()) + "+" + ref + "'\n";
}

// --- PipelineOutput ---------------------------------------------------------------------------

// The same report as the naive pipeline on generated interchanges: syntax 3 and 4, every layout,
// groups, retransmissions, one message to hundreds.
TEST(PipelineOutput, MatchesTheNaivePipelineOnGeneratedInterchanges) {
  const std::vector<std::string> inputs = {
      generated(1, 1, 3),
      generated(2, 60, 3, edi::Layout::lf, 0.25),
      generated(3, 60, 4, edi::Layout::crlf, 0.25),
      generated(4, 150, 4, edi::Layout::one_line, 0.25, /*groups=*/true),
      generated(5, 400, 3, edi::Layout::lf, 0.3, false, 100),
      generated(6, 400, 4, edi::Layout::crlf, 0.3, true, 60),
  };
  const cap::Options options = small_options(2);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_TRUE(same_report(run_naive(inputs[i], options), run_pipeline(inputs[i], options))) << "input " << i;
  }
}

// The same report as the naive pipeline on every sample of data/, defective ones included, read
// whole and in reads of 5 bytes.
TEST(PipelineOutput, MatchesTheNaivePipelineOnTheCourseSamples) {
  const cap::Options options = small_options(2);
  for (const edi::test::Sample& sample : edi::test::sample_files()) {
    const naive::Report expected = run_naive(sample.bytes, options);
    EXPECT_TRUE(same_report(expected, run_pipeline(sample.bytes, options))) << sample.name;
    EXPECT_TRUE(same_report(expected, run_pipeline(sample.bytes, options, 5))) << sample.name << " in 5-byte reads";
  }
}

// One, two or four workers: the same report, the naive pipeline's.
TEST(PipelineOutput, SameReportForOneTwoAndFourWorkers) {
  const std::string input = generated(7, 300, 4, edi::Layout::lf, 0.3, false, 40);
  const naive::Report expected = run_naive(input, small_options());
  for (const std::size_t workers : {1u, 2u, 4u}) {
    EXPECT_TRUE(same_report(expected, run_pipeline(input, small_options(workers)))) << workers << " workers";
  }
}

// Results are merged in message order even when a later message finishes first: here message 1
// (a retransmission of message 0, sent by another partner) is done before message 0 starts:
// message 0 waits until another worker has finished message 1 and started on message 2.
TEST(PipelineOutput, MergesResultsInMessageOrder) {
  struct SecondFinishesFirst : cap::PipelineObserver {
    void before_process(std::uint64_t sequence) override {
      if (sequence == 2) third_started.open();
      if (sequence == 0 && !third_started.wait()) timed_out = true;
    }
    Gate third_started;
    std::atomic<bool> timed_out{false};
  };
  const std::string m = order("1", gln(3), "PO1");
  const std::string n = order("2", gln(4), "PO2");
  const std::string input = interchange(gln(0), gln(2), "11", {m}) + interchange(gln(1), gln(2), "12", {m, n});
  SecondFinishesFirst observer;
  cap::Options options = small_options(2);
  options.observer = &observer;
  const cap::Report report = run_pipeline(input, options);
  EXPECT_FALSE(observer.timed_out) << "message 0 waited 10 s for message 2 to start: were two workers running?";
  EXPECT_TRUE(same_report(run_naive(input, options), report));
  EXPECT_EQ(report.duplicates, 1u);
  EXPECT_EQ(report.partners.count(gln(0)), 1u) << "the first copy (sent by " << gln(0) << ") is the one that counts";
}

// A retransmission is a byte-for-byte copy: another message with the same UNH reference is not one.
TEST(PipelineOutput, DeduplicatesByContentNotByReference) {
  const std::string first = order("1", gln(3), "PO1");
  const std::string other = order("1", gln(4), "PO2");  // same reference "1", other content
  const std::string input = interchange(gln(0), gln(2), "7", {first, other, first, other, first});
  const cap::Options options = small_options(2);
  const cap::Report report = run_pipeline(input, options);
  EXPECT_TRUE(same_report(run_naive(input, options), report));
  EXPECT_EQ(report.accepted, 2u);
  EXPECT_EQ(report.duplicates, 3u);
}

// The dedup window is Options::dedup_capacity: with a small one, old originals are forgotten and
// their copies count again.
TEST(PipelineOutput, TheDedupWindowIsTheConfiguredOne) {
  const std::string input = generated(8, 400, 3, edi::Layout::lf, 0.4, false, 50);
  cap::Options small_window = small_options(2);
  small_window.dedup_capacity = 5;
  const cap::Report narrow = run_pipeline(input, small_window);
  EXPECT_TRUE(same_report(run_naive(input, small_window), narrow));
  const cap::Report wide = run_pipeline(input, small_options(2));
  EXPECT_LT(narrow.duplicates, wide.duplicates);
}

// The last result arrives while the thread that merged the one before it is stopping: the
// merging thread is held in merging_paused() until the worker with the last message has filed
// it and is blocked or gone. The result must be merged all the same (here it is the last one,
// so no later result would take it along).
TEST(PipelineOutput, AResultFiledWhileTheMergerStopsIsMerged) {
  struct FileWhileTheMergerStops : cap::PipelineObserver {
    void before_process(std::uint64_t sequence) override {
      if (sequence != 1) return;
      filer = this_thread_id();
      if (!merger_stopping.wait()) timed_out = true;  // merging_paused() was never called
    }
    void after_process(std::uint64_t sequence) noexcept override {
      if (sequence == 1) filing = true;
    }
    void merging_paused(std::uint64_t next_sequence) noexcept override {
      if (next_sequence != 1 || paused.exchange(true)) return;
      merger_stopping.open();
      if (!wait_until([&] { return filing.load() && thread_is_held(filer.load()); })) timed_out = true;
    }
    Gate merger_stopping;
    std::atomic<long> filer{0};
    std::atomic<bool> filing{false};
    std::atomic<bool> paused{false};
    std::atomic<bool> timed_out{false};
  };
  const std::string input =
      interchange(gln(0), gln(2), "21", {order("1", gln(3), "PO1"), order("2", gln(4), "PO2")});
  for (int round = 0; round < 3; ++round) {
    FileWhileTheMergerStops observer;
    cap::Options options = small_options(2);
    options.observer = &observer;
    const cap::Report report = run_pipeline(input, options);
    EXPECT_FALSE(observer.timed_out) << "merging_paused(1) was not called after message 0 was merged, or the "
                                        "worker with message 1 neither blocked nor finished for 10 s";
    EXPECT_EQ(report.messages, 2u) << "a result filed while the merging thread was stopping was never merged";
    EXPECT_TRUE(same_report(run_naive(input, options), report));
    if (observer.timed_out) break;  // one 10 s wait is enough to fail
  }
}

// Two runs on one pipeline: the same report twice (nothing per run is carried over: the dedup
// cache starts empty), and the partner cache stays warm (the second run queries nothing).
TEST(PipelineOutput, TwoRunsOnOnePipeline) {
  const std::string input = generated(9, 120, 3, edi::Layout::lf, 0.3, false, 40);
  cap::Options options = small_options(2);
  options.partner_cache_capacity = 4096;  // room for every partner: nothing is evicted
  const naive::Report expected = run_naive(input, options);
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource first_source(input);
  EXPECT_TRUE(same_report(expected, pipeline.run(first_source))) << "first run";
  const std::uint64_t queries = directory.queries();
  EXPECT_GT(queries, 0u);
  edi::MemorySource second_source(input);
  EXPECT_TRUE(same_report(expected, pipeline.run(second_source))) << "second run on the same pipeline";
  EXPECT_EQ(directory.queries(), queries) << "the second run queried the directory again: the PartnerCache "
                                             "lives as long as the pipeline";
}

// Small windows with more workers than slots, a one-entry dedup cache, a partner cache smaller
// than its shard count: every combination gives the naive report.
TEST(PipelineOutput, SmallWindowsAndOtherOptionCombinations) {
  const std::string input = generated(10, 90, 4, edi::Layout::crlf, 0.3, true, 30);
  struct Combination {
    std::size_t workers, in_flight, dedup, partners, shards;
  };
  for (const Combination c : {Combination{1, 1, 1, 1, 8}, Combination{2, 1, 4096, 64, 8}, Combination{4, 2, 2, 3, 8},
                              Combination{3, 3, 4096, 1, 1}, Combination{8, 5, 7, 64, 3}}) {
    cap::Options options = small_options(c.workers);
    options.max_in_flight = c.in_flight;
    options.dedup_capacity = c.dedup;
    options.partner_cache_capacity = c.partners;
    options.partner_cache_shards = c.shards;
    cap::PartnerDirectory directory(":memory:");
    cap::Pipeline pipeline(directory, options);
    edi::MemorySource source(input, 700);
    EXPECT_TRUE(same_report(run_naive(input, options), pipeline.run(source)))
        << c.workers << " workers, max_in_flight " << c.in_flight << ", dedup " << c.dedup << ", partner cache "
        << c.partners << " in " << c.shards << " shards";
    EXPECT_LE(pipeline.buffers().peak_in_use(), c.in_flight);
    EXPECT_LE(pipeline.partners().size(), c.partners);
  }
}

// Amounts that a double does not hold exactly add up exactly; messages without UNT (before a
// UNZ, and at the end of an input without UNZ) are reported and their buffers come back.
TEST(PipelineOutput, ExactAmountsAndMessagesWithoutUnt) {
  const auto invoice = [](const std::string& ref, const std::vector<std::string>& amounts, bool unt) {
    std::string m = "UNH+" + ref + "+INVOIC:D:96A:UN'\nBGM+380+INV" + ref + "+9'\n";
    for (const std::string& a : amounts) m += "MOA+" + a + "'\n";
    if (unt) m += "UNT+" + std::to_string(3 + amounts.size()) + "+" + ref + "'\n";
    return m;
  };
  std::string input = interchange(gln(0), gln(2), "31",
                                  {invoice("1", {"77:1.005", "79:0.57"}, true), invoice("2", {"77:19.99", "79:0.1"}, true),
                                   invoice("3", {"77:12345678901234.5678", "79:0.1"}, true),
                                   invoice("4", {"77:0.57", "79:0.1"}, false)});
  input += "UNB+UNOC:3+" + gln(1) + ":14+" + gln(2) + ":14+261127:1200+32'\n" +
           invoice("5", {"77:0.57", "79:0.1"}, true) + invoice("6", {"77:1.005"}, false);
  const cap::Options options = small_options(2);
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource source(input, 64);
  const cap::Report report = pipeline.run(source);
  EXPECT_TRUE(same_report(run_naive(input, options), report));
  EXPECT_EQ(report.messages, 6u);
  EXPECT_EQ(report.rejected, 2u) << "the two messages without UNT";
  const auto invoices = report.types.find("INVOIC");
  ASSERT_NE(invoices, report.types.end());
  EXPECT_EQ(edi::to_string(invoices->second.invoice_amount), "12345678901256.1328");
  EXPECT_EQ(edi::to_string(invoices->second.line_total), "0.87");
  EXPECT_EQ(pipeline.buffers().in_use(), 0u);
}

// --- PipelineMemory ---------------------------------------------------------------------------

// Holds every worker at its first message until the reader reports that it must wait (or has
// read everything, which a bounded pipeline never gets to do here).
struct HoldWorkersUntilTheReaderWaits : cap::PipelineObserver {
  void before_process(std::uint64_t) override {
    if (!release.wait()) {
      timed_out = true;
      release.open();  // hold no other message: the test has failed already
    }
  }
  void reader_waiting() noexcept override {
    ++waits;
    release.open();
  }
  Gate release;
  std::atomic<int> waits{0};
  std::atomic<bool> timed_out{false};
};

// A MemorySource that opens a gate once it has served its last byte.
class SignallingSource final : public edi::ByteSource {
 public:
  SignallingSource(std::string_view bytes, Gate& at_end) : inner_(bytes), at_end_(at_end) {}
  std::size_t read(std::span<char> buffer) override {
    const std::size_t n = inner_.read(buffer);
    if (n == 0 && !buffer.empty()) at_end_.open();
    return n;
  }

 private:
  edi::MemorySource inner_;
  Gate& at_end_;
};

// With the workers stuck, the reader stops at max_in_flight messages: the pooled bytes stay under
// Options::buffer_limit() while the input is over 50 times larger; then everything is processed.
TEST(PipelineMemory, StaysWithinTheInFlightLimitOnAnInputManyTimesLarger) {
  edi::GeneratorOptions gen;
  gen.seed = 21;
  gen.target_bytes = 8 << 20;
  gen.duplicate_rate = 0.1;
  const std::string input = edi::generate(gen);
  HoldWorkersUntilTheReaderWaits observer;
  cap::Options options;
  options.workers = 2;
  options.max_in_flight = 8;
  options.max_message_bytes = 16 << 10;
  options.chunk_size = 16 << 10;
  options.observer = &observer;
  ASSERT_GE(input.size(), 50 * options.buffer_limit());

  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  SignallingSource source(input, observer.release);
  const cap::Report report = pipeline.run(source);
  EXPECT_FALSE(observer.timed_out) << "the workers were held 10 s: reader_waiting() was never called";
  EXPECT_GE(observer.waits.load(), 1) << "the reader read the whole input while no message could be processed";
  EXPECT_LE(pipeline.buffers().peak_in_use(), options.max_in_flight) << "messages in flight at most";
  EXPECT_LE(pipeline.buffers().peak_bytes_in_use(), options.buffer_limit());
  EXPECT_EQ(pipeline.buffers().in_use(), 0u) << "every buffer is back in the pool after the run";
  EXPECT_TRUE(same_report(run_naive(input, options), report));
}

// Message buffers are recycled: thousands of messages, no more buffers than the window.
TEST(PipelineMemory, RecyclesMessageBuffers) {
  const std::string input = generated(22, 3000, 3, edi::Layout::lf, 0.1, false, 500);
  cap::Options options = small_options(2);
  options.max_in_flight = 8;
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource source(input);
  const cap::Report report = pipeline.run(source);
  EXPECT_EQ(report.messages, 3000u);
  EXPECT_LE(pipeline.buffers().buffers_created(), options.max_in_flight);
  EXPECT_EQ(pipeline.buffers().in_use(), 0u);
}

// Messages over max_message_bytes are rejected (message-too-long), not buffered whole.
TEST(PipelineMemory, RejectsMessagesOverTheSizeLimit) {
  const std::string input = generated(23, 300, 4, edi::Layout::crlf, 0.2, false, 100);
  cap::Options options = small_options(2);
  options.max_message_bytes = 2048;
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource source(input);
  const cap::Report report = pipeline.run(source);
  EXPECT_TRUE(same_report(run_naive(input, options), report));
  EXPECT_GT(report.rejected, 0u);
  EXPECT_LE(pipeline.buffers().peak_bytes_in_use(), options.buffer_limit());
}

// --- PipelineErrors ---------------------------------------------------------------------------

// Replaces the first `what` at or after `from` (and before `to`) with `with`.
bool replace_in(std::string& text, std::size_t from, std::size_t to, const std::string& what, const std::string& with) {
  const std::size_t at = text.find(what, from);
  if (at == std::string::npos || at >= to) return false;
  text.replace(at, what.size(), with);
  return true;
}

// Defective messages (a wrong UNT count, an amount that is not a number, a GLN with a wrong check
// digit, a missing UNT) are reported and rejected; every other message is processed.
TEST(PipelineErrors, ADefectiveMessageDoesNotStopTheOthers) {
  std::string input = generated(31, 120, 3, edi::Layout::lf, 0.0, false, 60);
  const std::vector<edi::MessageInfo> messages = edi::analyze(input).messages;
  ASSERT_EQ(messages.size(), 120u);
  int defects = 0;
  // From the last to the first, so that the offsets of earlier messages stay right.
  for (std::size_t k = 110; k >= 10 && k < messages.size(); k -= 25) {
    const edi::MessageInfo& m = messages[k];
    std::string& t = input;
    bool done = false;
    switch ((k / 25) % 4) {
      case 0: {  // the UNT is gone
        const std::size_t at = t.find("UNT+", m.begin);
        t.erase(at, t.find('\n', at) + 1 - at);
        done = true;
        break;
      }
      case 1:  // a wrong segment count
        done = replace_in(t, m.begin, m.end, "UNT+", "UNT+9");
        break;
      case 2:  // an amount that is not a number (the first MOA of this message, or of one soon after)
        for (std::size_t j = k; j < k + 10 && !done; ++j) {
          const std::size_t at = t.find("MOA+", messages[j].begin);
          if (at < messages[j].end) done = replace_in(t, at, messages[j].end, ":", ":12.3.");
        }
        break;
      default:  // a NAD whose GLN has a wrong check digit ("NAD+BY+4000000000009::9")
        if (const std::size_t nad = t.find("NAD+", m.begin); nad < m.end) {
          const std::size_t at = t.find("::9", nad);
          t[at - 1] = t[at - 1] == '9' ? '0' : static_cast<char>(t[at - 1] + 1);
          done = true;
        }
    }
    defects += done ? 1 : 0;
  }
  ASSERT_EQ(defects, 5);
  const cap::Options options = small_options(2);
  const cap::Report report = run_pipeline(input, options);
  EXPECT_TRUE(same_report(run_naive(input, options), report));
  EXPECT_EQ(report.rejected, 5u);
  EXPECT_EQ(report.accepted, 115u);
}

// A message whose processing throws is reported (processing-failed); the others are processed.
TEST(PipelineErrors, AFailingMessageIsReportedAndTheOthersProcessed) {
  const auto fail_some = [](std::uint64_t sequence) {
    if (sequence == 2 || sequence == 5 || sequence == 11) {
      throw std::runtime_error("injected failure in message " + std::to_string(sequence));
    }
  };
  struct Failing : cap::PipelineObserver {
    explicit Failing(decltype(fail_some)& f) : fail(f) {}
    void before_process(std::uint64_t sequence) override { fail(sequence); }
    decltype(fail_some)& fail;
  };
  const std::string input = generated(32, 80, 4, edi::Layout::lf, 0.2, false, 30);
  Failing observer(fail_some);
  cap::Options options = small_options(2);
  options.observer = &observer;
  naive::Options naive_opt = naive_options(options);
  naive_opt.before_process = fail_some;
  const cap::Report report = run_pipeline(input, options);
  EXPECT_TRUE(same_report(naive::run(input, ":memory:", naive_opt), report));
  EXPECT_EQ(report.failed, 3u);
  EXPECT_EQ(report.messages, 80u);
}

// An input error (the last segment has no terminator) ends the reading, not the report: the
// messages before it are processed and the error is reported.
TEST(PipelineErrors, AnInputErrorEndsTheRunWithAReport) {
  std::string input = generated(33, 90, 3, edi::Layout::one_line, 0.2, false, 30);
  input.resize(input.size() - 1);  // the final UNZ loses its terminator
  const cap::Options options = small_options(2);
  const cap::Report report = run_pipeline(input, options);
  EXPECT_TRUE(same_report(run_naive(input, options), report));
  EXPECT_EQ(report.input, edi::Errc::unterminated_segment);
  EXPECT_EQ(report.messages, 90u);
}

// A source that fails after `fail_after` bytes, as a disk or a socket can.
class FailingSource final : public edi::ByteSource {
 public:
  FailingSource(std::string_view bytes, std::size_t fail_after) : inner_(bytes, 4096), fail_after_(fail_after) {}
  std::size_t read(std::span<char> buffer) override {
    if (served_ >= fail_after_) throw std::system_error(EIO, std::generic_category(), "the disk went away");
    const std::size_t n = inner_.read(buffer);
    served_ += n;
    return n;
  }

 private:
  edi::MemorySource inner_;
  std::size_t fail_after_;
  std::size_t served_ = 0;
};

// A read error stops the run: run() throws it, after the workers stopped and every buffer is back.
TEST(PipelineErrors, AReadErrorStopsTheRunAndPropagates) {
  const std::string input = generated(34, 2000, 3, edi::Layout::lf, 0.1, false, 500);
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, small_options(2));
  FailingSource source(input, input.size() / 2);
  EXPECT_THROW(pipeline.run(source), std::system_error);
  EXPECT_EQ(pipeline.buffers().in_use(), 0u);
}

// A std::logic_error is a bug, not bad data: it stops the run and run() rethrows it (the reader
// must not stay blocked waiting for results that will never be merged).
TEST(PipelineErrors, ALogicErrorStopsTheRunAndPropagates) {
  struct InjectedBug : std::logic_error {
    using std::logic_error::logic_error;
  };
  struct Buggy : cap::PipelineObserver {
    void before_process(std::uint64_t sequence) override {
      if (sequence == 30) throw InjectedBug("injected bug");
    }
  };
  const std::string input = generated(35, 2000, 3, edi::Layout::lf, 0.1, false, 500);
  Buggy observer;
  cap::Options options = small_options(2);
  options.max_in_flight = 4;
  options.observer = &observer;
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource source(input);
  EXPECT_THROW(pipeline.run(source), InjectedBug);
  EXPECT_EQ(pipeline.buffers().in_use(), 0u);
}

// A std::logic_error while the reader is blocked on a full window: the reader is woken, the run
// stops and rethrows it (ThreadSanitizer grades how the stop reaches the waiting reader).
TEST(PipelineErrors, ALogicErrorWhileTheReaderWaits) {
  struct InjectedBug : std::logic_error {
    using std::logic_error::logic_error;
  };
  struct BugOnceTheReaderWaits : HoldWorkersUntilTheReaderWaits {
    void before_process(std::uint64_t sequence) override {
      HoldWorkersUntilTheReaderWaits::before_process(sequence);
      if (sequence == 0) throw InjectedBug("injected bug");
    }
  };
  const std::string input = generated(36, 200, 3, edi::Layout::lf, 0.1, false, 100);
  BugOnceTheReaderWaits observer;
  cap::Options options = small_options(2);
  options.max_in_flight = 4;
  options.observer = &observer;
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  edi::MemorySource source(input);
  EXPECT_THROW(pipeline.run(source), InjectedBug);
  EXPECT_FALSE(observer.timed_out) << "the workers were held 10 s: reader_waiting() was never called";
  EXPECT_EQ(pipeline.buffers().in_use(), 0u);
}

// --- PipelineParallelism ----------------------------------------------------------------------

// The first `workers` messages are analysed at the same time, each on its own worker: every
// worker waits in before_process until all of them have arrived.
TEST(PipelineParallelism, WorkersAnalyseMessagesAtTheSameTime) {
  struct Rendezvous : cap::PipelineObserver {
    explicit Rendezvous(std::size_t n) : expected(n) {}
    void before_process(std::uint64_t sequence) override {
      if (sequence >= expected) return;
      std::unique_lock lock(mutex);
      ++arrived;
      cv.notify_all();
      if (!cv.wait_for(lock, Gate::kDeadline, [&] { return timed_out || arrived >= expected; })) {
        timed_out = true;  // the test has failed: let every other message through at once
        cv.notify_all();
      }
    }
    std::size_t expected;
    std::mutex mutex;
    std::condition_variable cv;
    std::size_t arrived = 0;
    bool timed_out = false;
  };
  const std::string input = generated(41, 40, 3, edi::Layout::lf, 0.0, false, 40);
  for (const std::size_t workers : {2u, 4u}) {
    Rendezvous observer(workers);
    cap::Options options = small_options(workers);
    options.observer = &observer;
    const cap::Report report = run_pipeline(input, options);
    EXPECT_FALSE(observer.timed_out) << "only " << observer.arrived << " of " << workers
                                     << " workers analysed messages at the same time";
    EXPECT_TRUE(same_report(run_naive(input, options), report)) << workers << " workers";
  }
}

// Reading overlaps analysis: while a worker holds message 0, the reader goes on reading (here:
// past the end of message 7) instead of waiting for the analysis.
TEST(PipelineParallelism, TheReaderReadsOnWhileWorkersAnalyse) {
  // A MemorySource, 512 bytes a read, that opens a gate once it has served `threshold` bytes.
  class CountingSource final : public edi::ByteSource {
   public:
    CountingSource(std::string_view bytes, std::size_t threshold, Gate& gate)
        : inner_(bytes, 512), threshold_(threshold), gate_(gate) {}
    std::size_t read(std::span<char> buffer) override {
      const std::size_t n = inner_.read(buffer);
      served_ += n;
      if (served_ >= threshold_ || (n == 0 && !buffer.empty())) gate_.open();
      return n;
    }

   private:
    edi::MemorySource inner_;
    std::size_t threshold_;
    std::size_t served_ = 0;
    Gate& gate_;
  };
  struct HoldFirst : cap::PipelineObserver {
    void before_process(std::uint64_t sequence) override {
      if (sequence == 0 && !read_on.wait()) timed_out = true;
    }
    Gate read_on;
    std::atomic<bool> timed_out{false};
  };
  const std::string input = generated(42, 40, 3, edi::Layout::lf, 0.0, false, 40);
  const std::vector<edi::MessageInfo> messages = edi::analyze(input).messages;
  HoldFirst observer;
  cap::Options options = small_options(2);
  options.observer = &observer;
  cap::PartnerDirectory directory(":memory:");
  cap::Pipeline pipeline(directory, options);
  CountingSource source(input, messages[7].end, observer.read_on);
  const cap::Report report = pipeline.run(source);
  EXPECT_FALSE(observer.timed_out) << "message 0 was held 10 s and the reader did not read on: is it waiting for the workers?";
  EXPECT_TRUE(same_report(run_naive(input, options), report));
}


// True when every thread of this process but the calling one sleeps or has ended: called by the
// reader inside a read, it says the workers are waiting for work.
bool other_threads_held() {
  const long self = this_thread_id();
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    const long tid = std::stol(task.path().filename().string());
    if (tid != self && !thread_is_held(tid)) return false;
  }
  return true;
}

// A queued message is analysed while the reader waits for input, however slow the input: the
// source serves the interchange up to the end of message 0, then its next read blocks until
// message 0 has been analysed (a pipe whose writer waits for an answer). The workers are asleep
// when message 0 is queued (the first read waits for that), so somebody must wake them for one
// message. A pipeline that wakes its workers only for a batch of messages, or when the window
// is full, waits for input that does not come.
TEST(PipelineParallelism, AQueuedMessageIsAnalysedWhileTheReaderWaitsForInput) {
  class StallingSource final : public edi::ByteSource {
   public:
    StallingSource(std::string_view bytes, std::size_t stall_at, Gate& go_on)
        : bytes_(bytes), stall_at_(stall_at), go_on_(go_on) {}
    std::size_t read(std::span<char> buffer) override {
      if (served_ == 0) (void)wait_until(other_threads_held);  // the workers sleep, waiting for work
      if (served_ == stall_at_ && !stalled_) {
        stalled_ = true;
        if (!go_on_.wait()) timed_out = true;
      }
      const std::size_t end = served_ < stall_at_ ? stall_at_ : bytes_.size();
      const std::size_t n = std::min(buffer.size(), end - served_);
      std::copy_n(bytes_.data() + served_, n, buffer.data());
      served_ += n;
      return n;
    }
    bool timed_out = false;  // only the reader writes it; the test reads it after run()

   private:
    std::string_view bytes_;
    std::size_t stall_at_;
    Gate& go_on_;
    std::size_t served_ = 0;
    bool stalled_ = false;
  };
  struct SignalFirst : cap::PipelineObserver {
    void after_process(std::uint64_t sequence) noexcept override {
      if (sequence == 0) analysed.open();
    }
    Gate analysed;
  };
  const std::string input = generated(43, 10, 3, edi::Layout::lf, 0.0, false, 10);
  const std::vector<edi::MessageInfo> messages = edi::analyze(input).messages;
  ASSERT_GE(messages.size(), 2u);
  for (const std::size_t workers : {1u, 2u}) {
    SignalFirst observer;
    cap::Options options = small_options(workers);
    options.observer = &observer;
    cap::PartnerDirectory directory(":memory:");
    cap::Pipeline pipeline(directory, options);
    StallingSource source(input, messages[1].begin, observer.analysed);
    const cap::Report report = pipeline.run(source);
    EXPECT_FALSE(source.timed_out) << workers << " workers: message 0 was queued and not analysed for 10 s while "
                                      "the reader waited for more input: are the workers woken only for a batch?";
    EXPECT_TRUE(same_report(run_naive(input, options), report)) << workers << " workers";
    if (source.timed_out) break;  // one wait of 10 s is enough to fail
  }
}

}  // namespace
