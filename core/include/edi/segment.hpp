// The owning model: a segment's elements, repetitions and components, unescaped, in memory the
// segment owns.
//
//   edi::Segment nad = edi::Segment::make("NAD", {{"BY"}, {"5412345000013", "", "9"}});
//   nad.element_count();          // 2
//   nad.component(1, 0);          // "5412345000013"
//   nad.component(1, 2);          // "9"
//   nad.component(7, 0);          // "" (out of range reads as empty)
//
//   edi::Segment seg;
//   edi::parse_segment(raw, seg); // raw: an edi::RawSegment from the tokenizer; unescapes "?+" to "+"
//
// Every element has at least one repetition and every repetition at least one component (an
// empty element "NAD+BY++9" holds one empty component). Syntax 4 repetitions ("ATT+2++M*F") are
// repetitions 0, 1, ... of an element; `component(e, c)` reads repetition 0.
//
// Storage is flat: one string with every value back to back and three index vectors. `clear()`
// keeps all four buffers' capacity, so a Segment reused for the next parse allocates nothing once
// it has seen a segment as large (lesson 01 builds on this).
//
// Thread-compatible. Views returned by the accessors are valid until the segment is modified or
// destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "edi/tokenizer.hpp"

namespace edi {

class Segment {
 public:
  Segment() = default;
  explicit Segment(std::string_view tag) : tag_(tag) {}

  // A segment from literal elements; each inner list is one element's components.
  [[nodiscard]] static Segment make(std::string_view tag,
                      std::initializer_list<std::initializer_list<std::string_view>> elements);

  std::string_view tag() const noexcept { return tag_; }
  std::size_t element_count() const noexcept { return element_end_.size(); }
  std::size_t repetition_count(std::size_t element) const noexcept;
  std::size_t component_count(std::size_t element, std::size_t repetition = 0) const noexcept;
  // The unescaped value; "" when any index is out of range.
  [[nodiscard]] std::string_view component(std::size_t element, std::size_t component,
                             std::size_t repetition = 0) const noexcept;
  // Total number of component values, over all elements and repetitions.
  std::size_t total_components() const noexcept { return component_end_.size(); }

  // --- building, in order: tag, then elements, each with repetitions, each with components ---
  void set_tag(std::string_view tag) { tag_.assign(tag); }
  // Starts a new element (with its first repetition, still without components).
  void begin_element();
  // Starts another repetition of the current element.  REQUIRES: an element was begun.
  void begin_repetition();
  // Appends a component to the current repetition.  REQUIRES: an element was begun.
  void add_component(std::string_view value);
  // Appends bytes to the last component.  REQUIRES: a component was added.
  void append_to_component(std::string_view bytes);
  // Adds one element with these components (an empty list adds one empty component).
  Segment& add_element(std::initializer_list<std::string_view> components);
  // Adds a repetition with these components to the last element.
  Segment& add_repetition(std::initializer_list<std::string_view> components);

  // Makes room for this many value bytes, elements and component values (grows, never shrinks).
  void reserve(std::size_t value_bytes, std::size_t elements, std::size_t components);
  // Empties the segment and keeps the capacity of every buffer.
  void clear() noexcept;
  // Bytes of heap capacity held (for pools that bound their memory).
  std::size_t capacity_bytes() const noexcept;

  // Same tag and the same values in the same structure.
  friend bool operator==(const Segment&, const Segment&) = default;

 private:
  friend void parse_segment(const RawSegment& raw, Segment& out);

  // Value k is values_[component_end_[k-1] .. component_end_[k]); repetition r holds components
  // [repetition_end_[r-1], repetition_end_[r]); element e holds repetitions
  // [element_end_[e-1], element_end_[e]). Index -1 reads as 0.
  std::string tag_;
  std::string values_;
  std::vector<std::uint32_t> component_end_;
  std::vector<std::uint32_t> repetition_end_;
  std::vector<std::uint32_t> element_end_;
};

// Fills `out` (cleared first, capacity kept) with the elements of `raw`, unescaping values.
// Never fails: every byte sequence between two terminators is a segment.
void parse_segment(const RawSegment& raw, Segment& out);

// Tokenizes and parses a whole buffer. Returns the first input error, or Errc::end_of_input when
// all of `input` was read. On an error `segments` holds everything before it and `*error_offset`
// (when given) says where it is.
Errc parse_all(std::string_view input, std::vector<Segment>& segments, std::size_t* error_offset = nullptr);

}  // namespace edi
