// Lesson 03, exercise 2: a fixed pool of worker threads that applies one function to EDIFACT
// messages: results in submission order, bounded memory, errors as values, cancellation, clean
// shutdown.
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
//
// Replace each FIXME; `make check LESSON=03` grades it, `make hint LESSON=03` helps. Message,
// messages_of, JobStatus and Outcome are provided: leave them as they are.
//
// The trap this exercise is about: the Go original queued EVERY job before reading any result.
// With more messages than its buffers hold, the producer blocked on a full job channel while the
// workers blocked on a full result channel: a deadlock. Your process() must never wait for room
// in the window without collecting.
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
#include "edi/error.hpp"
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
// its outcomes from the jobs it submitted itself).
// Not copyable, not movable: the workers hold `this`.
//
// Memory: at most capacity + workers jobs are in flight (submitted, not yet collected), whatever
// the number of messages; their outcomes wait (in a ring of that size, say) until collected.
template <class Result>
class ConcurrentProcessor {
 public:
  // The work applied to each message. It runs on the worker threads, several calls at once: it
  // must be safe to call concurrently. An exception it throws becomes that job's outcome.
  using Work = std::function<Result(const Message&)>;

  // Starts `workers` threads (std::jthread). `capacity` is how many jobs may wait for a worker
  // while all workers are busy. REQUIRES: workers >= 1, capacity >= 1 (std::invalid_argument
  // otherwise).
  ConcurrentProcessor(Work work, std::size_t workers, std::size_t capacity) {
    // FIXME: store the work, size the window (capacity + workers), start the workers.
    // The stub throws before any thread starts, so the graders fail cleanly; delete this line.
    (void)work;
    (void)workers;
    (void)capacity;
    throw NotImplemented("ConcurrentProcessor::ConcurrentProcessor");
  }

  ConcurrentProcessor(const ConcurrentProcessor&) = delete;
  ConcurrentProcessor& operator=(const ConcurrentProcessor&) = delete;

  // Jobs not started are dropped without running; running jobs finish; every worker is joined
  // before this returns (no thread outlives the processor). Must not throw.
  ~ConcurrentProcessor() {
    // FIXME: stop the workers (cancel, close the queue) and make sure every one is joined. Tip:
    // members are destroyed in reverse order of declaration, and a std::jthread's destructor
    // requests stop on its std::stop_token and joins.
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
    // FIXME
    (void)messages;
    (void)stop;
    throw NotImplemented("ConcurrentProcessor::process");
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
    // FIXME
    (void)message;
    (void)stop;
    throw NotImplemented("ConcurrentProcessor::submit");
  }

  // Like submit(), but never waits: std::nullopt when the window is full, or the processor is
  // closed or cancelled. Exceptions: strong guarantee, as submit().
  [[nodiscard]] std::optional<std::size_t> try_submit(const Message& message) {
    // FIXME
    (void)message;
    throw NotImplemented("ConcurrentProcessor::try_submit");
  }

  // The outcome of the oldest job not collected yet, in submission order; waits until it is done.
  // When no job is in flight it waits for a submission, and returns std::nullopt once the
  // processor is closed or cancelled (the end of the stream). Also std::nullopt when stop is
  // requested on `stop` while it waits (nothing is collected then).
  [[nodiscard]] std::optional<Outcome<Result>> collect(std::stop_token stop = {}) {
    // FIXME
    (void)stop;
    throw NotImplemented("ConcurrentProcessor::collect");
  }

  // No more submissions; collect() returns std::nullopt once everything submitted is collected.
  // Wakes every waiting submit() (which returns std::nullopt) and collect(). Again: no effect.
  void close() {
    // FIXME
    throw NotImplemented("ConcurrentProcessor::close");
  }

  // Stops all work: no job starts from now on (jobs already queued get cancelled outcomes),
  // running jobs finish, submissions are refused; collect() still hands out every outcome.
  // Wakes every waiting submit() (which returns std::nullopt) and collect(). Again: no effect.
  void cancel() {
    // FIXME
    throw NotImplemented("ConcurrentProcessor::cancel");
  }

  // Jobs submitted and not collected yet.
  std::size_t in_flight() const {
    // FIXME
    throw NotImplemented("ConcurrentProcessor::in_flight");
  }
  std::size_t workers() const {
    // FIXME
    throw NotImplemented("ConcurrentProcessor::workers");
  }
  std::size_t capacity() const {
    // FIXME
    throw NotImplemented("ConcurrentProcessor::capacity");
  }

 private:
  // FIXME: your members. A plan that works (see HINTS.md):
  //   the work; the window (capacity + workers); a BoundedQueue of jobs {sequence, message,
  //   stop_token}; a std::stop_source for cancel(); one mutex guarding the counters below and
  //   the finished outcomes; two std::condition_variable_any (room in the window / the oldest
  //   job is done); the outcomes waiting to be collected, at sequence % window; the next
  //   sequence to hand out; the oldest sequence not collected; the closed flag; and LAST, the
  //   std::vector<std::jthread> of workers.
};

}  // namespace EDI_IMPL
}  // namespace edi::concurrency
