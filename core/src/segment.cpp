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

void Segment::clear() noexcept {
  tag_.clear();
  values_.clear();
  component_end_.clear();
  repetition_end_.clear();
  element_end_.clear();
}

std::size_t Segment::capacity_bytes() const noexcept {
  constexpr std::size_t kInline = std::string().capacity();  // small-string buffer, not heap
  const auto heap = [](const std::string& s) { return s.capacity() > kInline ? s.capacity() + 1 : 0; };
  return heap(tag_) + heap(values_) +
         sizeof(std::uint32_t) * (component_end_.capacity() + repetition_end_.capacity() + element_end_.capacity());
}

void parse_segment(const RawSegment& raw, Segment& out) {
  out.clear();
  out.set_tag(raw.tag.view());
  const std::string_view data = raw.data;
  if (data.empty()) return;

  const ServiceChars& c = raw.chars;
  // Bytes that end a run of plain value bytes. A table lookup per byte keeps the loop branch-light;
  // runs between special bytes are appended with one call.
  std::array<bool, 256> special{};
  special[static_cast<unsigned char>(c.element)] = true;
  special[static_cast<unsigned char>(c.component)] = true;
  if (c.has_release()) special[static_cast<unsigned char>(c.release)] = true;
  if (c.has_repetition()) special[static_cast<unsigned char>(c.repetition)] = true;

  // data[0] is the element separator that opens the first element.
  out.begin_element();
  out.add_component({});
  std::size_t i = 1;
  const std::size_t n = data.size();
  while (i < n) {
    std::size_t run = i;
    while (run < n && !special[static_cast<unsigned char>(data[run])]) ++run;
    if (run > i) out.append_to_component(data.substr(i, run - i));
    if (run == n) break;
    const char b = data[run];
    if (b == c.release && c.has_release()) {
      // The next byte is literal. (A release as the very last byte cannot come from the
      // tokenizer: it would have released the terminator; keep it as data if it does.)
      out.append_to_component(data.substr(run + 1 < n ? run + 1 : run, 1));
      i = run + 2;
      continue;
    }
    if (b == c.element) {
      out.begin_element();
    } else if (b == c.component) {
      // falls through to add the next component
    } else {
      out.begin_repetition();
    }
    out.add_component({});
    i = run + 1;
  }
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
