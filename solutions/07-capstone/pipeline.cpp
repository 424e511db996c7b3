// EXERCISE (the reference): Pipeline::run, the parallel pipeline. See pipeline.hpp for the
// contract and sequential.cpp for what happens to each message.
//
// Threads: the caller reads (MessageSplitter) and hands messages to `workers` threads through a
// WorkQueue; each worker analyses one message at a time and files its result with the
// OrderedMerger, which merges results strictly in sequence order (dedup, then ReportBuilder).
// The InFlightWindow bounds the messages between "the splitter takes a buffer" and "the result is
// merged": the queue, the workers and the results waiting for their turn, all together.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "pipeline.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

namespace {

// Waking a sleeping thread costs a futex call and two context switches, a few microseconds: about
// what analysing a whole message costs. So waiters are woken in batches, when `wake_batch` items
// are ready for them, not for every one (notify_* with nobody waiting is cheap either way).
std::size_t wake_batch(std::size_t capacity) { return std::clamp<std::size_t>(capacity / 4, 1, 16); }

// At most `limit` messages in flight. The reader takes a slot before it reads a message; the
// merger gives it back once the message's result is merged. Thread-safe.
class InFlightWindow {
 public:
  explicit InFlightWindow(std::size_t limit) : limit_(limit), wake_at_(wake_batch(limit)) {}

  // Takes a slot. While all are taken it calls `before_waiting` (the reader wakes the workers
  // for what it queued), tells the observer, and blocks. False once stopped.
  template <class BeforeWaiting>
  bool acquire(PipelineObserver& observer, BeforeWaiting&& before_waiting) {
    std::unique_lock lock(mutex_);
    if (!stopped_ && taken_ < limit_) {
      ++taken_;
      return true;
    }
    if (stopped_) return false;
    lock.unlock();
    before_waiting();
    observer.reader_waiting();  // backpressure: the reader is about to wait for the merger
    lock.lock();
    freed_.wait(lock, [&] { return stopped_ || taken_ < limit_; });
    if (stopped_) return false;
    ++taken_;
    return true;
  }

  void release() {
    bool wake;
    {
      const std::lock_guard lock(mutex_);
      --taken_;
      wake = limit_ - taken_ == wake_at_;  // a batch of slots is free again: worth waking the reader
    }
    if (wake) freed_.notify_one();
  }

  // Wakes the reader for good: the run is being stopped.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    freed_.notify_all();
  }

 private:
  std::mutex mutex_;  // guards taken_ and stopped_
  std::condition_variable freed_;
  const std::size_t limit_;
  const std::size_t wake_at_;
  std::size_t taken_ = 0;
  bool stopped_ = false;
};

// Messages from the reader to the workers: a ring of fixed capacity (no allocation per message).
// The window keeps it from ever filling; it blocks anyway rather than grow. Sleeping workers are
// woken when a batch is queued, or by flush() (the reader is about to wait: for a slot of the
// window, or for input) and close(). After close(), pop() still returns what is queued, then
// false. Thread-safe.
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t capacity) : slots_(capacity), wake_at_(wake_batch(capacity)) {}

  bool push(Message&& message) {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return closed_ || count_ < slots_.size(); });
    if (closed_) return false;
    slots_[(head_ + count_) % slots_.size()] = std::move(message);
    const bool wake = ++count_ == wake_at_;
    lock.unlock();
    if (wake) ready_.notify_all();
    return true;
  }

  // Wakes the workers for whatever is queued, however little.
  void flush() {
    bool any;
    {
      const std::lock_guard lock(mutex_);
      any = count_ > 0;
    }
    if (any) ready_.notify_all();
  }

  bool pop(Message& out) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || count_ > 0; });
    if (count_ == 0) return false;
    out = std::move(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --count_;
    lock.unlock();
    space_.notify_one();
    return true;
  }

  void close() {
    {
      const std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
  }

 private:
  std::mutex mutex_;  // guards everything below
  std::condition_variable ready_;
  std::condition_variable space_;
  std::vector<Message> slots_;
  const std::size_t wake_at_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool closed_ = false;
};

// The caller's source, with the workers woken for what is queued before every read: a read may
// block for as long as the input takes to arrive (a pipe, a socket, a slow disk), and a message
// already queued must not wait for the next ones to make a batch. A read asks for a chunk of the
// splitter's buffer (256 KiB by default, some 300 messages), so this adds at most one wake-up per
// chunk to the batches' one per wake_batch() messages. Thread-compatible: the reader's.
class FlushBeforeRead final : public ByteSource {
 public:
  FlushBeforeRead(ByteSource& source, WorkQueue& queue) noexcept : source_(source), queue_(queue) {}
  std::size_t read(std::span<char> buffer) override {
    queue_.flush();
    return source_.read(buffer);
  }

 private:
  ByteSource& source_;
  WorkQueue& queue_;
};

