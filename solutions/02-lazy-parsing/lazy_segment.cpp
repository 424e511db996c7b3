#include "lazy_segment.hpp"

#include <cstring>

namespace edi::lazy {
inline namespace EDI_IMPL {
namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

// Where part `index` of `raw` begins and ends, the parts being cut at unescaped `separator`s.
struct PartBounds {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool found = false;
};

PartBounds nth_part(std::string_view raw, char separator, const ServiceChars& chars, std::size_t index) {
  std::size_t begin = 0;
  for (; index > 0; --index) {
    const std::size_t at = find_separator(raw, separator, chars, begin);
    if (at == raw.size()) return {};  // fewer parts than that
    begin = at + 1;
  }
  return PartBounds{begin, find_separator(raw, separator, chars, begin), true};
}

std::size_t count_parts(std::string_view raw, char separator, const ServiceChars& chars) {
  std::size_t parts = 1;
  for (std::size_t at = find_separator(raw, separator, chars); at != raw.size();
       at = find_separator(raw, separator, chars, at + 1)) {
    ++parts;
  }
  return parts;
}

// Position of the first release character in `raw`, or npos (also when there is none in use).
std::size_t first_release(std::string_view raw, const ServiceChars& chars) noexcept {
  if (!chars.has_release() || raw.empty()) return npos;
  const void* hit = std::memchr(raw.data(), chars.release, raw.size());
  return hit == nullptr ? npos : static_cast<std::size_t>(static_cast<const char*>(hit) - raw.data());
}

// Writes `raw` unescaped to out[0, capacity), starting from its first release character at
// `release_at`. Returns the size written, or npos when it does not fit.
std::size_t unescape_to(std::string_view raw, char release, std::size_t release_at, char* out, std::size_t capacity) {
  std::size_t size = 0;
  const auto put = [&](const char* bytes, std::size_t n) {
    if (n > capacity - size) return false;
    if (n > 0) std::memcpy(out + size, bytes, n);
    size += n;
    return true;
  };
  std::size_t from = 0;
  std::size_t at = release_at;
  for (;;) {
    // Plain bytes up to the release character, copied as one run.
    if (!put(raw.data() + from, at - from)) return npos;
    if (at == raw.size()) return size;
    if (at + 1 == raw.size()) return put(raw.data() + at, 1) ? size : npos;  // nothing to release: kept
    if (!put(raw.data() + at + 1, 1)) return npos;                           // the released byte
    from = at + 2;
    const void* hit = from < raw.size() ? std::memchr(raw.data() + from, release, raw.size() - from) : nullptr;
    at = hit == nullptr ? raw.size() : static_cast<std::size_t>(static_cast<const char*>(hit) - raw.data());
  }
}

}  // namespace

std::size_t LazyElement::repetition_count() const {
  if (!present_) return 0;
  return chars_.has_repetition() ? count_parts(raw_, chars_.repetition, chars_) : 1;
}

LazyElement LazyElement::repetition(std::size_t r) const {
  if (!present_) return {};
  if (!chars_.has_repetition()) return r == 0 ? *this : LazyElement{};
  const PartBounds part = nth_part(raw_, chars_.repetition, chars_, r);
  if (!part.found) return {};
  return LazyElement(raw_.substr(part.begin, part.end - part.begin), chars_);
}

std::size_t LazyElement::component_count(std::size_t r) const {
  const LazyElement rep = repetition(r);
  return rep.present_ ? count_parts(rep.raw_, chars_.component, chars_) : 0;
}

std::string_view LazyElement::component(std::size_t c, std::size_t r) const {
  const LazyElement rep = repetition(r);
  if (!rep.present_) return {};
  const PartBounds part = nth_part(rep.raw_, chars_.component, chars_, c);
  return part.found ? rep.raw_.substr(part.begin, part.end - part.begin) : std::string_view{};
}

LazySegment::LazySegment(std::string_view text, const ServiceChars& chars)
    : chars_(chars) {
  const std::size_t tag_end = find_separator(text, chars.element, chars);
  tag_ = Tag(text.substr(0, tag_end));
  data_ = text.substr(tag_end);
}

std::size_t LazySegment::element_count() const {
  // data_[0] is the separator that opens the first element.
  return data_.empty() ? 0 : count_parts(data_.substr(1), chars_.element, chars_);
}

LazyElement LazySegment::element(std::size_t e) const {
  if (data_.empty()) return {};
  const std::string_view elements = data_.substr(1);
  const PartBounds part = nth_part(elements, chars_.element, chars_, e);
  if (!part.found) return {};
  return LazyElement(elements.substr(part.begin, part.end - part.begin), chars_);
}

std::string_view LazySegment::component(std::size_t e, std::size_t c, std::size_t r) const {
  return element(e).component(c, r);
}

std::string_view LazySegment::unescaped(std::size_t e, std::size_t c, std::string& scratch, std::size_t r) const {
  return unescape(component(e, c, r), chars_, scratch);
}

std::string LazySegment::unescaped_string(std::size_t e, std::size_t c, std::size_t r) const {
  return lazy::unescaped_string(component(e, c, r), chars_);
}

std::optional<std::string_view> unescape(std::string_view raw, const ServiceChars& chars, std::span<char> buffer) {
  const std::size_t release_at = first_release(raw, chars);
  if (release_at == npos) return raw;  // the common case: nothing to undo, nothing to copy
  const std::size_t size = unescape_to(raw, chars.release, release_at, buffer.data(), buffer.size());
  if (size == npos) return std::nullopt;
  return std::string_view(buffer.data(), size);
}

std::string_view unescape(std::string_view raw, const ServiceChars& chars, std::string& scratch) {
  const std::size_t release_at = first_release(raw, chars);
  if (release_at == npos) return raw;
  scratch.resize(raw.size());  // enough: unescaping only shortens; allocates only when too small
  const std::size_t size = unescape_to(raw, chars.release, release_at, scratch.data(), scratch.size());
  scratch.resize(size);
  return scratch;
}

std::string unescaped_string(std::string_view raw, const ServiceChars& chars) {
  const std::size_t release_at = first_release(raw, chars);
  if (release_at == npos) return std::string(raw);
  std::string out(raw.size(), '\0');
  out.resize(unescape_to(raw, chars.release, release_at, out.data(), out.size()));
  return out;
}

}  // namespace EDI_IMPL
}  // namespace edi::lazy
