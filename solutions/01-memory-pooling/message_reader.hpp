// Lesson 01: the pooled parse path. Reads an interchange one message at a time into pooled
// segments; once the pool is warm, it allocates nothing at all.
//
//   edi::pooling::SegmentPool pool;
//   edi::pooling::PooledMessageReader reader(pool, text);
//   while (reader.next()) {
//     for (const edi::pooling::PooledSegment& seg : reader.segments()) use(*seg);
//     // reader.is_message(): true for UNH..UNT, false for one segment outside messages (UNB, UNZ...)
//   }
//   reader.status();   // Errc::end_of_input, or the input error that ended reading
//
// Units. Each call to next() makes one unit current: a message, from its UNH to its UNT, or a
// single segment outside any message (UNB, UNG, UNE, UNZ, stray segments). A message without UNT
// ends before the next UNH, UNB, UNG, UNE or UNZ, or at the end of the input. Every segment of the
// input is in exactly one unit, in input order; concatenated, the units are what edi::parse_all
// returns (the UNA, which the tokenizer consumes, is in none).
//
// Memory. The segments of the current unit come from the pool; next() gives them all back, the
// last one first, before it reads the next unit. The pool hands out the most recently released
// segment first, so position i of every unit gets the same pooled segment each time (a message
// without UNT shifts that by one for the unit after it): after one pass over an input every
// segment has the capacity its position needs, and a second pass over the same well-formed input
// (reset()) allocates nothing (graded). The unit's handles live in a vector the reader keeps,
// so its capacity stays too.
//
// IMPORTANT: lifetimes. The segments of a unit are valid until the next call to next() or the
// reader's destruction. The pool and the input buffer must outlive the reader.
//
// Errors. An input error of the tokenizer ends reading: the segments before it that belong to
// the unfinished unit are still delivered as a last unit, then next() returns false and status()
// and error_offset() say what and where. A bounded pool that runs dry makes next() throw
// PoolExhausted; the reader may only be destroyed afterwards.
//
// Thread-compatible: one reader per thread, each with its own pool (SegmentPool is not
// thread-safe). Neither copyable nor movable.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "edi/error.hpp"
#include "edi/tokenizer.hpp"
#include "segment_pool.hpp"

namespace edi::pooling {
inline namespace EDI_IMPL {

class PooledMessageReader {
 public:
  PooledMessageReader(SegmentPool& pool, std::string_view interchange);
  // Deleted: a temporary std::string (const or not) dies at the end of the statement, before the
  // segments read from it. (A template, so that a string literal, which lives as long as the
  // program, still picks the string_view constructor, and an lvalue string passes too; a plain
  // std::string&& overload would make a string literal ambiguous and let a const temporary through.)
  // tests/01-memory-pooling/compile_fail.cpp proves both.
  template <class S>
    requires std::same_as<std::remove_const_t<S>, std::string>
  PooledMessageReader(SegmentPool&, S&&) = delete;
  PooledMessageReader(const PooledMessageReader&) = delete;
  PooledMessageReader& operator=(const PooledMessageReader&) = delete;
  // Gives the current unit's segments back.
  ~PooledMessageReader();

  // Gives the current unit back and reads the next one. Returns false when there is none.
  [[nodiscard]] bool next();
  // Gives the current unit back and starts over on another input, keeping the capacity of the
  // reader's list of handles: a reader reused this way allocates nothing once warm.
  void reset(std::string_view interchange);
  // Deleted for a temporary std::string, as the constructor is.
  template <class S>
    requires std::same_as<std::remove_const_t<S>, std::string>
  void reset(S&&) = delete;

  // The current unit, in input order. Valid until the next call to next() or reset().
  std::span<const PooledSegment> segments() const noexcept { return unit_; }
  // True when the current unit is a message (it starts with UNH).
  bool is_message() const noexcept { return in_message_; }

  // Errc::ok while the input lasts; then Errc::end_of_input, or the input error that ended it.
  Errc status() const noexcept { return status_; }
  // Where the input error is (absolute offset), when status() is one.
  std::size_t error_offset() const noexcept { return error_offset_; }

 private:
  // Gives every segment of the current unit back, the last one first.
  void release_unit() noexcept;

  SegmentPool& pool_;
  Tokenizer tokenizer_;
  RawSegment raw_;
  std::vector<PooledSegment> unit_;  // reused: its capacity stays
  PooledSegment carried_;  // a segment that ended an unterminated message: it starts the next unit
  bool in_message_ = false;
  Errc status_ = Errc::ok;
  std::size_t error_offset_ = 0;
};

}  // namespace EDI_IMPL
}  // namespace edi::pooling
