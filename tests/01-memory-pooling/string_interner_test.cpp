// Graders of lesson 01: StringInterner. Identity of views, stability as it grows, dense ids,
// lookups that allocate nothing (counted with edi::test::AllocationCounter) and concurrent reads.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/generator.hpp"
#include "edi/tokenizer.hpp"
#include "string_interner.hpp"

namespace {

using edi::pooling::StringInterner;

// Longer than the small-string buffer of std::string (15 bytes in libstdc++): a lookup that
// builds a std::string from these allocates, which the tests can see.
std::string long_code(int i) { return "PARTY-QUALIFIER-CODE-NUMBER-" + std::to_string(i); }

// Equal strings from different buffers give one view: the same pointer, the same text.
TEST(StringInterner, EqualStringsGiveTheIdenticalView) {
  StringInterner names;
  const std::string a = "NAD";
  const std::string b = std::string("NA") + "D";
  const std::string_view va = names.intern(a);
  const std::string_view vb = names.intern(b);
  EXPECT_EQ(va, "NAD");
  EXPECT_EQ(va.data(), vb.data());
  EXPECT_EQ(va.size(), 3u);
  EXPECT_NE(va.data(), a.data()) << "the interner keeps its own copy";
  EXPECT_NE(names.intern("DTM").data(), va.data());
  EXPECT_EQ(names.size(), 2u);
  EXPECT_EQ(names.bytes(), 6u);
}

// Views keep pointing at the same, unchanged text however many strings come after.
TEST(StringInterner, ViewsStayValidAsItGrows) {
  StringInterner names(64);  // small arena blocks: many of them
  std::vector<std::string_view> first;
  for (int i = 0; i < 20; ++i) first.push_back(names.intern("C" + std::to_string(i)));
  const std::vector<std::string_view> copy = first;
  for (int i = 0; i < 20000; ++i) (void)names.intern(long_code(i));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(first[static_cast<std::size_t>(i)], "C" + std::to_string(i));
    EXPECT_EQ(names.intern("C" + std::to_string(i)).data(), copy[static_cast<std::size_t>(i)].data());
  }
  EXPECT_EQ(names.size(), 20020u);
}

// Strings longer than an arena block are stored whole, between short ones, and stay put.
TEST(StringInterner, StringsLongerThanABlockAreStoredWhole) {
  StringInterner names(16);
  std::vector<std::string> texts;
  std::vector<std::string_view> views;
  for (int i = 0; i < 6; ++i) {
    texts.push_back("S" + std::to_string(i));
    texts.push_back(std::string(static_cast<std::size_t>(100 + 300 * i), static_cast<char>('a' + i)));
  }
  for (const auto& t : texts) views.push_back(names.intern(t));
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(views[i], texts[i]) << i;
    EXPECT_EQ(names.intern(texts[i]).data(), views[i].data()) << i;
    EXPECT_EQ(names.find(texts[i]), std::optional<StringInterner::Id>(static_cast<StringInterner::Id>(i))) << i;
  }
  std::size_t total = 0;
  for (const auto& t : texts) total += t.size();
  EXPECT_EQ(names.bytes(), total);
  EXPECT_EQ(names.size(), texts.size());
}

// Ids are 0, 1, 2... in first-seen order, and view(id) gives the text back.
TEST(StringInterner, IdsAreDenseInFirstSeenOrder) {
  StringInterner names;
  EXPECT_EQ(names.intern_id("UNH"), 0u);
  EXPECT_EQ(names.intern_id("BGM"), 1u);
  EXPECT_EQ(names.intern_id("UNH"), 0u);
  EXPECT_EQ(names.intern("DTM"), "DTM");
  EXPECT_EQ(names.intern_id("DTM"), 2u);
  EXPECT_EQ(names.view(1), "BGM");
  EXPECT_EQ(names.view(2).data(), names.intern("DTM").data());
  EXPECT_EQ(names.size(), 3u);
}

// find() answers without inserting.
TEST(StringInterner, FindDoesNotInsert) {
  StringInterner names;
  (void)names.intern("NAD");
  EXPECT_EQ(names.find("NAD"), std::optional<StringInterner::Id>(0));
  EXPECT_EQ(names.find("LIN"), std::nullopt);
  EXPECT_EQ(names.find("NA"), std::nullopt);
  EXPECT_EQ(names.find("NADX"), std::nullopt);
  EXPECT_EQ(names.size(), 1u);
  EXPECT_EQ(names.intern_id("LIN"), 1u);
}

