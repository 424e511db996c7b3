// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
//
// From a byte stream to whole messages: the MessageSplitter reads with edi::StreamReader (one
// buffer, bounded memory, whatever the input size) and copies each message's bytes into a buffer
// borrowed from a BufferPool, so the message can go to another thread.
//
//   edi::FileSource file("big.edi");
//   edi::capstone::BufferPool pool;
//   edi::capstone::MessageSplitter splitter(file, pool, {.chunk_size = 256 << 10});
//   edi::capstone::Message message;
//   while (splitter.next(message)) {
//     message.sequence;   // 0, 1, 2, ... in input order
//     message.text();     // "UNH+1+ORDERS:D:96A:UN'\nBGM+220+PO1+9'\n...UNT+12+1'"
//     message.release();  // the buffer goes back to the pool (the destructor does it too)
//   }
//   splitter.summary();   // interchanges, segments, envelope problems, how reading ended
//
// Why copy at all: the views of an edi::RawSegment point into the reader's buffer and die at the
// reader's next next(); a message's segments may even span two fills of that buffer. A worker
// on another thread needs bytes that stay put: one copy per message, into a recycled buffer, is
// the price of handing messages over, and the pool makes it allocation-free once warm.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "edi/segment.hpp"
#include "edi/stream.hpp"
#include "report.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

// A 128-bit hash of a message's bytes: the key of the DedupCache, which takes equal hashes for
// equal bytes without comparing them (the bytes are back in the pool by the time a message is
// merged; keeping them for every remembered hash would cost up to dedup_capacity times
// max_message_bytes). For messages nobody chose to collide, two different ones get the same hash
// with probability about 2^-128 per pair. But the hash is not cryptographic: it has no secret key
// and each of its rounds can be inverted, so two different messages with the same hash can be
// built on purpose, and the second of them is then counted as a retransmission of the first and
// dropped. Where senders may be hostile, key the hash (SipHash with a secret per-run key) or keep
// the bytes and compare them on a hit.
struct ContentHash {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  friend bool operator==(const ContentHash&, const ContentHash&) = default;
};

[[nodiscard]] ContentHash content_hash(std::string_view bytes) noexcept;

// For std::unordered_map<ContentHash, ...>: the low half is already well mixed.
struct ContentHashHasher {
  std::size_t operator()(const ContentHash& h) const noexcept { return static_cast<std::size_t>(h.low); }
};

class BufferPool;

// One message, its bytes in a pooled buffer. Move-only; the buffer goes back to its pool when the
// message is destroyed, moved over, or release()d.
//
// Thread-compatible: one thread at a time (the splitter fills it, a worker reads it).
class Message {
 public:
  Message() = default;
  Message(Message&& other) noexcept;
  Message& operator=(Message&& other) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message() { release(); }

  std::uint64_t sequence = 0;   // 0, 1, 2, ... in input order: the order results are merged in
  std::uint64_t offset = 0;     // absolute offset of the UNH
  std::uint64_t size = 0;       // bytes in the input from the UNH to the end of its last segment
  ServiceChars chars;           // the service characters in force: tokenize text() with these
  bool complete = false;        // ended by its UNT (else the next UNH, UNB..., or the input ended)
  bool too_long = false;        // size > the splitter's max_message_bytes: text() is only the start
  std::string sender;           // the interchange's UNB sender GLN (qualifier 14, valid), or empty
  std::string recipient;        // the UNB recipient GLN, or empty

  // The message's segments with their terminators, at the same offsets as in the input (so
  // text()[k] is input byte offset + k): the line breaks between segments are written as '\n'.
  // Valid until the message is released, moved from or destroyed.
  std::string_view text() const noexcept { return buffer_; }

  // Gives the buffer back to the pool now (text() is empty afterwards). Idempotent.
  void release() noexcept;

 private:
  friend class MessageSplitter;
  std::string buffer_;
  BufferPool* pool_ = nullptr;     // where buffer_ came from; null when it holds none
  std::uint64_t counted_ = 0;      // bytes added to the pool's bytes_in_use for this message
};

// Recycles message buffers (their capacity is kept, so a warm pool allocates nothing), and
// counts what is out: the instrumented measure of how much message data a pipeline holds.
//
// Thread-safe: acquire on the reader, release on the workers.
class BufferPool {
 public:
  // Keeps at most `max_idle` returned buffers for reuse; more are freed.
  explicit BufferPool(std::size_t max_idle = 256) : max_idle_(max_idle) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Buffers handed out and not back yet, now and at most (since construction or reset_peaks).
  std::size_t in_use() const noexcept { return in_use_.load(std::memory_order_relaxed); }
  std::size_t peak_in_use() const noexcept { return peak_in_use_.load(std::memory_order_relaxed); }
  // Bytes of finished messages in buffers that are out, now and at most.
  std::uint64_t bytes_in_use() const noexcept { return bytes_in_use_.load(std::memory_order_relaxed); }
  std::uint64_t peak_bytes_in_use() const noexcept { return peak_bytes_.load(std::memory_order_relaxed); }
  // Buffers that had to be created because none was idle: flat once the pool is warm.
  std::uint64_t buffers_created() const noexcept { return created_.load(std::memory_order_relaxed); }
  void reset_peaks() noexcept;

