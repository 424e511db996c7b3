#include "edi/stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace edi {

FileSource::FileSource(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), path_(path) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path);
}

FileSource::~FileSource() { ::close(fd_); }

std::size_t FileSource::read(std::span<char> buffer) {
  for (;;) {
    const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "cannot read " + path_);
  }
}

std::size_t MemorySource::read(std::span<char> buffer) {
  const std::size_t n = std::min({buffer.size(), bytes_.size(), max_read_});
  std::memcpy(buffer.data(), bytes_.data(), n);
  bytes_.remove_prefix(n);
  return n;
}

namespace {
constexpr std::size_t kMinChunk = 4096;  // the tokenizer looks this far for leading junk
}

StreamReader::StreamReader(ByteSource& source, Options options)
    : source_(source),
      options_(options),
      capacity_(std::max(options.chunk_size, kMinChunk)),
      buffer_size_peak_(capacity_),
      tokenizer_(std::string_view{}) {
  options_.max_segment_size = std::max(options_.max_segment_size, capacity_);
  buffer_ = std::make_unique<char[]>(capacity_);
}

const TokenizerState& StreamReader::state() const noexcept {
  return tokenizer_live_ ? tokenizer_.state() : state_;
}

Position StreamReader::locate(std::size_t offset) noexcept {
  return lines_.locate(std::string_view(buffer_.get(), end_), base_, offset);
}

// Moves the unconsumed bytes to the front, grows the buffer if they fill it, and reads more.
// Returns false at the end of the input.
bool StreamReader::refill() {
  if (begin_ > 0) {
    // Bytes before begin_ leave the buffer: count their line breaks first.
    lines_.locate(std::string_view(buffer_.get(), end_), base_, base_ + begin_);
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    base_ += begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    if (capacity_ >= options_.max_segment_size) return false;
    const std::size_t grown = std::min(capacity_ * 2, options_.max_segment_size);
    auto bigger = std::make_unique<char[]>(grown);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
    buffer_size_peak_ = std::max(buffer_size_peak_, capacity_);
  }
  const std::size_t n = source_.read(std::span<char>(buffer_.get() + end_, capacity_ - end_));
  end_ += n;
  bytes_read_ += n;
  if (n == 0) eof_ = true;
  return true;
}

Errc StreamReader::next(RawSegment& out) {
  if (error_ != Errc::ok) return error_;
  for (;;) {
    if (tokenizer_live_) {
      const Errc rc = tokenizer_.next(out);
      if (rc != Errc::need_more_input) {
        if (rc != Errc::ok && rc != Errc::end_of_input) {
          error_ = rc;
          error_offset_ = tokenizer_.error_offset();
        }
        return rc;
      }
      // The buffer ends inside a segment: keep what is unconsumed and read on.
      begin_ = tokenizer_.position() - base_;
      state_ = tokenizer_.state();
      tokenizer_live_ = false;
    }
    if (eof_) {
      // Whatever is left was already seen as final input by the tokenizer.
      return Errc::end_of_input;
    }
    if (!refill()) {
      error_ = Errc::segment_too_long;
      error_offset_ = base_ + begin_;
      return error_;
    }
    tokenizer_ = Tokenizer(std::string_view(buffer_.get() + begin_, end_ - begin_), state_, base_ + begin_, eof_);
    tokenizer_live_ = true;
  }
}

}  // namespace edi
