// The subjects of lesson 05: three ways to process the same EDIFACT messages, for the Google
// Benchmark suites you write in exercises/05-benchmarking/processing_bench.cpp. This file is
// harness code: include it, read it, do not edit it (`make check` verifies its checksum).
//
//   const edi::bench05::Workload w = edi::bench05::make_workload();  // generate + split, once
//   edi::bench05::SequentialProcessor sequential;
//   edi::bench05::Result r = sequential.process(w);   // one pass over every message of w
//   r.totals().messages;                              // == w.message_count()
//   edi::bench05::ConcurrentProcessor concurrent(4);  // four worker threads start here
//   benchmark::DoNotOptimize(concurrent.process(w));  // the same totals, computed by the workers
//   edi::bench05::PooledProcessor pooled;             // the same totals, reusing pooled buffers
//
// One pass = for every message of the workload: tokenize it, parse every segment, validate the
// message (UNH first, UNT last with the right segment count and reference, a BGM, numbers in MOA,
// QTY and PRI), add up its segments and invoice amounts, and hash its values into a checksum.
// The three processors compute the same Totals for the same workload; they differ in how:
//   SequentialProcessor  one thread; a new std::vector<edi::Segment> per message (allocates)
//   ConcurrentProcessor  N worker threads share the messages; the calling thread only waits
//   PooledProcessor      one thread; per-message buffers come from a pool and go back to it,
//                        so a warm processor allocates nothing per pass (sync.Pool in Go)
//
// Instrumented: the subjects count what happens to them (probe()), so the graders can tell,
// without timing anything, whether the input was built inside the timed loop, whether a
// processor was constructed there, how many passes each processor served, and whether every
// Result was consumed. Each processor also adds up the time its process() calls took (wall clock
// and the calling thread's CPU time), so that the graders can check that the benchmark's timed
// region holds every pass: a benchmark's measured time is at least the time of the passes inside
// it, on any machine, however loaded. The counters cost a few atomic increments and two clock
// reads per pass, not per message.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "edi/amount.hpp"
#include "edi/envelope.hpp"
#include "edi/segment.hpp"

namespace edi::bench05 {

// --- the input ---------------------------------------------------------------------------------

// One generated interchange and its messages (edi::generate, then edi::split_messages).
// Move-only: a copy would be a second build of the input. Immutable once built, so any number
// of threads may read one Workload at the same time.
class Workload {
 public:
  Workload(Workload&&) noexcept = default;
  Workload& operator=(Workload&&) noexcept = default;
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;
  ~Workload() = default;

  std::string_view text() const noexcept { return text_; }
  std::span<const MessageInfo> messages() const noexcept { return messages_; }
  std::size_t bytes() const noexcept { return text_.size(); }
  std::size_t message_count() const noexcept { return messages_.size(); }

 private:
  friend Workload make_workload_from(std::string text);
  Workload(std::string text, std::vector<MessageInfo> messages);

  std::string text_;
  std::vector<MessageInfo> messages_;
};

// The size make_workload() builds: the environment variable EDI_BENCH_BYTES when it is set to a
// positive number (the self-test and the graders make it small), otherwise kDefaultWorkloadBytes.
inline constexpr std::size_t kDefaultWorkloadBytes = 2 << 20;
std::size_t workload_bytes();

// Generates an interchange of about `bytes` bytes (always the same seed) and splits it into
// messages. Costs more than one pass over it: build it once, before the timed loop.
// Every call is counted (Probe::workloads_built).
[[nodiscard]] Workload make_workload(std::size_t bytes);
[[nodiscard]] Workload make_workload();  // make_workload(workload_bytes())
// A workload of any interchange text (split into messages); counted as a build too.
[[nodiscard]] Workload make_workload_from(std::string text);

// --- the result of a pass ----------------------------------------------------------------------

// What one pass computed. Equal for every processor given the same workload.
struct Totals {
  std::uint64_t messages = 0;
  std::uint64_t segments = 0;
  std::uint64_t invalid_messages = 0;  // messages that failed a check
  Amount invoice_total;                // MOA+77 of the INVOIC messages
  std::uint64_t checksum = 0;          // a hash of every value; a sum over messages, so order-free

  Totals& operator+=(const Totals& other) noexcept;
  friend bool operator==(const Totals&, const Totals&) = default;
};

// The result of process(). It must be consumed: read with totals(), or handed to
// benchmark::DoNotOptimize (overloaded below). A Result destroyed without either counts as
// dropped (Probe::results_dropped): in a benchmark that is work the optimizer may delete.
// Move-only; a moved-from Result needs nothing more. Thread-compatible.
class [[nodiscard]] Result {
 public:
  Result(Result&& other) noexcept;
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  // Reading the totals consumes the result.
  const Totals& totals() const noexcept;

 private:
  friend class SequentialProcessor;
  friend class ConcurrentProcessor;
  friend class PooledProcessor;
  explicit Result(const Totals& totals) noexcept;
  void settle() noexcept;  // counts a live, unconsumed result as dropped

  Totals totals_;
  mutable bool consumed_ = false;
  bool live_ = true;  // false once moved from
};

// --- the processors ----------------------------------------------------------------------------

// One thread, the straightforward way: every message is parsed into a new vector of segments.
// Thread-compatible: one process() at a time.
// The time process() calls took: wall clock, and CPU time of the calling thread (ns).
struct PassTime {
  std::uint64_t wall_ns = 0;
  std::uint64_t cpu_ns = 0;
};

class SequentialProcessor {
 public:
  SequentialProcessor();
  ~SequentialProcessor();
  SequentialProcessor(const SequentialProcessor&) = delete;
  SequentialProcessor& operator=(const SequentialProcessor&) = delete;

