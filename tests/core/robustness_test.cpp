// Damaged input: seeded random truncations and byte flips of every sample and of a generated
// interchange. Nothing crashes or hangs, every position stays inside the input, and the chunked
// reader still agrees with the in-memory tokenizer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

// One seeded mutation: a truncation, a few flipped bytes, or a byte set to a service character
// (the bytes that change what the tokenizer does).
std::string mutate(const std::string& input, SplitMix64& rng) {
  std::string out = input;
  static constexpr std::string_view kInteresting = "'+:?*\\ \r\nUNA~=";
  switch (rng.below(4)) {
    case 0:
      out.resize(rng.below(out.size() + 1));
      break;
    case 1:
      for (std::uint64_t n = 1 + rng.below(4); n > 0 && !out.empty(); --n) {
        out[rng.below(out.size())] = static_cast<char>(rng.below(256));
      }
      break;
    case 2:
      for (std::uint64_t n = 1 + rng.below(3); n > 0 && !out.empty(); --n) {
        out[rng.below(out.size())] = kInteresting[rng.below(kInteresting.size())];
      }
      break;
    default:
      // Both: a damaged prefix, which is what a broken transfer leaves.
      out.resize(rng.below(out.size() + 1));
      if (!out.empty()) out[rng.below(out.size())] = kInteresting[rng.below(kInteresting.size())];
      break;
  }
  return out;
}

// A seed from a file name (FNV-1a), the same on every platform.
std::uint64_t seed_of(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

void check_damaged(const std::string& input, SplitMix64& rng) {
  const Structure s = analyze(input);
  std::size_t errors = 0;
  for (const Finding& f : s.findings) {
    ASSERT_LE(f.position.offset, input.size()) << f.code;
    ASSERT_GE(f.position.line, 1u);
    ASSERT_GE(f.position.column, 1u);
    ASSERT_FALSE(f.message.empty());
    if (f.severity == Severity::error) ++errors;
  }
  ASSERT_EQ(errors, s.errors);
  for (const MessageInfo& m : s.messages) {
    ASSERT_LE(m.begin, m.end);
    ASSERT_LE(m.end, input.size());
  }

  const TokenRun memory = tokenize_all(input);
  ASSERT_NE(memory.result, Errc::ok);
  ASSERT_NE(memory.result, Errc::need_more_input);
  ASSERT_LE(memory.segments.size(), input.size());
  ASSERT_EQ(s.result, memory.result);
  if (memory.result != Errc::end_of_input) {
    ASSERT_LE(memory.error_offset, input.size());
  }
  for (const TokenRecord& seg : memory.segments) ASSERT_LE(seg.offset + seg.text.size(), input.size());

  const std::size_t max_read = 1 + rng.below(64);
  const TokenRun stream = stream_all(input, max_read);
  ASSERT_EQ(stream.result, memory.result) << "max_read " << max_read;
  ASSERT_EQ(stream.segments, memory.segments) << "max_read " << max_read;
  if (memory.result != Errc::end_of_input) {
    ASSERT_EQ(stream.error_offset, memory.error_offset) << "max_read " << max_read;
  }
}

// Thousands of damaged copies of every sample.
TEST(Robustness, DamagedSamples) {
  std::size_t checked = 0;
  for (const Sample& sample : sample_files()) {
    SplitMix64 rng(seed_of(sample.name));
    for (int i = 0; i < 120; ++i) {
      const std::string damaged = mutate(sample.bytes, rng);
      check_damaged(damaged, rng);
      if (testing::Test::HasFatalFailure()) FAIL() << sample.name << " mutation " << i << ": " << damaged;
      ++checked;
    }
  }
  EXPECT_GT(checked, 4000u);
}

// Damaged copies of a generated interchange with groups and syntax 4 repetitions.
TEST(Robustness, DamagedGenerated) {
  const std::string text = generated({.seed = 91, .messages = 8, .syntax = 4, .groups = true});
  SplitMix64 rng(91);
  for (int i = 0; i < 300; ++i) {
    const std::string damaged = mutate(text, rng);
    check_damaged(damaged, rng);
    if (testing::Test::HasFatalFailure()) FAIL() << "mutation " << i;
  }
}

// Every prefix of a sample with every kind of escape: errors at the right places, never past the end.
TEST(Robustness, EveryPrefix) {
  for (const char* name : {"release_chars.edi", "una_backslash_release.edi", "bom_utf8.edi", "leading_junk.edi"}) {
    const std::string text = sample(name);
    SplitMix64 rng(5);
    for (std::size_t n = 0; n <= text.size(); ++n) {
      check_damaged(text.substr(0, n), rng);
      if (testing::Test::HasFatalFailure()) FAIL() << name << " prefix of " << n << " bytes";
    }
  }
}

}  // namespace
}  // namespace edi::test