// Merges results in sequence order, whatever order they arrive in: a result waits in its slot
// until every earlier one is merged. At most `window` messages are in flight, so sequence %
// window never collides. Thread-safe.
//
// Merging (dedup and the builder) takes about a microsecond a message and must happen one at a
// time. Workers do not queue up for it: a worker files its result, and merges only if nobody
// else is merging; one that finds the merger busy leaves its result to it and goes back to work.
// (Under one mutex for everything, workers spent a fifth of their time asleep waiting for it.)
class OrderedMerger {
 public:
  OrderedMerger(std::size_t window, DedupCache& dedup, ReportBuilder& builder, InFlightWindow& in_flight,
                PipelineObserver& observer)
      : slots_(window), dedup_(dedup), builder_(builder), in_flight_(in_flight), observer_(observer) {}

  void complete(MessageResult&& result) {
    {
      const std::lock_guard lock(slots_mutex_);
      slots_[result.sequence % slots_.size()] = std::move(result);
    }
    // Become the merger, or leave: whoever is merging looks at the slots again after it stops.
    bool expected = false;
    while (merging_.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      while (std::optional<MessageResult> next = take_next()) merge(std::move(*next));
      observer_.merging_paused(next_);  // only the merging thread writes next_
      merging_.store(false, std::memory_order_release);
      // A result filed while we merged, by a worker that then left: merge it too.
      const std::lock_guard lock(slots_mutex_);
      if (!ready()) return;
      expected = false;
    }
  }

 private:
  // REQUIRES: slots_mutex_ held.
  bool ready() const {
    const std::optional<MessageResult>& slot = slots_[next_ % slots_.size()];
    return slot.has_value() && slot->sequence == next_;
  }

  // The result whose turn it is, if it is there. REQUIRES: merging_ is ours.
  std::optional<MessageResult> take_next() {
    const std::lock_guard lock(slots_mutex_);
    if (!ready()) return std::nullopt;
    std::optional<MessageResult> next = std::move(slots_[next_ % slots_.size()]);
    slots_[next_ % slots_.size()].reset();
    ++next_;
    return next;
  }

  // REQUIRES: merging_ is ours: one merge at a time, in sequence order.
  void merge(MessageResult&& result) {
    // Dedup here, in message order: the first copy of a retransmitted message is the one that
    // counts, whichever copy a worker finished first.
    if (result.deduplicable && dedup_.seen_before(result.content)) {
      builder_.add_duplicate(result);
    } else {
      builder_.add(std::move(result));
    }
    in_flight_.release();
  }

  std::mutex slots_mutex_;  // guards slots_ and next_
  std::vector<std::optional<MessageResult>> slots_;
  std::uint64_t next_ = 0;
  std::atomic<bool> merging_{false};  // true while a thread merges: it alone uses dedup_ and builder_
  DedupCache& dedup_;
  ReportBuilder& builder_;
  InFlightWindow& in_flight_;
  PipelineObserver& observer_;
};

// The first exception that stops the run. Thread-safe.
class FirstError {
 public:
  void record(std::exception_ptr error) noexcept {
    const std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(error);
    stopped_.store(true, std::memory_order_release);
  }
  bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }
  // REQUIRES: every thread that could record has been joined.
  void rethrow_if_any() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;  // guards error_
  std::exception_ptr error_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Report Pipeline::run(ByteSource& source) {
  PipelineObserver no_observer;
  PipelineObserver& observer = options_.observer != nullptr ? *options_.observer : no_observer;
  const std::size_t window = std::max<std::size_t>(options_.max_in_flight, 1);
  const std::size_t workers = std::max<std::size_t>(options_.workers, 1);

  WorkQueue queue(window);
  FlushBeforeRead input(source, queue);
  MessageSplitter splitter(input, pool_, {options_.chunk_size, options_.max_message_bytes, options_.max_problems});
  DedupCache dedup(options_.dedup_capacity);
  ReportBuilder builder(options_.max_problems);
  InFlightWindow in_flight(window);
  OrderedMerger merger(window, dedup, builder, in_flight, observer);
  FirstError error;
  const auto stop = [&] {
    in_flight.stop();
    queue.close();
  };

  const auto work = [&] {
    try {
      MessageAnalyzer analyzer(partners_);  // per worker: its scratch buffers are reused
      Message message;
      while (queue.pop(message)) {
        if (error.stopped()) continue;  // stopping: drop what is still queued
        const std::uint64_t sequence = message.sequence;
        MessageResult result;
        try {
          observer.before_process(sequence);
          result = analyzer.analyze(message);
        } catch (const std::logic_error&) {
          throw;  // a bug, not bad data: stop the run (below)
        } catch (const std::exception& e) {
          result = MessageResult::failure(message, e.what());  // this message fails, the rest go on
        }
        observer.after_process(sequence);
        message.release();  // back to the pool now: the result may wait for earlier ones
        merger.complete(std::move(result));
      }
    } catch (...) {
      error.record(std::current_exception());
      stop();
    }
  };

  {
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    try {
      for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(work);
      Message message;
      while (in_flight.acquire(observer, [&] { queue.flush(); })) {
        if (!splitter.next(message)) {
          in_flight.release();
          break;
        }
        if (!queue.push(std::move(message))) break;  // stopped by a worker's error
      }
    } catch (...) {
      error.record(std::current_exception());  // a read error: stop the workers, then rethrow
      stop();
    }
    queue.close();  // the workers finish what is queued, then return
  }  // the jthreads join here
  error.rethrow_if_any();
  return builder.finish(splitter.take_summary());
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
