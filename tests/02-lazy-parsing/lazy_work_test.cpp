// Graders of lesson 02, part two: the work each accessor does, and memory safety.
//
// Work: "each accessor scans only as far as the part it returns", and a count or a walk reads the
// bytes once. A view that starts over from the beginning for every part, or checks a count
// before every access, returns the right values and allocates nothing; what gives it away is the
// work. It is counted deterministically with edi::test::ProbedMemory (page_probe.hpp): the
// segment is laid across two pages, and the probe counts the instructions that read one of
// them. The start of a segment (page 0) is read a few times by a query that reads it once, and
// once per part by one that starts over; the rest of a segment (page 1) is not read at all by a
// query about its first part.
//
// MemorySafety (also graded under AddressSanitizer + UBSan, the "memory-safe" part): every
// accessor on segments whose bytes sit in heap buffers of exactly their size, so that a read one
// byte before or after a view is a heap-buffer-overflow; and every view read again after the
// objects it came from (segment, element, raw segment, tokenizer, scratch string) were destroyed,
// so that a view into any of them is a heap-use-after-free. In the normal build the same tests
// check the values and that every view points into the input.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edi/edi.hpp"
#include "lazy_segment.hpp"
#include "page_probe.hpp"
#include "samples.hpp"

namespace {

using edi::ServiceChars;
using edi::lazy::LazyElement;
using edi::lazy::LazySegment;
using edi::lazy::Splitter;

constexpr ServiceChars kV3 = ServiceChars::defaults(3);
constexpr ServiceChars kV4 = ServiceChars::defaults(4);

std::string repeat(std::string_view part, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += part;
  return out;
}

// --- Work -------------------------------------------------------------------------------------

// A query that reads the start of a segment once touches page 0 a handful of times (a vector load
// of memchr, or a plain loop's few bytes, and the look-back before a separator); one that starts
// over for each of the 200 parts touches it at least 200 times.
constexpr std::size_t kOnePass = 16;
constexpr std::size_t kCap = 48;  // counting stops here: a quadratic mistake costs 48 faults

// A segment text laid in probed memory: `head` ends exactly at the end of page 0, `tail` starts
// page 1.
class Laid {
 public:
  Laid(std::string_view head, std::string_view tail) : mem_(3) {
    if (!mem_.ok() || head.size() > mem_.page_size() || tail.size() > 2 * mem_.page_size()) return;
    char* const p1 = mem_.page(1);
    std::memcpy(p1 - head.size(), head.data(), head.size());
    std::memcpy(p1, tail.data(), tail.size());
    text_ = std::string_view(p1 - head.size(), head.size() + tail.size());
  }
  bool ok() const { return !text_.empty(); }
  std::string_view text() const { return text_; }
  // Reads of page 0 (the start) or page 1 (the rest) by `fn`.
  template <class Fn>
  std::size_t reads_of_start(Fn&& fn) {
    return mem_.count_reads(0, kCap, std::forward<Fn>(fn));
  }
  template <class Fn>
  std::size_t reads_of_rest(Fn&& fn) {
    return mem_.count_reads(1, kCap, std::forward<Fn>(fn));
  }

