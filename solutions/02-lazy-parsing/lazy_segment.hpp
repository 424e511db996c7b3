// Lesson 02: a lazy, zero-copy view of one segment. Nothing is split, copied or unescaped until
// it is asked for, and then only the part that was asked for.
//
//   edi::Tokenizer tok(text);
//   edi::RawSegment raw;
//   while (tok.next(raw) == edi::Errc::ok) {
//     if (raw.tag != "NAD") continue;            // most segments are never looked at again
//     edi::lazy::LazySegment nad(raw);           // NAD+BY+5412345000013::9++Dunmore ?& Sons
//     nad.element_count();                       // 4
//     nad.component(1, 0);                       // "5412345000013", a view into `text`
//     nad.component(1, 2);                       // "9"
//     nad.component(3, 0);                       // "Dunmore ?& Sons" (raw: the escape is kept)
//     nad.unescaped_string(3, 0);                // "Dunmore & Sons"
//     nad.component(7, 0);                       // "" (out of range reads as empty)
//     for (edi::lazy::LazyElement e : nad.elements()) { ... }  // one pass over the bytes
//   }
//
// Syntax 4 repetitions, in "ALI+DE*NL*FR" (repetition separator '*'):
//   ali.element(0).repetition_count();           // 3
//   ali.element(0).repetition(2).raw();          // "FR"
//   ali.component(0, 0, 1);                      // "NL": element 0, component 0, repetition 1
//
// The model is edi::Segment's (edi/segment.hpp), so the two agree value for value: a segment
// without data ("DTM") has no elements; a present element has at least one repetition and every
// repetition at least one component ("NAD+BY++9": element 1 is one empty component);
// component(e, c) reads repetition 0.
//
// Out of range: nothing throws and nothing is undefined. An element, repetition or component
// index past the end reads as an empty view, its counts are 0, and LazyElement::present() is
// false. That is what edi::Segment does, and what EDIFACT means: omitted trailing elements and
// empty ones are the same thing. Compare the index with a count when absent and empty must differ.
//
// IMPORTANT: lifetime. Every view these classes return points into the input buffer the segment
// came from, never into a LazySegment or LazyElement; the one exception is tag(), which the
// segment holds by value. The views are valid while that buffer is alive and unchanged; the
// LazySegment and LazyElement objects themselves may be copied, destroyed or outlived freely.
// The compiler rejects the two misuses it can see (tests/02-lazy-parsing/compile_fail.cpp):
//   edi::lazy::LazySegment seg(std::string("BGM+220"));        // the string dies at the ';'
//   std::string_view tag = edi::lazy::LazySegment(raw).tag();  // the segment dies at the ';'
// It cannot see a buffer that dies later (a local string behind a returned view). ASan can:
// lessons/02-lazy-parsing/README.md shows its report.
//
// Thread-safety: LazySegment, LazyElement and PartRange are immutable values; any number of
// threads may read one at once (and the buffer under them, which nothing here writes). A Splitter
// and a PartRange iterator advance as they are used: one thread each. None of these classes
// throws or allocates, except the unescaping into a std::string (unescape(raw, chars, scratch),
// unescaped(), unescaped_string()), which may allocate.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "edi/service_chars.hpp"
#include "edi/tokenizer.hpp"

namespace edi::lazy {
// The build names this namespace after the implementation (exercises or solutions), so one
// benchmark binary can hold your code and the reference side by side. Leave it as it is.
inline namespace EDI_IMPL {

// The first `separator` at or after `from` in `raw` that no release character makes literal;
// raw.size() when there is none. A byte is released when an odd run of release characters ends
// right before it: in "a??+b" the '+' separates, in "a?+b" and "a???+b" it does not. Without a
// release character (chars.has_release() false) every `separator` counts.
//   find_separator("BY+5412345000013::9", '+', chars)     // 2
//   find_separator("50?+ cartons+x", '+', chars)          // 12
// REQUIRES: `raw` starts on a boundary (a segment's data, an element, a repetition), not right
// after a release character.
// (Inline, as Splitter::next below: they run once per value, and a call into another file
// would make the compiler spill every iterator and view to memory around it.)
inline std::size_t find_separator(std::string_view raw, char separator, const ServiceChars& chars,
                                  std::size_t from = 0) {
  const char* const bytes = raw.data();
  const std::size_t size = raw.size();
  while (from < size) {
    // memchr looks at 16 or 32 bytes per step; most candidates it finds are real separators.
    const void* hit = std::memchr(bytes + from, separator, size - from);
    if (hit == nullptr) break;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes);
    if (!chars.has_release()) return at;
    // Released or not? Count the run of release characters right before it: odd releases it.
    // Looking back means the scan forward never tracks escape state, so it can jump.
    std::size_t run = 0;
    while (run < at && bytes[at - 1 - run] == chars.release) ++run;
    if (run % 2 == 0) return at;
    from = at + 1;  // a released separator is data: look further
  }
  return size;
}

// Cuts `raw` into its parts between unescaped separators, one part per call of next(): a walk
// over all parts reads each byte once. "a:b?:c:" cut on ':' gives "a", "b?:c", "". An empty
// `raw` is one empty part; a default-constructed Splitter has no parts.
class Splitter {
 public:
  Splitter() noexcept = default;
  // `split` false makes `raw` one part whatever it holds (a repetition separator not in use).
  Splitter(std::string_view raw, char separator, const ServiceChars& chars, bool split = true) noexcept
      : rest_(raw), separator_(separator), chars_(chars), split_(split), more_(true) {}

