#include "edi/tokenizer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "scan.hpp"

namespace edi {
namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// How far the tokenizer looks for the first UNA/UNB when an input starts with something else.
constexpr std::size_t kJunkWindow = 4096;

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_tag_char(char c) noexcept { return is_upper(c) || (c >= '0' && c <= '9'); }

// Does a UNA make CR, LF or tab a separator or the release character? Then the line breaks skipped
// before a tag are in the masks too, and the scanner must restart at the tag.
constexpr bool has_space_service_char(const ServiceChars& c) noexcept {
  const auto space = [](char x) { return x == '\r' || x == '\n' || x == '\t'; };
  return space(c.component) || space(c.element) || space(c.release) || space(c.repetition);
}

std::uint64_t bits_below(std::size_t n) noexcept {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

// Does `input` at `p` look like a segment (a tag, then a separator, terminator or line break)?
// Returns 1 yes, 0 no, -1 cannot tell yet (the input ends first). Tags are upper case: a mail
// header such as "From: gateway" is junk, not a segment "From" with a component separator.
int looks_like_segment(std::string_view input, std::size_t p) noexcept {
  std::size_t q = p;
  while (q < input.size() && q - p <= Tag::kCapacity && is_tag_char(input[q])) ++q;
  if (q == input.size()) return -1;
  if (q == p || q - p > Tag::kCapacity) return 0;
  const char c = input[q];
  return (c == '+' || c == ':' || c == '\'' || c == '\r' || c == '\n') ? 1 : 0;
}

}  // namespace

Tag::Tag(std::string_view raw) noexcept {
  if (raw.size() <= kCapacity) {
    // The usual case, a short tag on one line: copy it whole.
    bool line_break = false;
    for (const char c : raw) line_break |= (c == '\r') | (c == '\n');
    if (!line_break) {
      std::memcpy(chars_.data(), raw.data(), raw.size());
      size_ = static_cast<std::uint8_t>(raw.size());
      return;
    }
  }
  for (const char c : raw) {
    if (c == '\r' || c == '\n') {
      line_break_ = true;
    } else if (size_ < kCapacity) {
      chars_[size_++] = c;
    } else {
      truncated_ = true;
    }
  }
}

void Tag::assign_short(const char* p, std::size_t size) noexcept {
  // One 16-byte copy and a vector compare for line breaks instead of a byte loop.
  std::memcpy(chars_.data(), p, kCapacity);
  if (detail::has_line_break(p, size)) {
    *this = Tag(std::string_view(p, size));
    return;
  }
  size_ = static_cast<std::uint8_t>(size);
  line_break_ = false;
  truncated_ = false;
}

bool Tag::well_formed() const noexcept {
  if (size_ != 3 || truncated_ || !is_upper(chars_[0])) return false;
  return std::all_of(chars_.begin() + 1, chars_.begin() + 3,
                     [](char c) { return is_upper(c) || (c >= '0' && c <= '9'); });
}

Tokenizer::Tokenizer(std::string_view input, TokenizerState state, std::size_t base, bool final) noexcept
    : input_(input),
      base_(base),
      final_(final),
      state_(state),
      space_is_service_(has_space_service_char(state.chars)),
      after_segment_work_(!state.una_seen || space_is_service_) {}

Errc Tokenizer::fail(Errc code, std::size_t at) noexcept {
  error_ = code;
  error_pos_ = at;
  return code;
}

void Tokenizer::reset_scanner(std::size_t at) noexcept {
  block_ = at;
  block_valid_ = false;
  escape_carry_ = 0;
  elements_before_block_ = components_before_block_ = 0;
  elements_at_ = components_at_ = 0;
}

// Returns the offset (relative to input_) of the first unescaped terminator at or after `from`.
// Blocks are loaded forward only; `from` is never before the current block.
std::size_t Tokenizer::find_terminator(std::size_t from) noexcept {
  // Most segments end in the block already classified: answer from its mask first.
  if (block_valid_) {
    const std::uint64_t ahead = from > block_ ? ~bits_below(from - block_) : ~std::uint64_t{0};
    const std::uint64_t hits = terminators_ & ahead;
    if (hits != 0) return block_ + static_cast<std::size_t>(std::countr_zero(hits));
  }
  // Otherwise classify blocks until a terminator turns up. The comparison vectors are built here,
  // once per call that needs new blocks, not once per segment.
  const ServiceChars& c = state_.chars;
  const detail::Classifier classifier(detail::ScanChars{c.terminator, c.release, c.element, c.component,
                                                        c.has_repetition() ? c.repetition : c.component});
  for (;;) {
    if (block_valid_) {
      const std::uint64_t ahead = from > block_ ? ~bits_below(from - block_) : ~std::uint64_t{0};
      const std::uint64_t hits = terminators_ & ahead;
      if (hits != 0) return block_ + static_cast<std::size_t>(std::countr_zero(hits));
      if (block_ + detail::kBlock >= input_.size()) return npos;
      elements_before_block_ += static_cast<std::uint64_t>(std::popcount(elements_));
      components_before_block_ += static_cast<std::uint64_t>(std::popcount(components_));
      block_ += detail::kBlock;
    }
    // Classify the 64 bytes at block_; a short last block is copied into a zero-padded buffer
    // so the vector loads never read past the input.
    detail::BlockMasks m;
    const std::size_t left = input_.size() - block_;
    if (left >= detail::kBlock) {
      m = classifier.classify(input_.data() + block_);
    } else {
      char padded[detail::kBlock] = {};
      std::memcpy(padded, input_.data() + block_, left);
      m = classifier.classify(padded);
      const std::uint64_t valid = bits_below(left);
      m.terminator &= valid;
      m.release &= valid;
      m.element &= valid;
      m.component &= valid;
    }
    if (!c.has_release()) m.release = 0;
    const std::uint64_t escaped = detail::escaped_bytes(m.release, escape_carry_);
    terminators_ = m.terminator & ~escaped;
    elements_ = m.element & ~escaped;
    components_ = m.component & ~escaped;
    block_valid_ = true;
  }
}

void Tokenizer::start_of_input() noexcept {
  // Decides where the first segment starts: after a BOM, and after leading junk when the input
  // does not begin with a segment. Leaves pos_ at 0 (and at_start set) when it cannot tell yet.
  std::size_t p = 0;
  if (state_.blank_start) {
    // Leading white space was consumed by an earlier buffer: no BOM here.
  } else if (input_.substr(0, 3) == kBom) {
    p = 3;
    state_.bom = true;
  } else if (!final_ && input_.size() < 3 && kBom.substr(0, input_.size()) == input_) {
    return;
  }
  while (p < input_.size() && is_space(input_[p])) ++p;
  if (p == input_.size() && p > 0 && !final_) {
    // Nothing but (a BOM and) white space yet: consume it, so that blank lines of any length
    // before the first segment never count toward the reader's segment limit.
    pos_ = p;
    state_.blank_start = true;
    return;
  }
  const int looks = looks_like_segment(input_, p);
  if (looks < 0 && !final_) return;
  if (looks <= 0) {
    const std::string_view window = input_.substr(p, kJunkWindow);
    std::size_t found = npos;
    // "UNA" or "UNB" followed by a separator, not by more letters ("UNBelievable" is junk too).
    const auto word_char = [](char ch) { return is_tag_char(ch) || (ch >= 'a' && ch <= 'z'); };
    for (std::size_t i = window.find("UN"); i != npos && i + 3 < window.size(); i = window.find("UN", i + 1)) {
      if ((window[i + 2] == 'A' || window[i + 2] == 'B') && !word_char(window[i + 3])) {
        found = i;
        break;
      }
    }
    if (found == npos && !final_ && window.size() < kJunkWindow) return;
    if (found != npos) {
      state_.leading_junk = found;
      p += found;
    }
  }
  pos_ = p;
  state_.at_start = false;
  reset_scanner(pos_);
}

Errc Tokenizer::read_una(std::size_t at) noexcept {
  if (input_.size() - at < kUnaSize) {
    if (!final_) return Errc::need_more_input;
    return fail(Errc::truncated_una, at);
  }
  ServiceChars chars;
  if (const Errc rc = parse_una(input_.substr(at, kUnaSize), chars); rc != Errc::ok) return fail(rc, at);
  state_.chars = chars;
  state_.una_seen = true;
  space_is_service_ = has_space_service_char(chars);
  after_segment_work_ = space_is_service_;
  ++state_.una_count;
  pos_ = at + kUnaSize;
  reset_scanner(pos_);
  return Errc::ok;
}

void Tokenizer::after_unb(std::string_view data) noexcept {
  // Without an explicit UNA the syntax version in UNB (element 1, component 2) picks the
  // repetition separator: '*' from version 4 on, none before. The version is read as
  // parse_segment reads it: released bytes are literal, and only the first repetition counts.
  const ServiceChars& c = state_.chars;
  std::size_t i = 1;  // data[0] opens element 1
  for (; i < data.size(); ++i) {
    const char b = data[i];
    if (c.has_release() && b == c.release) {
      ++i;
    } else if (b == c.component) {
      break;
    } else if (b == c.element || (c.has_repetition() && b == c.repetition)) {
      return;
    }
  }
  if (++i >= data.size()) return;
  char version = data[i];
  if (c.has_release() && version == c.release) version = i + 1 < data.size() ? data[i + 1] : '\0';
  if (version < '1' || version > '9') return;
  const ServiceChars wanted = ServiceChars::defaults(version - '0');
  if (wanted.repetition != c.repetition) {
    state_.chars.repetition = wanted.repetition;
    reset_scanner(pos_);  // the masks after this point were computed with the old separator
  }
}

// A UNA made CR, LF or tab a service character. The masks see every byte, so the line breaks
// skipped before a tag would count as separators (or release the tag's first byte): skip them
// here and start the scanner at the tag.
void Tokenizer::skip_space_service_chars() noexcept {
  std::size_t p = pos_;
  while (p < input_.size() && is_space(input_[p])) ++p;
  if (p != pos_) {
    pos_ = p;
    block_valid_ = false;
  }
}

Errc Tokenizer::next(RawSegment& out) noexcept {
  if (error_ != Errc::ok) return error_;
  if (state_.at_start) {
    start_of_input();
    if (state_.at_start) return Errc::need_more_input;
  }
  const std::size_t n = input_.size();
  for (;;) {
    std::size_t p = pos_;
    while (p < n && is_space(input_[p])) ++p;
    if (p == n) {
      pos_ = p;
      return final_ ? Errc::end_of_input : Errc::need_more_input;
    }
    if (input_[p] == 'U' && input_.compare(p, 3, "UNA") == 0) {
      if (const Errc rc = read_una(p); rc != Errc::ok) return rc;
      continue;
    }
    if (!block_valid_ || p >= block_ + detail::kBlock) reset_scanner(p);

    const std::size_t t = find_terminator(p);
    if (t == npos) {
      if (!final_) {
        // Consume the line breaks before the cut segment: the reader then keeps (and limits, and
        // reports) the segment from its first byte.
        pos_ = p;
        return Errc::need_more_input;
      }
      // Unterminated: blame a final odd run of release characters if there is one.
      std::size_t run = 0;
      const ServiceChars& c = state_.chars;
      while (c.has_release() && run < n - p && input_[n - 1 - run] == c.release) ++run;
      if (run % 2 == 1) return fail(Errc::release_at_end, n - 1);
      return fail(Errc::unterminated_segment, p);
    }

    // Separator counts of [p, t): running count at t minus running count at p.
    const auto count_at = [&](std::size_t at, std::uint64_t mask, std::uint64_t before) {
      return before + static_cast<std::uint64_t>(std::popcount(mask & bits_below(at - block_)));
    };
    const std::uint64_t elements_end = count_at(t, elements_, elements_before_block_);
    const std::uint64_t components_end = count_at(t, components_, components_before_block_);

    // The tag runs to the first unescaped element separator. When the segment starts in the block
    // the masks describe (most do), the element mask gives it; otherwise walk the bytes.
    const ServiceChars& c = state_.chars;
    const char* bytes = input_.data();
    std::size_t q = p;
    std::uint64_t tag_components = 0;
    if (p >= block_) {
      const std::uint64_t from_p = ~bits_below(p - block_);
      const std::uint64_t first = elements_ & from_p;
      q = first != 0 ? std::min(t, block_ + static_cast<std::size_t>(std::countr_zero(first))) : t;
      tag_components = static_cast<std::uint64_t>(std::popcount(components_ & from_p & bits_below(q - block_)));
    } else {
      while (q < t && bytes[q] != c.element) {
        const char b = bytes[q];
        if (b == c.release && c.has_release()) {
          q += 2;
          continue;
        }
        if (b == c.component || (c.has_repetition() && b == c.repetition)) ++tag_components;
        ++q;
      }
      q = std::min(q, t);
    }

    // p <= q <= t < n: the views are built without substr's bounds checks.
    if (q - p <= Tag::kCapacity && n - p >= Tag::kCapacity) {
      out.tag.assign_short(bytes + p, q - p);
    } else {
      out.tag = Tag(std::string_view(bytes + p, q - p));
    }
    out.text = std::string_view(bytes + p, t - p);
    out.data = std::string_view(bytes + q, t - q);
    out.offset = base_ + p;
    out.chars = c;

    const std::uint64_t elements = elements_end - elements_at_;
    state_.element_separators += elements;
    state_.component_values += elements + (components_end - components_at_) - tag_components;
    elements_at_ = elements_end;
    components_at_ = components_end;
    pos_ = t + 1;

    if (after_segment_work_) [[unlikely]] {
      // Without a UNA, a UNB may change the repetition separator. With a UNA that makes CR, LF or
      // tab a service character, the line breaks before the next tag are skipped here.
      if (!state_.una_seen && out.tag == "UNB") after_unb(out.data);
      if (space_is_service_) skip_space_service_chars();
    }
    return Errc::ok;
  }
}

}  // namespace edi