 private:
  edi::test::ProbedMemory mem_;
  std::string_view text_;
};

#define EDI_NEED_PROBE(laid)                                                                              \
  do {                                                                                                    \
    if (!edi::test::ProbedMemory::supported()) GTEST_SKIP() << "the page probe needs Linux on x86-64";    \
    ASSERT_TRUE((laid).ok()) << "could not map the probed pages";                                         \
  } while (false)

// element_count(), component_count() and repetition_count() read the bytes once: not once per
// part (counting by asking for element(n) until it is absent, or a find_separator that works out
// the escapes from the start of the value for every separator).
TEST(Work, CountsReadTheStartOnce) {
  Laid elements("FTX+A+", repeat("B+", 200) + "C");
  EDI_NEED_PROBE(elements);
  const LazySegment seg(elements.text(), kV3);
  std::size_t count = 0;
  EXPECT_LE(elements.reads_of_start([&] { count = seg.element_count(); }), kOnePass)
      << "element_count() of a segment of 202 elements read its first element over and over";
  EXPECT_EQ(count, 202u);

  Laid components("FTX+A:", repeat("B:", 200) + "C");
  const LazyElement element = LazySegment(components.text(), kV3).element(0);
  EXPECT_LE(components.reads_of_start([&] { count = element.component_count(); }), kOnePass)
      << "component_count() of an element of 202 components read its first component over and over";
  EXPECT_EQ(count, 202u);

  Laid repetitions("ALI+A*", repeat("B*", 200) + "C");
  const LazyElement repeated = LazySegment(repetitions.text(), kV4).element(0);
  EXPECT_LE(repetitions.reads_of_start([&] { count = repeated.repetition_count(); }), kOnePass)
      << "repetition_count() of an element of 202 repetitions read its first repetition over and over";
  EXPECT_EQ(count, 202u);
}

// Reaching the last part reads the parts before it once, not once per part passed.
TEST(Work, FarPartsReadTheStartOnce) {
  Laid elements("FTX+A+", repeat("B+", 200) + "C");
  EDI_NEED_PROBE(elements);
  const LazySegment seg(elements.text(), kV3);
  std::string_view value;
  EXPECT_LE(elements.reads_of_start([&] { value = seg.element(201).raw(); }), kOnePass) << "element(201)";
  EXPECT_EQ(value, "C");
  EXPECT_LE(elements.reads_of_start([&] { value = seg.component(201, 0); }), kOnePass) << "component(201, 0)";
  EXPECT_EQ(value, "C");

  Laid components("FTX+A:", repeat("B:", 200) + "C");
  const LazyElement element = LazySegment(components.text(), kV3).element(0);
  EXPECT_LE(components.reads_of_start([&] { value = element.component(201); }), kOnePass) << "component(201)";
  EXPECT_EQ(value, "C");

  Laid repetitions("ALI+A*", repeat("B*", 200) + "C:D");
  const LazySegment ali(repetitions.text(), kV4);
  const LazyElement repeated = ali.element(0);
  EXPECT_LE(repetitions.reads_of_start([&] { value = repeated.repetition(201).raw(); }), kOnePass) << "repetition(201)";
  EXPECT_EQ(value, "C:D");
  EXPECT_LE(repetitions.reads_of_start([&] { value = repeated.component(1, 201); }), kOnePass) << "component(1, 201)";
  EXPECT_EQ(value, "D");
}

// A walk through elements(), components() or repetitions() reads each byte once: the Splitter
// carries on from where the last part ended.
TEST(Work, WalksReadTheStartOnce) {
  Laid elements("FTX+A+", repeat("B+", 200) + "C");
  EDI_NEED_PROBE(elements);
  const LazySegment seg(elements.text(), kV3);
  std::size_t parts = 0;
  EXPECT_LE(elements.reads_of_start([&] {
              for ([[maybe_unused]] const LazyElement e : seg.elements()) ++parts;
            }),
            kOnePass)
      << "a walk through elements()";
  EXPECT_EQ(parts, 202u);

  Laid components("FTX+A:", repeat("B:", 200) + "C");
  const LazyElement element = LazySegment(components.text(), kV3).element(0);
  parts = 0;
  EXPECT_LE(components.reads_of_start([&] {
              for ([[maybe_unused]] const std::string_view c : element.components()) ++parts;
            }),
            kOnePass)
      << "a walk through components()";
  EXPECT_EQ(parts, 202u);

  Laid repetitions("ALI+A*", repeat("B*", 200) + "C");
  const LazyElement repeated = LazySegment(repetitions.text(), kV4).element(0);
  parts = 0;
  EXPECT_LE(repetitions.reads_of_start([&] {
              for ([[maybe_unused]] const LazyElement r : repeated.repetitions()) ++parts;
            }),
            kOnePass)
      << "a walk through repetitions()";
  EXPECT_EQ(parts, 202u);
}

// Released separators: whether a separator is released is decided by the run of release
// characters right before it, not by walking the value from its start again for each one.
TEST(Work, ReleasedSeparatorsReadTheStartOnce) {
  Laid released("FTX+A?+", repeat("?+", 200) + "+C");
  EDI_NEED_PROBE(released);
  const LazySegment seg(released.text(), kV3);
  std::size_t count = 0;
  std::string_view value;
  EXPECT_LE(released.reads_of_start([&] { count = seg.element_count(); }), kOnePass)
      << "element_count() of a segment whose first element holds 201 released separators";
  EXPECT_EQ(count, 2u);
  EXPECT_LE(released.reads_of_start([&] { value = seg.element(1).raw(); }), kOnePass) << "element(1)";
  EXPECT_EQ(value, "C");
  EXPECT_LE(released.reads_of_start([&] { count = edi::lazy::find_separator(seg.data(), '+', kV3, 1); }), kOnePass)
      << "find_separator past 201 released separators";
  EXPECT_EQ(count, seg.data().size() - 2);
}

// A question about the first part does not read the rest of the segment: no count of the whole
// segment (or element) first to check the index, nothing worked out in advance.
TEST(Work, FirstPartsDoNotReadTheRest) {
  // Page 0: "FTX+A:B+" and a 400-byte element; page 1: 100 more elements.
  Laid elements("FTX+A:B+" + repeat("x", 400) + "+", repeat("C+", 100) + "D");
  EDI_NEED_PROBE(elements);
  std::string_view value;
  std::size_t count = 0;
  EXPECT_EQ(elements.reads_of_rest([&] {
              const LazySegment seg(elements.text(), kV3);
              value = seg.element(0).raw();
            }),
            0u)
      << "LazySegment(text) and element(0) read the elements after element 0";
  EXPECT_EQ(value, "A:B");
  const LazySegment seg(elements.text(), kV3);
  EXPECT_EQ(elements.reads_of_rest([&] { value = seg.component(0, 1); }), 0u) << "component(0, 1) read past element 0";
  EXPECT_EQ(value, "B");
  EXPECT_EQ(elements.reads_of_rest([&] { count = seg.element(0).component_count(); }), 0u)
      << "element(0).component_count() read past element 0";
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(elements.reads_of_rest([&] { value = seg.element(1).raw(); }), 0u) << "element(1) read past element 1";
  EXPECT_EQ(value.size(), 400u);

  // One long element: its first component, or first repetition, without reading the others.
  Laid components("FTX+A:" + repeat("x", 400) + ":", repeat("C:", 100) + "D");
  const LazyElement element = LazySegment(components.text(), kV3).element(0);
  EXPECT_EQ(components.reads_of_rest([&] { value = element.component(0); }), 0u)
      << "component(0) of an element of 103 components read past component 0";
  EXPECT_EQ(value, "A");
  Laid repetitions("ALI+A:B*" + repeat("x", 400) + "*", repeat("C*", 100) + "D");
  const LazyElement repeated = LazySegment(repetitions.text(), kV4).element(0);
  EXPECT_EQ(repetitions.reads_of_rest([&] { value = repeated.component(1, 0); }), 0u)
      << "component(1, 0) of an element of 103 repetitions read past repetition 0";
  EXPECT_EQ(value, "B");
  EXPECT_EQ(repetitions.reads_of_rest([&] { value = repeated.repetition(1).raw(); }), 0u)
      << "repetition(1) read past repetition 1";
  EXPECT_EQ(value.size(), 400u);
}

// --- MemorySafety -----------------------------------------------------------------------------

// Bytes in a heap buffer of exactly their size: one byte before or after is outside it.
class Exact {
 public:
  explicit Exact(std::string_view bytes) : size_(bytes.size()), bytes_(new char[bytes.empty() ? 1 : bytes.size()]) {
    if (size_ > 0) std::memcpy(bytes_.get(), bytes.data(), size_);
  }
  std::string_view view() const { return {bytes_.get(), size_}; }
  std::span<char> span() const { return {bytes_.get(), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> bytes_;
};

// Segments whose values start and end with release characters, runs of every length next to
// every separator, empty parts at both ends, and each kind of separator as the first and the
// last byte.
std::vector<std::pair<std::string, ServiceChars>> edge_segments() {
  std::vector<std::pair<std::string, ServiceChars>> out;
  for (const ServiceChars& chars : {kV3, kV4}) {
    for (std::size_t run = 0; run <= 5; ++run) {
      const std::string r(run, '?');
      out.emplace_back("FTX+" + r + "+" + r + ":" + r + "*" + r, chars);
      out.emplace_back("FTX+" + r + "A" + r + ":B" + r + "+C" + r + "*D" + r + ":" + r, chars);
      out.emplace_back("FTX" + r + "+" + r, chars);
    }
    for (const char* text : {"DTM", "DTM+", "DTM++", "DTM+:", "DTM+*", "X?+Y+1", "?+", "?", "NAD+BY++9",
                             "FTX+AAI+++?", "FTX+?:+?*+??", "ALI+DE*NL*FR+X?*Y*Z:?"}) {
      out.emplace_back(text, chars);
    }
  }
  return out;
}

// Every accessor and every range of `seg`, every value copied (a read of every view), and the
// three unescaping forms with buffers of exactly the value's size. Returns a digest of the values.
std::string exercise(const LazySegment& seg) {
  const ServiceChars chars = seg.chars();
  std::string digest(seg.tag());
  std::string scratch;
  const std::size_t elements = seg.element_count();
  for (std::size_t e = 0; e <= elements; ++e) {
    const LazyElement element = seg.element(e);
    digest += "|" + std::string(element.raw());
    for (std::size_t r = 0; r <= element.repetition_count(); ++r) {
      for (std::size_t c = 0; c <= element.component_count(r); ++c) {
        const std::string_view value = seg.component(e, c, r);
        digest += ":" + std::string(value) + "=" + std::string(seg.unescaped(e, c, scratch, r));
        const std::string owned = seg.unescaped_string(e, c, r);
        const Exact room(std::string(owned.size(), '\0'));
        const std::optional<std::string_view> fixed = edi::lazy::unescape(value, chars, room.span());
        digest += fixed ? "=" + std::string(*fixed) : "=?";
        // The value alone in a buffer of its size: unescaping and scanning it read nothing else.
        const Exact alone(value);
        digest += "=" + edi::lazy::unescaped_string(alone.view(), chars);
        for (const char separator : {chars.element, chars.component, chars.repetition}) {
          for (std::size_t from = 0; from <= alone.view().size(); ++from) {
            digest += std::to_string(edi::lazy::find_separator(alone.view(), separator, chars, from));
          }
        }
      }
    }
  }
  for (const LazyElement element : seg.elements()) {
    for (const LazyElement repetition : element.repetitions()) {
      for (const std::string_view value : repetition.components()) digest += "/" + std::string(value);
    }
    const Exact alone(element.raw());
    Splitter splitter(alone.view(), chars.component, chars);
    for (std::string_view part; splitter.next(part);) digest += "," + std::string(part);
  }
  return digest;
}

// Every accessor, on every segment of the edge cases, the samples and a generated interchange,
// with the segment's bytes in a buffer of exactly their size (under ASan: no read before or after
// it), built both from a RawSegment and from text; both ways give the same values.
TEST(MemorySafety, ReadsStayInsideTheSegment) {
  std::size_t segments = 0;
  for (const auto& [text, chars] : edge_segments()) {
    const Exact bytes(text);
    const LazySegment seg(bytes.view(), chars);
    EXPECT_FALSE(exercise(seg).empty()) << text;
    ++segments;
  }
  std::vector<std::string> inputs;
  for (const auto& sample : edi::test::sample_files()) inputs.push_back(sample.bytes);
  inputs.push_back(edi::test::generated({.seed = 5, .messages = 6, .syntax = 4}));
  for (const std::string& input : inputs) {
    edi::Tokenizer tok(input);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) {
      const Exact text(raw.text);
      const Exact data(raw.data);
      edi::RawSegment copy = raw;
      copy.text = text.view();
      copy.data = data.view();
      const std::string from_raw = exercise(LazySegment(copy));
      const LazySegment from_text(text.view(), raw.chars);
      if (!raw.tag.had_line_break()) {
        EXPECT_EQ(exercise(from_text), from_raw) << raw.text;
      }
      ++segments;
    }
  }
  EXPECT_GT(segments, 500u);
}

// Every view is read again after the segment, its elements, the raw segment, the tokenizer and
// the scratch string are destroyed (under ASan: a view into any of them is a use after free).
// Values without a release character come back as the raw view, never a copy in `scratch`.
TEST(MemorySafety, ViewsOutliveEveryObjectButTheInput) {
  const std::string input = edi::test::sample("release_chars.edi") + edi::test::sample("syntax4_una.edi");
  std::vector<std::string_view> views;
  std::vector<std::string> expected;
  {
    auto tok = std::make_unique<edi::Tokenizer>(input);
    auto raw = std::make_unique<edi::RawSegment>();
    while (tok->next(*raw) == edi::Errc::ok) {
      auto seg = std::make_unique<LazySegment>(*raw);
      for (std::size_t e = 0; e < seg->element_count(); ++e) {
        auto element = std::make_unique<LazyElement>(seg->element(e));
        views.push_back(element->raw());
        expected.emplace_back(element->raw());
        for (std::size_t r = 0; r < element->repetition_count(); ++r) {
          auto repetition = std::make_unique<LazyElement>(element->repetition(r));
          views.push_back(repetition->raw());
          expected.emplace_back(repetition->raw());
          for (std::size_t c = 0; c < repetition->component_count(); ++c) {
            const std::string_view value = repetition->component(c);
            views.push_back(value);
            expected.emplace_back(value);
            if (value.find(raw->chars.release) == std::string_view::npos) {
              auto scratch = std::make_unique<std::string>();
              const std::string_view same = edi::lazy::unescape(value, raw->chars, *scratch);
              const std::string_view member = seg->unescaped(e, c, *scratch, r);
              scratch.reset();
              views.push_back(same);
              expected.emplace_back(value);
              views.push_back(member);
              expected.emplace_back(value);
              std::array<char, 1> none{};
              const auto fixed = edi::lazy::unescape(value, raw->chars, std::span<char>(none).first(0));
              views.push_back(fixed.value_or("(nullopt)"));
              expected.emplace_back(value);
            }
          }
        }
      }
      for (const LazyElement element : seg->elements()) {
        for (const std::string_view value : element.components()) {
          views.push_back(value);
          expected.emplace_back(value);
        }
      }
    }
  }
  ASSERT_EQ(views.size(), expected.size());
  ASSERT_GT(views.size(), 200u);
  for (std::size_t i = 0; i < views.size(); ++i) {
    const std::string copy(views[i]);  // the read that ASan checks
    EXPECT_EQ(copy, expected[i]) << "view " << i;
    if (!views[i].empty()) {
      const auto at = reinterpret_cast<std::uintptr_t>(views[i].data());
      const auto begin = reinterpret_cast<std::uintptr_t>(input.data());
      EXPECT_TRUE(at >= begin && at + views[i].size() <= begin + input.size())
          << "view " << i << " \"" << copy << "\" does not point into the input";
    }
  }
}

}  // namespace
