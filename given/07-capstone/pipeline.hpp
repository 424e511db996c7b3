// The capstone: an EDIFACT pipeline that reads an input of any size in bounded memory and
// processes its messages in parallel, with a report that does not depend on the worker count.
// EXERCISE: Pipeline::run in pipeline.cpp (and the caches in caches.hpp).
//
//   edi::capstone::PartnerDirectory directory("/tmp/partners.db");
//   edi::capstone::Pipeline pipeline(directory, {.workers = 2});
//   edi::FileSource file("big.edi");
//   edi::capstone::Report report = pipeline.run(file);           // in parallel
//   std::cout << edi::capstone::format(report);
//   // the same input through pipeline.run_sequential(...) gives the same report
//
//       reader (the calling thread)            workers (options.workers threads)        merge (in order)
//   StreamReader -> MessageSplitter -> [ at most max_in_flight messages ] -> MessageAnalyzer -> DedupCache
//                   copies into pooled buffers                               PartnerCache      ReportBuilder
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis.hpp"
#include "caches.hpp"
#include "edi/stream.hpp"
#include "master_data.hpp"
#include "message.hpp"
#include "report.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

// Calls from inside the pipeline, for tests and instrumentation. The default does nothing.
// The pipeline calls them from its own threads: an observer must be thread-safe.
class PipelineObserver {
 public:
  virtual ~PipelineObserver() = default;
  // On the worker that analyses message `sequence`, right before it does. A worker works on one
  // message at a time. May throw, as the analysis may: that message then fails
  // (processing-failed) and the pipeline goes on with the others; a std::logic_error stops the run.
  virtual void before_process(std::uint64_t sequence) { (void)sequence; }
  // On the same worker, after the analysis of `sequence` (also after a failure), before its
  // result is merged. Must not throw.
  virtual void after_process(std::uint64_t sequence) noexcept { (void)sequence; }
  // On the reader, right before it blocks because max_in_flight messages are in flight (read
  // and not yet merged). Must not throw.
  virtual void reader_waiting() noexcept {}
  // On the thread that merges results, each time it has merged every result that was ready and
  // stops merging because the result of `next_sequence` has not been filed yet; called before it
  // lets go of merging (a flag, a lock, its turn). A worker may file that result at this very
  // moment, and it must still be merged: by this thread, or by the one that filed it. A test
  // holds the merging thread here to make a result arrive just then. Must not throw.
  virtual void merging_paused(std::uint64_t next_sequence) noexcept { (void)next_sequence; }
};

struct Options {
  std::size_t workers = 2;                    // threads that analyse messages; at least 1
  std::size_t max_in_flight = 64;             // messages read and not yet merged; at least 1
  std::size_t max_message_bytes = 1 << 20;    // longer messages are rejected (message-too-long)
  std::size_t chunk_size = 256 << 10;         // the StreamReader's buffer
  std::size_t dedup_capacity = 1 << 16;       // content hashes the DedupCache remembers
  std::size_t partner_cache_capacity = 4096;  // partner records the PartnerCache keeps
  std::size_t partner_cache_shards = 8;
  std::size_t max_problems = 1000;            // problems kept in the report (all are counted)
  PipelineObserver* observer = nullptr;       // not owned; may be null

  // The bound on message bytes held in pooled buffers at any time:
  // BufferPool::peak_bytes_in_use() <= buffer_limit() for every input.
  std::size_t buffer_limit() const noexcept { return max_in_flight * max_message_bytes; }
};

// Thread-compatible: one run at a time (a run uses threads inside). The PartnerCache lives as
// long as the pipeline, so it stays warm from one run to the next; everything else is per run.
class Pipeline {
 public:
  Pipeline(const PartnerDirectory& directory, Options options);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // EXERCISE. Reads `source` to its end with a MessageSplitter on the calling thread, analyses
  // the messages on options().workers threads, and merges the results in message order into
  // the Report that run_sequential() gives for the same input. Contract:
  //  - Equal output: for any input and any workers >= 1, run(x) == run_sequential(x).
  //  - Bounded memory: at most max_in_flight messages are in flight (from the moment the splitter
  //    takes a buffer for one until its result is merged): BufferPool::peak_in_use() <=
  //    max_in_flight, hence peak_bytes_in_use() <= buffer_limit(). Before blocking for that
  //    reason the reader calls observer->reader_waiting().
  //  - Parallel: workers analyse different messages at the same time (observer->before_process
  //    and after_process are called on them, see PipelineObserver).
  //  - Prompt: a message that has been read is analysed without waiting for more input, however
  //    slow the input: source.read() may block until the answer to a message already read has
  //    been sent (a pipe or a socket). Batch the wake-ups if you like, but not past a read.
  //  - Isolated errors: a message whose analysis throws a std::exception becomes
  //    MessageResult::failure() and the others go on. Two exceptions stop the run instead: one of
  //    the source (a read error) and a std::logic_error from the analysis (a bug, such as a cache
  //    method still to be written). Then the workers are stopped and joined, every buffer goes
  //    back to the pool, and run() rethrows the (first) exception.
  [[nodiscard]] Report run(ByteSource& source);

  // PROVIDED. The same report, one message after another on the calling thread: the reference
  // run() must match, and the clearest statement of what each message goes through.
  [[nodiscard]] Report run_sequential(ByteSource& source);

  const Options& options() const noexcept { return options_; }
  const BufferPool& buffers() const noexcept { return pool_; }
  const PartnerCache& partners() const noexcept { return partners_; }

 private:
  const PartnerDirectory& directory_;
  Options options_;
  BufferPool pool_;
  PartnerCache partners_;
};

}  // namespace EDI_IMPL
}  // namespace edi::capstone
