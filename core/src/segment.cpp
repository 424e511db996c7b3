#include "edi/segment.hpp"

#include <array>
#include <cassert>
#include <cstring>

namespace edi {
namespace {

std::uint32_t narrow(std::size_t n) noexcept { return static_cast<std::uint32_t>(n); }

}  // namespace

Segment Segment::make(std::string_view tag,
                      std::initializer_list<std::initializer_list<std::string_view>> elements) {
  Segment s(tag);
  for (const auto& element : elements) s.add_element(element);
  return s;
}

std::size_t Segment::repetition_count(std::size_t element) const noexcept {
  if (element >= element_end_.size()) return 0;
  const std::uint32_t first = element == 0 ? 0 : element_end_[element - 1];
  return element_end_[element] - first;
}

std::size_t Segment::component_count(std::size_t element, std::size_t repetition) const noexcept {
  if (repetition >= repetition_count(element)) return 0;
  const std::size_t r = (element == 0 ? 0 : element_end_[element - 1]) + repetition;
  const std::uint32_t first = r == 0 ? 0 : repetition_end_[r - 1];
  return repetition_end_[r] - first;
}

std::string_view Segment::component(std::size_t element, std::size_t component,
                                    std::size_t repetition) const noexcept {
  if (component >= component_count(element, repetition)) return {};
  const std::size_t r = (element == 0 ? 0 : element_end_[element - 1]) + repetition;
  const std::size_t k = (r == 0 ? 0 : repetition_end_[r - 1]) + component;
  const std::uint32_t begin = k == 0 ? 0 : component_end_[k - 1];
  return std::string_view(values_).substr(begin, component_end_[k] - begin);
}

void Segment::begin_element() {
  repetition_end_.push_back(narrow(component_end_.size()));
  element_end_.push_back(narrow(repetition_end_.size()));
}

void Segment::begin_repetition() {
  assert(!element_end_.empty());
  repetition_end_.push_back(narrow(component_end_.size()));
  element_end_.back() = narrow(repetition_end_.size());
}

void Segment::add_component(std::string_view value) {
  assert(!repetition_end_.empty());
  values_.append(value);
  component_end_.push_back(narrow(values_.size()));
  repetition_end_.back() = narrow(component_end_.size());
}

void Segment::append_to_component(std::string_view bytes) {
  assert(!component_end_.empty());
  values_.append(bytes);
  component_end_.back() = narrow(values_.size());
}

Segment& Segment::add_element(std::initializer_list<std::string_view> components) {
  begin_element();
  if (components.size() == 0) add_component({});
  for (const std::string_view c : components) add_component(c);
  return *this;
}

Segment& Segment::add_repetition(std::initializer_list<std::string_view> components) {
  begin_repetition();
  if (components.size() == 0) add_component({});
  for (const std::string_view c : components) add_component(c);
  return *this;
}

void Segment::reserve(std::size_t value_bytes, std::size_t elements, std::size_t components) {
  if (values_.capacity() < value_bytes) values_.reserve(value_bytes);
  if (element_end_.capacity() < elements) element_end_.reserve(elements);
  if (repetition_end_.capacity() < elements) repetition_end_.reserve(elements);
  if (component_end_.capacity() < components) component_end_.reserve(components);
}

void Segment::clear() noexcept {
  tag_.clear();
  values_.clear();
  component_end_.clear();
  repetition_end_.clear();
  element_end_.clear();
}

std::size_t Segment::capacity_bytes() const noexcept {
  // The small-string buffer, not heap. (Not constexpr: clang 14 cannot evaluate libstdc++'s
  // std::string at compile time.)
  static const std::size_t kInline = std::string().capacity();
  const auto heap = [](const std::string& s) { return s.capacity() > kInline ? s.capacity() + 1 : 0; };
  return heap(tag_) + heap(values_) +
         sizeof(std::uint32_t) * (component_end_.capacity() + repetition_end_.capacity() + element_end_.capacity());
}

namespace {

// What a byte means inside segment data, for one set of service characters.
enum ByteClass : std::uint8_t { kPlain, kElement, kComponent, kRepetition, kRelease };

struct ClassTable {
  ServiceChars chars;
  std::array<std::uint8_t, 256> of{};
  explicit ClassTable(const ServiceChars& c) : chars(c) {
    of[static_cast<unsigned char>(c.element)] = kElement;
    of[static_cast<unsigned char>(c.component)] = kComponent;
    if (c.has_repetition()) of[static_cast<unsigned char>(c.repetition)] = kRepetition;
    if (c.has_release()) of[static_cast<unsigned char>(c.release)] = kRelease;
  }
};

// The table for `c`, rebuilt only when the service characters change (rarely: at a UNA).
const ClassTable& class_table(const ServiceChars& c) {
  thread_local ClassTable table{ServiceChars::defaults()};
  if (!(table.chars == c)) table = ClassTable(c);
  return table;
}

}  // namespace

void parse_segment(const RawSegment& raw, Segment& out) {
  out.clear();
  out.tag_.assign(raw.tag.view());
  const std::string_view data = raw.data;
  if (data.empty()) return;

  // A fresh segment gets its index buffers once instead of regrowing them value by value: few
  // segments have more than 8 elements or 16 values. (A reused segment already has capacity.)
  out.reserve(0, 8, 16);
  // Unescaped values are never longer than the data: write them straight into a buffer of that
  // size and trim it at the end.
  out.values_.resize(data.size());
  char* const values = out.values_.data();
  std::uint32_t size = 0;

  const std::array<std::uint8_t, 256>& of = class_table(raw.chars).of;
  // data[0] is the element separator that opens the first element.
  out.repetition_end_.push_back(0);
  out.element_end_.push_back(1);
  std::size_t i = 1;
  const std::size_t n = data.size();
  while (true) {
    std::size_t run = i;
    while (run < n && of[static_cast<unsigned char>(data[run])] == kPlain) ++run;
    std::memcpy(values + size, data.data() + i, run - i);
    size += static_cast<std::uint32_t>(run - i);
    if (run == n) break;
    const std::uint8_t cls = of[static_cast<unsigned char>(data[run])];
    if (cls == kRelease) {
      // The next byte is literal. (A release as the very last byte cannot come from the
      // tokenizer, which would have read it as releasing the terminator; it is kept as data.)
      values[size++] = data[run + 1 < n ? run + 1 : run];
      i = run + 2;
      if (i >= n) break;
      continue;
    }
    // A separator ends the current value.
    out.component_end_.push_back(size);
    const auto components = static_cast<std::uint32_t>(out.component_end_.size());
    out.repetition_end_.back() = components;
    if (cls == kElement) {
      out.repetition_end_.push_back(components);
      out.element_end_.push_back(static_cast<std::uint32_t>(out.repetition_end_.size()));
    } else if (cls == kRepetition) {
      out.repetition_end_.push_back(components);
      out.element_end_.back() = static_cast<std::uint32_t>(out.repetition_end_.size());
    }
    i = run + 1;
  }
  out.component_end_.push_back(size);
  out.repetition_end_.back() = static_cast<std::uint32_t>(out.component_end_.size());
  out.values_.resize(size);
}

Errc parse_all(std::string_view input, std::vector<Segment>& segments, std::size_t* error_offset) {
  Tokenizer tok(input);
  RawSegment raw;
  Errc rc;
  while ((rc = tok.next(raw)) == Errc::ok) {
    parse_segment(raw, segments.emplace_back());
  }
  if (error_offset != nullptr) *error_offset = tok.error_offset();
  return rc;
}

}  // namespace edi