// Strings that share a prefix, differ in one byte, are empty or hold any byte stay distinct.
TEST(StringInterner, KeepsEveryByteDistinct) {
  StringInterner names;
  const std::vector<std::string> texts = {"", "N", "NA", "NAD", "NAE", "nad", std::string("N\0D", 3),
                                          std::string("N\0E", 3), "\xC3\xBC", "\xFC", long_code(1), long_code(10)};
  std::vector<StringInterner::Id> ids;
  for (const auto& t : texts) ids.push_back(names.intern_id(t));
  EXPECT_EQ(names.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(ids[i], i);
    EXPECT_EQ(names.view(ids[i]), texts[i]);
    EXPECT_EQ(names.intern_id(texts[i]), ids[i]);
    EXPECT_EQ(names.find(texts[i]), std::optional<StringInterner::Id>(ids[i]));
  }
}

// Interning a string seen before, and find(), allocate nothing; only new strings may.
TEST(StringInterner, AllocatesOnlyForNewStrings) {
  StringInterner names;
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(long_code(i));
  for (const auto& t : texts) (void)names.intern(t);
  const std::size_t bytes = names.bytes();
  const std::string absent = long_code(999);

  edi::test::AllocationCounter allocations;
  std::size_t found = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& t : texts) {
      found += names.intern(t).size();
      found += names.intern_id(std::string_view(t)) < texts.size() ? 1 : 0;
      found += names.find(t) ? 1 : 0;
    }
  }
  const bool absent_found = names.find(absent).has_value();
  const auto counted = allocations.allocations();
  EXPECT_EQ(counted, 0u) << "lookups of known strings must not allocate";
  EXPECT_FALSE(absent_found);
  EXPECT_EQ(found, 3 * (texts.size() * 2 + bytes));
  EXPECT_EQ(names.size(), texts.size());
  EXPECT_EQ(names.bytes(), bytes);

  const std::string fresh = long_code(1000);
  allocations.restart();
  (void)names.intern(fresh);
  EXPECT_GT(allocations.allocations(), 0u) << "a new string needs memory";
  EXPECT_EQ(names.size(), texts.size() + 1);
}

// Counting the tags of an interchange: after the first pass has met every tag, a second pass
// allocates nothing.
TEST(StringInterner, CountingTagsAllocatesNothingOnceWarm) {
  edi::GeneratorOptions opt;
  opt.seed = 3;
  opt.messages = 100;
  const std::string text = edi::generate(opt);
  StringInterner tags;
  std::vector<std::size_t> counts;
  const auto count_pass = [&] {
    std::fill(counts.begin(), counts.end(), 0);
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) {
      const auto id = tags.intern_id(raw.tag.view());
      if (id >= counts.size()) counts.resize(id + 1, 0);
      ++counts[id];
    }
  };
  count_pass();
  const std::vector<std::size_t> first = counts;
  edi::test::AllocationCounter allocations;
  count_pass();
  EXPECT_EQ(allocations.allocations(), 0u);
  EXPECT_EQ(counts, first);
  ASSERT_TRUE(tags.find("UNH"));
  ASSERT_TRUE(tags.find("UNT"));
  EXPECT_EQ(counts[*tags.find("UNH")], 100u);
  EXPECT_EQ(counts[*tags.find("UNT")], 100u);
}

// The const members may run on several threads at once (no writer): every thread sees the same.
TEST(StringInterner, ConcurrentReadsAgree) {
  StringInterner names;
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i) texts.push_back(i % 2 ? long_code(i) : "T" + std::to_string(i));
  for (const auto& t : texts) (void)names.intern(t);
  constexpr int kThreads = 4;
  std::barrier start(kThreads);
  std::atomic<int> wrong{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int round = 0; round < 20; ++round) {
          for (std::size_t i = 0; i < texts.size(); ++i) {
            const std::size_t k = (i * 7 + static_cast<std::size_t>(t)) % texts.size();
            const auto id = names.find(texts[k]);
            if (!id || *id != k || names.view(*id) != texts[k]) wrong.fetch_add(1);
          }
        }
      });
    }
  }
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
