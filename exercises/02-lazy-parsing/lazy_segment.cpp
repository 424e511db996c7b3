// Lesson 02 exercise: the lazy segment view. Replace each FIXME with an implementation;
// `make check LESSON=02` grades them, `make hint LESSON=02` helps. The contract of each function
// is in lazy_segment.hpp.
//
// An order that works: find_separator first (in lazy_segment.hpp: everything else is built on
// it), then Splitter::next (also in the header), the LazySegment and LazyElement accessors below,
// the text constructor, and the three unescape functions. Then the lifetime FIXMEs in the header.
//
// What you have: a RawSegment's `data` is "+BY+5412345000013::9" (empty, or starting with the
// element separator); `chars` holds the service characters in force (chars.element,
// chars.component, chars.repetition, chars.release; has_release() and has_repetition() say
// whether the last two are in use). std::memchr (<cstring>) finds a byte fast.
#include "lazy_segment.hpp"

#include <cstring>

#include "edi/error.hpp"

namespace edi::lazy {
inline namespace EDI_IMPL {

std::size_t LazyElement::repetition_count() const {
  // FIXME: 0 when absent; 1 without a repetition separator; else 1 + the unescaped ones.
  throw NotImplemented("lazy::LazyElement::repetition_count");
}

LazyElement LazyElement::repetition(std::size_t r) const {
  // FIXME: repetition r as a LazyElement (a view of its bytes); LazyElement{} when out of range.
  (void)r;
  throw NotImplemented("lazy::LazyElement::repetition");
}

std::size_t LazyElement::component_count(std::size_t r) const {
  // FIXME: 0 when repetition r is absent; else 1 + its unescaped component separators.
  (void)r;
  throw NotImplemented("lazy::LazyElement::component_count");
}

std::string_view LazyElement::component(std::size_t c, std::size_t r) const {
  // FIXME: component c of repetition r, raw (a view into the input); empty when out of range.
  (void)c, (void)r;
  throw NotImplemented("lazy::LazyElement::component");
}

LazySegment::LazySegment(std::string_view text, const ServiceChars& chars) : chars_(chars) {
  // FIXME: the tag runs to the first unescaped element separator (tag_ = Tag(...) drops line
  // breaks); data_ is the rest of `text`.
  (void)text;
  throw NotImplemented("lazy::LazySegment::LazySegment(text)");
}

std::size_t LazySegment::element_count() const {
  // FIXME: 0 without data; else 1 + the unescaped element separators after data_[0].
  throw NotImplemented("lazy::LazySegment::element_count");
}

LazyElement LazySegment::element(std::size_t e) const {
  // FIXME: element e as a LazyElement (LazyElement(bytes, chars_)); LazyElement{} when out of range.
  (void)e;
  throw NotImplemented("lazy::LazySegment::element");
}

std::string_view LazySegment::component(std::size_t e, std::size_t c, std::size_t r) const {
  // FIXME: component c of repetition r of element e, raw; empty when out of range.
  (void)e, (void)c, (void)r;
  throw NotImplemented("lazy::LazySegment::component");
}

std::string_view LazySegment::unescaped(std::size_t e, std::size_t c, std::string& scratch, std::size_t r) const {
  // FIXME: the component, unescaped with the std::string& form of unescape().
  (void)e, (void)c, (void)scratch, (void)r;
  throw NotImplemented("lazy::LazySegment::unescaped");
}

std::string LazySegment::unescaped_string(std::size_t e, std::size_t c, std::size_t r) const {
  // FIXME: the component, unescaped, as an owned string.
  (void)e, (void)c, (void)r;
  throw NotImplemented("lazy::LazySegment::unescaped_string");
}

std::optional<std::string_view> unescape(std::string_view raw, const ServiceChars& chars, std::span<char> buffer) {
  // FIXME: `raw` itself when it holds no release character; else the value written to `buffer`,
  // or std::nullopt when it does not fit. Never allocates.
  (void)raw, (void)chars, (void)buffer;
  throw NotImplemented("lazy::unescape (fixed buffer)");
}

std::string_view unescape(std::string_view raw, const ServiceChars& chars, std::string& scratch) {
  // FIXME: `raw` itself when it holds no release character (scratch untouched); else the value
  // written to `scratch`, reusing its capacity.
  (void)raw, (void)chars, (void)scratch;
  throw NotImplemented("lazy::unescape (std::string)");
}

std::string unescaped_string(std::string_view raw, const ServiceChars& chars) {
  // FIXME: the unescaped value as an owned string.
  (void)raw, (void)chars;
  throw NotImplemented("lazy::unescaped_string");
}

}  // namespace EDI_IMPL
}  // namespace edi::lazy
