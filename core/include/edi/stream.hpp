// Reading segments from a file or socket-like source in fixed-size chunks, in bounded memory.
//
//   edi::FileSource file("big.edi");                    // throws std::system_error if it can't open
//   edi::StreamReader reader(file, {.chunk_size = 256 * 1024});
//   edi::RawSegment seg;
//   edi::Errc rc;
//   while ((rc = reader.next(seg)) == edi::Errc::ok) { ... }
//   // rc == Errc::end_of_input, or an input error at reader.error_offset()
//
// Memory: one buffer of `chunk_size` bytes, whatever the size of the input. A segment longer
// than the buffer makes it grow, up to `max_segment_size`; a longer one is Errc::segment_too_long.
//
// Chunk boundaries may fall anywhere, even between a release character and the byte it releases:
// a segment cut by the end of the buffer is tokenized again, from its first byte, once the rest
// has arrived, so no escape state is carried across the cut (this is where the npm parsers
// `edifact` and `ts-edifact` lose an escape).
//
// IMPORTANT: lifetime. The views in a RawSegment point into the reader's buffer: they are valid
// until the next call to `next()` and no longer. Copy what you keep.
//
// Thread-compatible. Read errors of the source propagate as std::system_error.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "edi/tokenizer.hpp"

namespace edi {

// Where bytes come from. `read` fills a prefix of `buffer` and returns how many bytes it wrote;
// 0 means the end of the input. It may return fewer bytes than asked, like a socket.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  [[nodiscard]] virtual std::size_t read(std::span<char> buffer) = 0;
};

// Reads a file with read(2). Not copyable; closes the file when destroyed.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::string& path);  // throws std::system_error
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  [[nodiscard]] std::size_t read(std::span<char> buffer) override;  // throws std::system_error

 private:
  int fd_;
  std::string path_;
};

// Serves an in-memory buffer, at most `max_read` bytes per call: tests use it to put chunk
// boundaries at every position. The buffer must outlive the source.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes, std::size_t max_read = static_cast<std::size_t>(-1)) noexcept
      : bytes_(bytes), max_read_(max_read == 0 ? 1 : max_read) {}
  [[nodiscard]] std::size_t read(std::span<char> buffer) override;

 private:
  std::string_view bytes_;
  std::size_t max_read_;
};

class StreamReader {
 public:
  struct Options {
    std::size_t chunk_size = 256 * 1024;       // the buffer; at least 4 KiB is used
    std::size_t max_segment_size = 16 << 20;   // the buffer never grows beyond this
  };

  explicit StreamReader(ByteSource& source) : StreamReader(source, Options{}) {}
  StreamReader(ByteSource& source, Options options);
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  // As Tokenizer::next: Errc::ok, Errc::end_of_input or an input error (never need_more_input).
  Errc next(RawSegment& out);

  std::size_t error_offset() const noexcept { return error_offset_; }
  const ServiceChars& chars() const noexcept { return state_.chars; }
  const TokenizerState& state() const noexcept;
  std::size_t bytes_read() const noexcept { return bytes_read_; }
  // The largest the buffer has been, in bytes: the reader's memory, independent of input size.
  std::size_t peak_buffer_bytes() const noexcept { return buffer_size_peak_; }

  // Line and column of an absolute offset still in the buffer (the last segment's, typically).
  // REQUIRES: non-decreasing offsets across calls.
  [[nodiscard]] Position locate(std::size_t offset) noexcept;

 private:
  bool refill();

  ByteSource& source_;
  Options options_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t buffer_size_peak_;
  std::size_t begin_ = 0;   // first byte not consumed
  std::size_t end_ = 0;     // one past the last byte read
  std::size_t base_ = 0;    // absolute offset of buffer_[0]
  std::size_t bytes_read_ = 0;
  bool eof_ = false;
  Errc error_ = Errc::ok;
  std::size_t error_offset_ = 0;
  TokenizerState state_;
  Tokenizer tokenizer_;
  bool tokenizer_live_ = false;
  LineCounter lines_;
};

}  // namespace edi
