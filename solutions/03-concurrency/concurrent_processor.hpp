// A fixed pool of worker threads that applies one function to EDIFACT messages: results in
// submission order, bounded memory, errors as values, cancellation, clean shutdown.
//
//   const std::string text = edi::generate({.seed = 1, .messages = 1000});
//   const std::vector<Message> messages = edi::concurrency::messages_of(text);
//   edi::concurrency::ConcurrentProcessor<std::size_t> processor(
//       [](const Message& m) { return m.text.size(); }, /*workers=*/2, /*capacity=*/64);
//   auto outcomes = processor.process(messages);
//   // outcomes.size() == 1000; outcomes[i].sequence == i; *outcomes[i].value == messages[i].text.size()
//
//   // Streaming, for inputs that do not fit in memory: submit blocks while capacity + workers
//   // jobs are in flight, so a producer can never run ahead of the consumer.
//   std::jthread producer([&] {
//     for (const Message& m : messages) processor.submit(m);
//     processor.close();
//   });
//   while (auto outcome = processor.collect()) use(*outcome);   // in submission order
//
// Go idioms and their counterparts here: goroutine workers -> std::jthread; a buffered
// channel of jobs -> BoundedQueue; context.Context -> std::stop_token (cancel(), or the token
// given to process / submit / collect); `go test -race` -> the tsan preset.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bounded_queue.hpp"
#include "edi/envelope.hpp"
#include "edi/service_chars.hpp"