 private:
  friend class MessageSplitter;
  friend class Message;
  std::string acquire();                                       // empty, capacity kept
  void count_bytes(std::uint64_t bytes) noexcept;              // a message was finished
  void give_back(std::string&& buffer, std::uint64_t counted) noexcept;

  std::size_t max_idle_;
  std::mutex mutex_;                 // guards idle_
  std::vector<std::string> idle_;
  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::size_t> peak_in_use_{0};
  std::atomic<std::uint64_t> bytes_in_use_{0};
  std::atomic<std::uint64_t> peak_bytes_{0};
  std::atomic<std::uint64_t> created_{0};
};

// What the splitter saw of the envelope: counts, and the problems that are not inside a message.
struct EnvelopeSummary {
  std::uint64_t bytes = 0;          // as Report::bytes
  std::uint64_t interchanges = 0;
  std::uint64_t segments = 0;
  std::uint64_t messages = 0;       // handed out by next()
  std::vector<Problem> problems;    // the first max_problems, in input order
  std::uint64_t errors = 0;         // all of them, also beyond `problems`
  std::uint64_t warnings = 0;
  Errc input = Errc::end_of_input;
};

// Splits a byte stream into messages. A message runs from its UNH to its UNT; one that is not
// closed by a UNT (the next UNH, UNB, UNG, UNE or UNZ comes first, the service characters change,
// or the input ends) is handed out with complete == false. Envelope checks (UNZ and UNE counts
// and references, segments outside messages, leading junk, input errors) go to summary().
//
// Memory: the reader's buffer (chunk_size, more only for longer segments) and the message being
// filled (at most max_message_bytes; the rest of a longer message is read but not kept).
//
// Thread-compatible: one thread calls next().
class MessageSplitter {
 public:
  struct Options {
    std::size_t chunk_size = 256 << 10;       // edi::StreamReader's buffer
    std::size_t max_message_bytes = 1 << 20;  // longer messages are handed out with too_long
    std::size_t max_problems = 1000;          // envelope problems kept (all are counted)
  };

  MessageSplitter(ByteSource& source, BufferPool& pool, Options options);
  MessageSplitter(const MessageSplitter&) = delete;
  MessageSplitter& operator=(const MessageSplitter&) = delete;

  // Fills `out` with the next message (releasing what `out` held) and returns true; returns false
  // once the input is exhausted or reading failed (summary() is then complete). Read errors of
  // the source propagate as exceptions (std::system_error from edi::FileSource).
  [[nodiscard]] bool next(Message& out);

  const EnvelopeSummary& summary() const noexcept { return summary_; }
  EnvelopeSummary take_summary() noexcept { return std::move(summary_); }
  // The largest the reader's buffer has been, in bytes.
  std::size_t reader_peak_bytes() const noexcept { return reader_.peak_buffer_bytes(); }

 private:
  void count_segment();
  void envelope_segment(const RawSegment& seg);
  void open_message(const RawSegment& seg);
  void append(const RawSegment& seg);
  void seal(bool complete, Message& out);
  void finish(Errc rc);
  void problem(std::uint64_t offset, Severity severity, std::string code, std::string text);
  void check_count(const char* code, const std::string& declared, std::uint64_t expected, const char* tag,
                   const char* noun, const char* holder, std::uint64_t offset);

  StreamReader reader_;
  BufferPool& pool_;
  Options options_;
  EnvelopeSummary summary_;
  Segment parsed_;                   // envelope segments, parsed (reused)

  bool interchange_open_ = false;
  std::string interchange_ref_;
  std::uint64_t interchange_messages_ = 0;
  std::uint64_t interchange_groups_ = 0;
  std::string sender_, recipient_;
  bool group_open_ = false;
  std::string group_ref_;
  std::uint64_t group_messages_ = 0;
  bool outside_reported_ = false;    // a run of segments outside messages was reported
  bool junk_checked_ = false;

  bool message_open_ = false;
  Message current_;
  bool has_pending_ = false;         // a segment that closed the previous message, not handled yet
  RawSegment pending_;               // its views are valid: the reader has not been called since
  bool done_ = false;
};

namespace detail {
// Shared by the splitter (message.cpp) and the analysis (analysis.cpp) for their problem texts.
// An envelope value without the line breaks a hard-wrapped file puts into it.
std::string clean(std::string_view value);
// The value between single quotes.
std::string quoted(std::string_view value);
}  // namespace detail

}  // namespace EDI_IMPL
}  // namespace edi::capstone