  // Sets `part` to the next part and returns true; returns false once every part was given.
  [[nodiscard]] bool next(std::string_view& part) {
    if (!more_) return false;
    const std::size_t end = split_ ? find_separator(rest_, separator_, chars_) : rest_.size();
    part = rest_.substr(0, end);
    more_ = end < rest_.size();  // a separator ends this part, so another (maybe empty) follows
    rest_ = more_ ? rest_.substr(end + 1) : std::string_view{};
    return true;
  }

  ServiceChars chars() const noexcept { return chars_; }

 private:
  std::string_view rest_;  // what follows the last part given out
  char separator_ = '\0';
  ServiceChars chars_;
  bool split_ = false;
  bool more_ = false;      // a part is left (possibly an empty one)
};

// A range over the parts of a Splitter, as `Part` values (std::string_view for components,
// LazyElement for elements and repetitions): `for (LazyElement e : seg.elements())`.
// Each part is found when the iterator reaches it, never before.
template <class Part>
class PartRange {
 public:
  PartRange() noexcept = default;  // no parts
  explicit PartRange(const Splitter& splitter) noexcept : splitter_(splitter) {}

  class iterator {
   public:
    using value_type = Part;
    using difference_type = std::ptrdiff_t;

    iterator() noexcept = default;
    Part operator*() const { return make(part_, splitter_.chars()); }
    iterator& operator++() {
      done_ = !splitter_.next(part_);
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return it.done_; }

   private:
    friend class PartRange;
    explicit iterator(const Splitter& splitter) : splitter_(splitter) { ++*this; }

    Splitter splitter_;
    std::string_view part_;
    bool done_ = true;
  };

  iterator begin() const { return iterator(splitter_); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  static Part make(std::string_view part, const ServiceChars& chars) {
    if constexpr (std::is_same_v<Part, std::string_view>) {
      return part;
    } else {
      return Part(part, chars);
    }
  }

  Splitter splitter_;
};

// One element of a segment, or one repetition of an element: its bytes in the input, escapes and
// separators kept. Cheap to copy (a view and the service characters).
class LazyElement {
 public:
  // An absent element: no repetitions, no components, an empty raw().
  LazyElement() noexcept = default;

  // False for an element (or repetition) past the end of its segment (or element).
  bool present() const noexcept { return present_; }
  // "5412345000013::9", escapes kept; empty when absent. Points into the input buffer.
  std::string_view raw() const noexcept { return raw_; }
  ServiceChars chars() const noexcept { return chars_; }

  // 1 + the unescaped repetition separators (syntax 4); 1 when the segment's service characters
  // have no repetition separator; 0 when absent.
  [[nodiscard]] std::size_t repetition_count() const;
  // Repetition `r` as an element with one repetition; absent when r >= repetition_count().
  [[nodiscard]] LazyElement repetition(std::size_t r) const;
  // 1 + the unescaped component separators of repetition `r`; 0 when it is absent.
  [[nodiscard]] std::size_t component_count(std::size_t r = 0) const;
  // Component `c` of repetition `r`, raw (escapes kept); empty when out of range.
  [[nodiscard]] std::string_view component(std::size_t c, std::size_t r = 0) const;

  // The repetitions in order; none when absent.
  PartRange<LazyElement> repetitions() const noexcept {
    if (!present_) return {};
    return PartRange<LazyElement>(Splitter(raw_, chars_.repetition, chars_, chars_.has_repetition()));
  }
  // The components of repetition `r` in order, raw; none when it is absent.
  PartRange<std::string_view> components(std::size_t r = 0) const {
    const LazyElement rep = repetition(r);
    if (!rep.present_) return {};
    return PartRange<std::string_view>(Splitter(rep.raw_, chars_.component, chars_));
  }

