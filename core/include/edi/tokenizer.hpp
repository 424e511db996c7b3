// The zero-copy tokenizer: splits a contiguous buffer into segments without copying or allocating.
//
//   std::string_view input = "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'...";
//   edi::Tokenizer tok(input);
//   edi::RawSegment seg;
//   while (tok.next(seg) == edi::Errc::ok) {
//     // 1st: seg.tag == "UNB", seg.data == "+UNOC:3+A+B+261127:1200+1"
//     // 2nd: seg.tag == "UNH", seg.data == "+1+ORDERS:D:96A:UN"
//   }
//
// What it does with real files (see docs/edifact.md):
// - a UTF-8 byte order mark at the start is skipped;
// - bytes before the first UNA/UNB are skipped as leading junk when the input does not start
//   with a segment (`leading_junk()` says how many);
// - a UNA sets the service characters for everything after it, until the next UNA; UNA itself
//   is consumed, not returned;
// - without a UNA, a UNB declaring syntax version 4 turns on the repetition separator '*';
// - CR, LF, tab and space before a segment tag are skipped (line breaks between segments are not
//   data); inside a segment they are data and stay in `text` and `data`;
// - the release character makes the next byte literal, whatever it is ("??'" is an escaped '?'
//   and then a real terminator).
//
// IMPORTANT: buffer lifetime. `RawSegment::text` and `data` point into the buffer given to the
// tokenizer; they are valid while that buffer is alive and unchanged. `RawSegment::tag` is a copy.
//
// Thread-compatible: one tokenizer per thread; distinct tokenizers may share one buffer.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "edi/error.hpp"
#include "edi/service_chars.hpp"

namespace edi {

// A segment tag, held by value. Line breaks inside it (hard-wrapped files split tags: "AL\nI")
// are dropped and remembered in `had_line_break()`; at most `kCapacity` bytes are kept.
class Tag {
 public:
  static constexpr std::size_t kCapacity = 16;

  constexpr Tag() noexcept = default;
  // Copies `raw`, dropping CR and LF.
  explicit Tag(std::string_view raw) noexcept;

  constexpr std::string_view view() const noexcept { return {chars_.data(), size_}; }
  constexpr operator std::string_view() const noexcept { return view(); }  // NOLINT: a tag reads as text
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr bool had_line_break() const noexcept { return line_break_; }
  // More than kCapacity bytes (after dropping line breaks): never a real tag.
  constexpr bool truncated() const noexcept { return truncated_; }
  // Three characters, an upper-case letter then upper-case letters or digits, as ISO 9735 says.
  bool well_formed() const noexcept;

  friend constexpr bool operator==(const Tag& a, std::string_view b) noexcept { return a.view() == b; }
  friend constexpr bool operator==(const Tag& a, const Tag& b) noexcept { return a.view() == b.view(); }

 private:
  friend class Tokenizer;
  // The tokenizer's fast path: `size` <= kCapacity and 16 bytes readable at `p`.
  void assign_short(const char* p, std::size_t size) noexcept;

  std::array<char, kCapacity> chars_{};
  std::uint8_t size_ = 0;
  bool line_break_ = false;
  bool truncated_ = false;
};

// One segment as it sits in the buffer.
struct RawSegment {
  Tag tag;                 // "NAD"
  std::string_view text;   // "NAD+BY+5412345000013::9": the segment without its terminator, escapes kept
  std::string_view data;   // "+BY+5412345000013::9": after the tag; empty, or starts with the element separator
  std::size_t offset = 0;  // absolute byte offset of text.front() in the input
  ServiceChars chars;      // the service characters in force for this segment
};

// Carried from one buffer to the next by the streaming reader; see StreamReader.
struct TokenizerState {
  ServiceChars chars = ServiceChars::defaults();
  bool una_seen = false;       // an explicit UNA is in force: UNB versions no longer change `chars`
  bool at_start = true;        // nothing consumed yet: BOM and leading junk may follow
  std::size_t una_count = 0;
  std::size_t leading_junk = 0;
  bool bom = false;
  // Only white space so far, consumed while `at_start` (so a reader never holds leading blank
  // lines in its buffer): a BOM can no longer follow.
  bool blank_start = false;
  // Element and component separators of the segments returned so far (tags and UNA excluded).
  std::uint64_t element_separators = 0;
  std::uint64_t component_values = 0;
};

class Tokenizer {
 public:
  // Tokenizes `input`, whose first byte is at absolute offset `base`. When `final` is false the
  // input may continue later: a segment cut by the end of `input` gives Errc::need_more_input
  // instead of an error, and nothing of it is consumed.
  explicit Tokenizer(std::string_view input, TokenizerState state = {}, std::size_t base = 0,
                     bool final = true) noexcept;

  // Deleted: a temporary std::string would die before the segments that point into it.
  // (A template, so that a string literal still picks the string_view constructor.)
  // (S is deduced as std::string or const std::string for rvalues only; lvalues deduce a reference.)
  template <class S>
    requires std::same_as<std::remove_const_t<S>, std::string>
  Tokenizer(S&&, TokenizerState = {}, std::size_t = 0, bool = true) = delete;

  // Produces the next segment. Returns Errc::ok, Errc::end_of_input, Errc::need_more_input
  // (non-final input only), or an input error; after an error `error_offset()` says where, and
  // every later call returns the same error.
  Errc next(RawSegment& out) noexcept;

  // Offset (absolute) of the first byte not consumed yet.
  std::size_t position() const noexcept { return base_ + pos_; }
  std::size_t error_offset() const noexcept { return base_ + error_pos_; }
  const ServiceChars& chars() const noexcept { return state_.chars; }
  const TokenizerState& state() const noexcept { return state_; }
  std::size_t leading_junk() const noexcept { return state_.leading_junk; }

  // Line and column of an absolute offset inside this input.
  // REQUIRES: successive calls pass non-decreasing offsets (see LineCounter).
  [[nodiscard]] Position locate(std::size_t offset) noexcept { return lines_.locate(input_, base_, offset); }

 private:
  void start_of_input() noexcept;
  Errc read_una(std::size_t at) noexcept;
  void after_unb(std::string_view data) noexcept;
  void reset_scanner(std::size_t at) noexcept;
  void skip_space_service_chars() noexcept;
  std::size_t find_terminator(std::size_t from) noexcept;  // npos when none
  Errc fail(Errc code, std::size_t at) noexcept;

  std::string_view input_;
  std::size_t base_;
  bool final_;
  TokenizerState state_;
  std::size_t pos_ = 0;
  std::size_t error_pos_ = 0;
  Errc error_ = Errc::ok;
  LineCounter lines_;

  // The scanner: bit masks of the 64 bytes starting at block_, computed once per block.
  std::size_t block_ = 0;
  bool block_valid_ = false;
  bool space_is_service_ = false;  // CR, LF or tab is a service character (see skip_space_service_chars)
  bool after_segment_work_ = true;  // no UNA yet, or space_is_service_: see the end of next()
  std::uint64_t terminators_ = 0;  // unescaped terminators in the block
  std::uint64_t elements_ = 0;     // unescaped element separators
  std::uint64_t components_ = 0;   // unescaped component and repetition separators
  std::uint64_t escape_carry_ = 0; // 1 when the block ends in an unfinished release
  std::uint64_t elements_before_block_ = 0;    // separators counted in earlier blocks
  std::uint64_t components_before_block_ = 0;
  std::uint64_t elements_at_ = 0;              // running counts at the start of the next segment
  std::uint64_t components_at_ = 0;
};

}  // namespace edi