namespace edi::concurrency {
inline namespace EDI_IMPL {

// One message of an interchange: the unit of work.
//
// IMPORTANT: `text` points into the caller's buffer; keep the buffer alive and unchanged until
// every job holding the message has been collected.
struct Message {
  std::size_t index = 0;    // position of the message in its input, 0-based
  std::string_view text;    // the message, UNH to UNT, terminators and escapes included
  ServiceChars chars;       // the service characters in force: tokenize `text` with these
};

// The messages of an interchange (edi::split_messages), as views into `interchange`.
// Provided, not an exercise.
[[nodiscard]] inline std::vector<Message> messages_of(std::string_view interchange) {
  std::vector<Message> messages;
  for (const MessageInfo& info : split_messages(interchange)) {
    messages.push_back(Message{messages.size(), interchange.substr(info.begin, info.end - info.begin), info.chars});
  }
  return messages;
}

enum class JobStatus : std::uint8_t {
  ok,         // the work returned; `value` holds its result
  failed,     // the work threw; `error` holds what() ("unknown exception" for non-std exceptions)
  cancelled,  // the job never ran: stop was requested before a worker started it
};

// What became of one job.
template <class Result>
struct Outcome {
  std::size_t sequence = 0;      // submission number (process(): the message's position)
  JobStatus status = JobStatus::cancelled;
  std::optional<Result> value;   // set exactly when status == ok
  std::string error;             // failed: the exception's message; cancelled: "cancelled"

  bool ok() const noexcept { return status == JobStatus::ok; }
};

// Thread-safe: submit, try_submit, collect, close, cancel and the accessors may be called from
// any threads at once. process() must not overlap other submissions or collections (it numbers
// its outcomes from the jobs it submitted itself). Destroying the processor while another thread
// is inside one of its functions is undefined, as for any object.
// Not copyable, not movable: the workers hold `this`.
//
// Memory: at most capacity + workers jobs are in flight (submitted, not yet collected), whatever
// the number of messages; their outcomes wait in a ring of that size until collected.
template <class Result>
class ConcurrentProcessor {
 public:
  // The work applied to each message. It runs on the worker threads, several calls at once: it
  // must be safe to call concurrently. An exception it throws becomes that job's outcome.
  using Work = std::function<Result(const Message&)>;

  // Starts `workers` threads. `capacity` is how many jobs may wait for a worker while all
  // workers are busy. REQUIRES: workers >= 1, capacity >= 1 (std::invalid_argument otherwise).
  ConcurrentProcessor(Work work, std::size_t workers, std::size_t capacity)
      : work_(std::move(work)),
        window_(checked(workers, "workers") + checked(capacity, "capacity")),
        jobs_(window_),  // room for every admitted job: handing a job over never waits
        done_(window_) {
    workers_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) {
      workers_.emplace_back([this](std::stop_token shutdown) { run_worker(shutdown); });
    }
  }

  ConcurrentProcessor(const ConcurrentProcessor&) = delete;
  ConcurrentProcessor& operator=(const ConcurrentProcessor&) = delete;

  // Jobs not started are dropped without running; running jobs finish; every worker is joined
  // before this returns (no thread outlives the processor).
  ~ConcurrentProcessor() {
    cancel();
    jobs_.close();
    // workers_ is the last member, so it is destroyed first: each std::jthread requests stop on
    // its token and joins, while the queue and the mutex the workers use still exist.
  }

  // Runs the work on every message and returns one outcome per message, in input order
  // (outcomes[i].sequence == i). Never deadlocks, whatever the number of messages: when the
  // window is full it collects before it submits again. It keeps the workers busy: with the
  // window full it waits for at most its oldest half (window - window / 2 jobs) before it
  // submits again, never for the whole window. When stop is requested on `stop` (or cancel() is
  // called), no job starts after that; the messages not run get cancelled outcomes, and
  // process() returns once the running jobs are done. A stop on `stop` ends this call only: the
  // processor is not cancelled, and the next process() runs everything.
  // REQUIRES: no jobs in flight, not closed, not cancelled (std::logic_error otherwise).
  // Exceptions: a submission that throws (std::bad_alloc) ends the call with that exception, once
  // the jobs it submitted before are done and collected: the processor is left with no job in
  // flight, and the next process() runs as if this one had not happened.
  [[nodiscard]] std::vector<Outcome<Result>> process(std::span<const Message> messages, std::stop_token stop = {}) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || cancel_.stop_requested()) throw std::logic_error("process(): the processor is closed or cancelled");
      if (next_sequence_ != next_collect_) throw std::logic_error("process(): jobs submitted with submit() are in flight");
    }
    std::vector<Outcome<Result>> outcomes;
    outcomes.reserve(messages.size());
    std::size_t submitted = 0;
    try {
      for (const Message& message : messages) {
        if (submitted - outcomes.size() == window_) {
          // The window is full. The Go original sent its next job here and only then read results:
          // with every slot taken, nobody would ever read one. Collect first: the oldest half of
          // the window at once, so this thread sleeps once per batch instead of once per message.
          collect_oldest(window_ - window_ / 2, outcomes);
        }
        if (!submit(message, stop)) break;  // stop requested or cancelled
        ++submitted;
      }
    } catch (...) {
      // submit() threw, having submitted nothing. The jobs before it are in flight and only this
      // call knows them: collect them (into room reserved above, so that allocates nothing), or
      // every later process() would find them in flight and refuse to run.
      collect_oldest(submitted - outcomes.size(), outcomes);
      throw;
    }
    collect_oldest(submitted - outcomes.size(), outcomes);
    while (outcomes.size() < messages.size()) outcomes.push_back(cancelled_outcome(outcomes.size()));
    for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].sequence = i;
    return outcomes;
  }

  // Submits one job and returns its sequence number (0, 1, 2... in submission order). Blocks
  // while capacity + workers jobs are in flight; each collected outcome frees a place at once.
  // Returns std::nullopt, submitting nothing (no job, no sequence number), when stop is requested
  // on `stop` first (a stopped token is refused even when the window has room), or the processor
  // is closed or cancelled, also while it waits. A stop requested later cancels the job if it has
  // not started yet.
  // Exceptions: strong guarantee. When handing the job over throws (std::bad_alloc from the
  // queue), nothing was submitted: no sequence number was used, and later calls go on as before.
  [[nodiscard]] std::optional<std::size_t> submit(const Message& message, std::stop_token stop = {}) {
    std::unique_lock lock(mutex_);
    const auto has_room = [&] { return refused() || next_sequence_ - next_collect_ < window_; };
    if (!has_room()) {  // only wait (and register a callback on `stop`) when the window is full
      ++waiting_submitters_;
      space_.wait(lock, stop, has_room);
      --waiting_submitters_;
    }
    if (refused() || stop.stop_requested() || next_sequence_ - next_collect_ >= window_) return std::nullopt;
    return hand_over(Job{next_sequence_, message, std::move(stop)});
  }

  // Like submit(), but never waits: std::nullopt when the window is full, or the processor is
  // closed or cancelled. Exceptions: strong guarantee, as submit().
  [[nodiscard]] std::optional<std::size_t> try_submit(const Message& message) {
    std::lock_guard lock(mutex_);
    if (refused() || next_sequence_ - next_collect_ >= window_) return std::nullopt;
    return hand_over(Job{next_sequence_, message, {}});
  }

  // The outcome of the oldest job not collected yet, in submission order; waits until it is done.
  // When no job is in flight it waits for a submission, and returns std::nullopt once the
  // processor is closed or cancelled (the end of the stream). Also std::nullopt when stop is
  // requested on `stop` while it waits (nothing is collected then).
  [[nodiscard]] std::optional<Outcome<Result>> collect(std::stop_token stop = {}) {
    std::unique_lock lock(mutex_);
    const auto can_return = [&] { return next_is_done() || (next_collect_ == next_sequence_ && refused()); };
    if (!can_return()) ready_.wait(lock, stop, can_return);
    if (!next_is_done()) return std::nullopt;
    return collect_next(lock);
  }

  // No more submissions; collect() returns std::nullopt once everything submitted is collected.
  // Wakes every waiting submit() (which returns std::nullopt) and collect(). Again: no effect.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    space_.notify_all();
    ready_.notify_all();
  }

  // Stops all work: no job starts from now on (jobs already queued get cancelled outcomes),
  // running jobs finish, submissions are refused; collect() still hands out every outcome.
  // Wakes every waiting submit() (which returns std::nullopt) and collect(). Again: no effect.
  void cancel() {
    {
      std::lock_guard lock(mutex_);  // so that no waiter misses the change between check and sleep
      cancel_.request_stop();
    }
    space_.notify_all();
    ready_.notify_all();
  }

  // Jobs submitted and not collected yet.
  std::size_t in_flight() const {
    std::lock_guard lock(mutex_);
    return next_sequence_ - next_collect_;
  }
  std::size_t workers() const { return workers_.size(); }
  std::size_t capacity() const { return window_ - workers_.size(); }

 private:
  struct Job {
    std::size_t sequence = 0;
    Message message;
    std::stop_token stop;  // the submitter's: a stop requested on it cancels the job
  };

  static std::size_t checked(std::size_t n, const char* what) {
    if (n == 0) throw std::invalid_argument(std::string("ConcurrentProcessor: ") + what + " must be at least 1");
    return n;
  }

  // REQUIRES: mutex_ held.
  bool refused() const noexcept { return closed_ || cancel_.stop_requested(); }
  bool next_is_done() const noexcept { return next_collect_ != next_sequence_ && done_[next_collect_ % window_]; }

  // Queues `job`, numbered next_sequence_, and only then counts it submitted: the push may throw
  // (std::bad_alloc: the queue allocates as it grows), and a sequence number counted before it
  // would belong to a job that never runs, an outcome every later collect() waits for in vain.
  // Under mutex_, so that no other submitter takes the same number meanwhile; lock order: mutex_,
  // then the queue's own (the workers never hold both). The queue has room for the whole window,
  // so the push never waits; it fails only once the destructor closed the queue, which no
  // submitter can race with. REQUIRES: mutex_ held, and room in the window.
  std::size_t hand_over(Job job) {
    jobs_.push(std::move(job));
    return next_sequence_++;
  }

  // Moves the outcomes of the oldest `count` jobs in flight to `out`, waiting until all of them
  // are done. REQUIRES: at least `count` jobs in flight, all submitted by the caller.
  void collect_oldest(std::size_t count, std::vector<Outcome<Result>>& out) {
    std::unique_lock lock(mutex_);
    const std::size_t end = next_collect_ + count;
    // Wait for the newest first: jobs finish roughly in order, so once it is done the older ones
    // mostly are too, and this thread is woken about once per batch.
    for (std::size_t sequence = end; sequence-- > next_collect_;) {
      awaited_ = sequence;
      ready_.wait(lock, [&] { return done_[sequence % window_].has_value(); });
    }
    awaited_ = kNone;
    for (; next_collect_ != end; ++next_collect_) {
      std::optional<Outcome<Result>>& slot = done_[next_collect_ % window_];
      out.push_back(std::move(*slot));
      slot.reset();
    }
    const bool wake = waiting_submitters_ > 0;
    lock.unlock();
    if (wake) space_.notify_all();
  }

  // REQUIRES: lock holds mutex_ and next_is_done().
  Outcome<Result> collect_next(std::unique_lock<std::mutex>& lock) {
    std::optional<Outcome<Result>>& slot = done_[next_collect_ % window_];
    Outcome<Result> outcome = std::move(*slot);
    slot.reset();
    ++next_collect_;
    const bool more = next_is_done();  // another collector may be waiting for the next one
    const bool room = waiting_submitters_ > 0;
    lock.unlock();
    if (room) space_.notify_all();
    if (more) ready_.notify_all();
    return outcome;
  }

  void run_worker(std::stop_token shutdown) {
    while (std::optional<Job> job = jobs_.pop(shutdown)) {
      Outcome<Result> outcome = run(*job);
      bool wake = false;
      {
        std::lock_guard lock(mutex_);
        done_[job->sequence % window_] = std::move(outcome);
        // Collectors wait for the oldest job, or process() for the newest of its batch: finishing
        // any other job wakes nobody.
        wake = job->sequence == next_collect_ || job->sequence == awaited_;
      }
      if (wake) ready_.notify_all();
    }
  }

  // Runs the work on one job, turning an exception into the job's outcome.
  Outcome<Result> run(const Job& job) const {
    if (job.stop.stop_requested() || cancel_.stop_requested()) return cancelled_outcome(job.sequence);
    Outcome<Result> outcome;
    outcome.sequence = job.sequence;
    try {
      outcome.value.emplace(work_(job.message));
      outcome.status = JobStatus::ok;
    } catch (const std::exception& e) {
      outcome.status = JobStatus::failed;
      outcome.error = e.what();
    } catch (...) {  // not swallowed: it becomes this job's failed outcome
      outcome.status = JobStatus::failed;
      outcome.error = "unknown exception";
    }
    return outcome;
  }

  static Outcome<Result> cancelled_outcome(std::size_t sequence) {
    Outcome<Result> outcome;
    outcome.sequence = sequence;
    outcome.status = JobStatus::cancelled;
    outcome.error = "cancelled";
    return outcome;
  }

  const Work work_;
  const std::size_t window_;  // capacity + workers: the most jobs in flight
  BoundedQueue<Job> jobs_;    // submitted jobs no worker has taken yet
  std::stop_source cancel_;   // cancel(): no job starts any more

  mutable std::mutex mutex_;
  std::condition_variable_any space_;  // the window has room, or closed / cancelled
  std::condition_variable_any ready_;  // the oldest job is done, or closed / cancelled
  // Outcomes waiting to be collected, at sequence % window_: a sequence is admitted only when the
  // one a window before it was collected, so two live jobs never share a slot. Guarded by mutex_.
  std::vector<std::optional<Outcome<Result>>> done_;
  std::size_t next_sequence_ = 0;  // guarded by mutex_: the next sequence number to hand out
  std::size_t next_collect_ = 0;   // guarded by mutex_: the oldest sequence not collected
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t awaited_ = kNone;    // guarded by mutex_: the job process() waits for, if any
  bool closed_ = false;            // guarded by mutex_
  std::size_t waiting_submitters_ = 0;  // guarded by mutex_: threads asleep in submit()

  std::vector<std::jthread> workers_;  // last: started after, and joined before, everything above
};

}  // namespace EDI_IMPL
}  // namespace edi::concurrency