 private:
  friend class LazySegment;
  template <class>
  friend class PartRange;
  LazyElement(std::string_view raw, const ServiceChars& chars) noexcept : raw_(raw), chars_(chars), present_(true) {}

  std::string_view raw_;
  ServiceChars chars_;
  bool present_ = false;
};

// A view of one segment: its tag (held by value) and its data (a view into the input buffer).
// Constructing one does no work beyond copying a few words; each accessor scans only as far as
// the part it returns.
class LazySegment {
 public:
  // No tag, no elements.
  LazySegment() noexcept = default;

  // A segment from the tokenizer: copies the tag, the data view and the service characters.
  explicit LazySegment(const RawSegment& raw) noexcept : tag_(raw.tag), data_(raw.data), chars_(raw.chars) {}

  // A segment from its text without the terminator: "NAD+BY+5412345000013::9". The tag runs to
  // the first unescaped element separator (line breaks dropped from it, as the tokenizer does).
  // `text` must outlive every view taken from this segment.
  explicit LazySegment(std::string_view text, const ServiceChars& chars = ServiceChars::defaults());

  // Deleted: a temporary std::string dies at the end of the statement, before the views into it
  // are read. (A template so that a string literal still picks the string_view constructor; it
  // catches `const std::string` temporaries too, and lets lvalue strings through.)
  template <class S>
    requires std::same_as<std::remove_const_t<S>, std::string>
  LazySegment(S&&, const ServiceChars& = ServiceChars::defaults()) = delete;

  // The tag, a view into this object. Deleted on a temporary segment, whose tag would dangle
  // as soon as the statement ends: keep the LazySegment in a variable (or use RawSegment::tag).
  std::string_view tag() const& noexcept { return tag_.view(); }
  std::string_view tag() const&& = delete;

  // What follows the tag, raw: empty, or starting with the element separator.
  std::string_view data() const noexcept { return data_; }
  ServiceChars chars() const noexcept { return chars_; }

  // 0 when the segment has no data ("DTM"), else 1 + its unescaped element separators after
  // the first ("NAD+BY++++" has 5).
  [[nodiscard]] std::size_t element_count() const;
  // Element `e`; absent (present() false) when e >= element_count().
  [[nodiscard]] LazyElement element(std::size_t e) const;
  // Component `c` of repetition `r` of element `e`, raw; empty when any index is out of range.
  [[nodiscard]] std::string_view component(std::size_t e, std::size_t c, std::size_t r = 0) const;

  // The elements in order, each found from where the previous one ended.
  PartRange<LazyElement> elements() const noexcept {
    if (data_.empty()) return {};
    return PartRange<LazyElement>(Splitter(data_.substr(1), chars_.element, chars_));
  }

  // Unescaped access, on request only (see unescape() below for what each form costs).
  [[nodiscard]] std::string_view unescaped(std::size_t e, std::size_t c, std::string& scratch,
                                           std::size_t r = 0) const;
  [[nodiscard]] std::string unescaped_string(std::size_t e, std::size_t c, std::size_t r = 0) const;

 private:
  Tag tag_;
  std::string_view data_;
  ServiceChars chars_;
};

// --- unescaping: "Dunmore ?& Sons" -> "Dunmore & Sons" ---------------------------------------
// Each release character makes the next byte literal and is itself dropped; a release
// character that is the very last byte has nothing to release and is kept (as parse_segment
// does). A value is never longer unescaped than raw.

// Into a caller's fixed buffer. When `raw` holds no release character the result is `raw` itself
// (no copy; `buffer` is not touched). Otherwise the value is written to the front of `buffer` and
// the result views it; std::nullopt when it does not fit (the buffer's contents are then
// unspecified). Never allocates.
[[nodiscard]] std::optional<std::string_view> unescape(std::string_view raw, const ServiceChars& chars,
                                                     std::span<char> buffer);

// Into a caller's growable buffer. As above, `raw` itself when it holds no release character:
// `scratch` is then not touched, so nothing is allocated. Otherwise `scratch` receives the value
// (its capacity is reused; it grows only when too small) and the result views it, valid until
// `scratch` is modified.
[[nodiscard]] std::string_view unescape(std::string_view raw, const ServiceChars& chars, std::string& scratch);

// An owned copy: allocates as any std::string does (values longer than the small-string buffer).
[[nodiscard]] std::string unescaped_string(std::string_view raw, const ServiceChars& chars);

}  // namespace EDI_IMPL
}  // namespace edi::lazy