  Result process(const Workload& workload);

 private:
  std::uint64_t passes_ = 0;
  PassTime time_;
};

// N worker threads, started by the constructor and stopped (and joined) by the destructor.
// process() hands the workload to the workers, which claim messages in small chunks from a
// shared counter, and waits until all of them have finished; the calling thread does none of
// the processing. Its CPU time therefore says nothing about the pass: measure real time.
// Thread-compatible for callers (one process() at a time); the workers are internal.
class ConcurrentProcessor {
 public:
  static constexpr std::size_t kMaxWorkers = 64;

  // Starts `workers` threads.  REQUIRES: 1 <= workers <= kMaxWorkers (std::invalid_argument).
  explicit ConcurrentProcessor(std::size_t workers);
  ~ConcurrentProcessor();
  ConcurrentProcessor(const ConcurrentProcessor&) = delete;
  ConcurrentProcessor& operator=(const ConcurrentProcessor&) = delete;

  Result process(const Workload& workload);
  std::size_t workers() const noexcept { return worker_count_; }

 private:
  void work(std::stop_token stop);

  const std::size_t worker_count_;
  std::uint64_t passes_ = 0;  // touched by the calling thread only
  PassTime time_;             // likewise

  std::mutex mutex_;
  std::condition_variable_any batch_ready_;  // workers wait here for a new generation or a stop
  std::condition_variable batch_done_;       // process() waits here for finished_ == workers
  // Guarded by mutex_:
  const Workload* batch_ = nullptr;
  std::uint64_t generation_ = 0;  // one per process() call
  std::size_t finished_ = 0;      // workers done with the current generation
  Totals merged_;
  // Claimed without the lock; reset under it before a generation starts.
  std::atomic<std::size_t> next_message_{0};

  std::vector<std::jthread> threads_;  // last member: stopped and joined before the rest dies
};

// A pool of per-message parse buffers, the C++ counterpart of Go's sync.Pool: acquire() hands
// out a cleared buffer (a pooled one when there is one, a new one otherwise), release() takes
// it back with its capacity. Thread-safe.
class MessageBufferPool {
 public:
  struct Buffer {
    std::vector<Segment> segments;  // the first `used` are this message's; the rest keep capacity
    std::size_t used = 0;
  };

  std::unique_ptr<Buffer> acquire();
  void release(std::unique_ptr<Buffer> buffer);
  std::size_t created() const;  // buffers made because the pool was empty

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Buffer>> free_;  // guarded by mutex_
  std::size_t created_ = 0;                    // guarded by mutex_
};

// One thread, like SequentialProcessor, but each message is parsed into a buffer acquired from
// the processor's pool and released after: the segments' memory is reused from pass to pass, so
// a warm processor allocates nothing (a cold one, freshly constructed, pays for its buffers).
// Thread-compatible: one process() at a time.
class PooledProcessor {
 public:
  PooledProcessor();
  ~PooledProcessor();
  PooledProcessor(const PooledProcessor&) = delete;
  PooledProcessor& operator=(const PooledProcessor&) = delete;

  Result process(const Workload& workload);
  const MessageBufferPool& pool() const noexcept { return pool_; }

 private:
  MessageBufferPool pool_;
  std::uint64_t passes_ = 0;
  PassTime time_;
};

// --- the instrumentation -----------------------------------------------------------------------

enum class Kind : std::uint8_t { sequential = 0, concurrent = 1, pooled = 2 };
inline constexpr std::size_t kKinds = 3;
constexpr std::size_t index(Kind kind) noexcept { return static_cast<std::size_t>(kind); }

// Counters since the program started, and a few "last seen" values. Thread-safe to read.
struct Probe {
  std::uint64_t workloads_built = 0;                      // make_workload() calls
  std::array<std::uint64_t, kKinds> processors_built{};   // constructor calls, by kind
  std::array<std::uint64_t, kKinds> passes{};             // process() calls, by kind
  std::array<std::uint64_t, ConcurrentProcessor::kMaxWorkers + 1> concurrent_built_with{};  // by workers
  std::uint64_t results_made = 0;
  std::uint64_t results_consumed = 0;
  std::uint64_t results_dropped = 0;
  // Last seen (not counters):
  std::array<std::uint64_t, kKinds> last_retired_passes{};  // passes served by the processor of
                                                            // that kind destroyed last
  std::array<PassTime, kKinds> last_retired_time{};         // and the time its process() calls took
  std::uint64_t last_pass_bytes = 0;     // the workload of the latest process() call
  std::uint64_t last_pass_messages = 0;
};

Probe probe() noexcept;
// What happened since `before` (a probe() taken earlier): the counters' differences, and the
// "last seen" values as they are now.
Probe since(const Probe& before) noexcept;

}  // namespace edi::bench05

namespace benchmark {
// benchmark::DoNotOptimize(result): the usual way to keep the optimizer from deleting a pass.
// These overloads (preferred over the library's templates, for lvalues and temporaries alike)
// read the result's checksum the same way and record that the result was consumed.
inline void DoNotOptimize(const edi::bench05::Result& result) { DoNotOptimize(result.totals().checksum); }
inline void DoNotOptimize(edi::bench05::Result& result) { DoNotOptimize(result.totals().checksum); }
inline void DoNotOptimize(edi::bench05::Result&& result) { DoNotOptimize(result.totals().checksum); }
}  // namespace benchmark
