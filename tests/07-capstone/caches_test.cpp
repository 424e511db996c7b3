// Graders of lesson 07, the two caches: DedupCache (retransmissions, bounded, least recently seen
// first out) and PartnerCache (partner records in front of SQLite: hits, misses, unknown GLNs,
// bounded, least recently used first out, many threads at once). Counts of SQL queries make the
// tests exact: PartnerDirectory::queries() says how often the cache went to the database.
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "caches.hpp"
#include "edi/generator.hpp"

namespace {

using edi::capstone::ContentHash;
using edi::capstone::DedupCache;
using edi::capstone::PartnerCache;
using edi::capstone::PartnerDirectory;

ContentHash hash_of(int i) { return edi::capstone::content_hash("message " + std::to_string(i)); }

std::string gln(std::size_t i) { return std::string(edi::partners()[i].gln); }

// A valid GLN that is not in the master data (the generator's all start with 30..87).
const std::string kUnknownGln = "0000000000000";

// --- DedupCache -----------------------------------------------------------------------------

// The first sight of a message is not a retransmission; every later one within the window is.
TEST(DedupCache, SecondSightIsARetransmission) {
  DedupCache seen(8);
  EXPECT_FALSE(seen.seen_before(hash_of(1)));
  EXPECT_FALSE(seen.seen_before(hash_of(2)));
  EXPECT_TRUE(seen.seen_before(hash_of(1)));
  EXPECT_TRUE(seen.seen_before(hash_of(1)));
  EXPECT_TRUE(seen.seen_before(hash_of(2)));
  EXPECT_EQ(seen.size(), 2u);
}

// Hashes that share one half are still different messages.
TEST(DedupCache, ComparesWholeHashes) {
  DedupCache seen(8);
  EXPECT_FALSE(seen.seen_before(ContentHash{1, 2}));
  EXPECT_FALSE(seen.seen_before(ContentHash{1, 3}));
  EXPECT_FALSE(seen.seen_before(ContentHash{4, 2}));
  EXPECT_TRUE(seen.seen_before(ContentHash{1, 3}));
  EXPECT_EQ(seen.size(), 3u);
}

// However many messages pass, the cache holds at most its capacity.
TEST(DedupCache, RemembersAtMostItsCapacity) {
  DedupCache seen(100);
  for (int i = 0; i < 5000; ++i) {
    EXPECT_FALSE(seen.seen_before(hash_of(i)));
    ASSERT_LE(seen.size(), 100u);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(seen.seen_before(hash_of(4999)));   // the newest are remembered
  EXPECT_FALSE(seen.seen_before(hash_of(0)));     // the oldest are forgotten
}

// When full, the least recently *seen* hash goes: a retransmission refreshes its original.
TEST(DedupCache, ForgetsTheLeastRecentlySeenFirst) {
  DedupCache seen(3);
  EXPECT_FALSE(seen.seen_before(hash_of(1)));
  EXPECT_FALSE(seen.seen_before(hash_of(2)));
  EXPECT_FALSE(seen.seen_before(hash_of(3)));
  EXPECT_TRUE(seen.seen_before(hash_of(1)));   // 1 is now the most recent: 2 is the oldest
  EXPECT_FALSE(seen.seen_before(hash_of(4)));  // full: forgets 2
  EXPECT_TRUE(seen.seen_before(hash_of(1)));
  EXPECT_TRUE(seen.seen_before(hash_of(3)));
  EXPECT_TRUE(seen.seen_before(hash_of(4)));
  EXPECT_FALSE(seen.seen_before(hash_of(2)));  // forgotten; remembered again now, forgetting 1
  EXPECT_FALSE(seen.seen_before(hash_of(1)));
  EXPECT_EQ(seen.size(), 3u);
}

// --- PartnerCache ---------------------------------------------------------------------------

// Known GLNs give the master data's record; the cache adds nothing and loses nothing.
TEST(PartnerCache, FindsThePartnersOfTheMasterData) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 64);
  for (std::size_t i = 0; i < 20; ++i) {
    const edi::Partner& expected = edi::partners()[i];
    const edi::capstone::PartnerPtr p = cache.find(expected.gln);
    ASSERT_NE(p, nullptr) << expected.gln;
    EXPECT_EQ(p->gln, expected.gln);
    EXPECT_EQ(p->name, expected.name);
    EXPECT_EQ(p->city, expected.city);
    EXPECT_EQ(p->country, expected.country);
  }
  EXPECT_EQ(cache.find(kUnknownGln), nullptr);
}

// Repeated lookups are hits: the database sees each GLN once.
TEST(PartnerCache, AsksTheDatabaseOncePerPartner) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 64);
  for (int round = 0; round < 50; ++round) {
    for (std::size_t i = 0; i < 10; ++i) ASSERT_NE(cache.find(gln(i)), nullptr);
  }
  EXPECT_EQ(directory.queries(), 10u);
  EXPECT_EQ(cache.stats().misses, 10u);
  EXPECT_EQ(cache.stats().hits, 490u);
}

// An unknown GLN is cached too (as nullptr): asking again costs no query.
TEST(PartnerCache, RemembersUnknownPartnersToo) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 64);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(cache.find(kUnknownGln), nullptr);
  EXPECT_EQ(directory.queries(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

// However many partners pass, the cache (sharded or not) holds at most its capacity.
TEST(PartnerCache, HoldsAtMostItsCapacity) {
  PartnerDirectory directory(":memory:");
  for (const std::size_t shards : {1u, 4u, 8u}) {
    PartnerCache cache(directory, 10, shards);
    for (std::size_t i = 0; i < edi::partners().size(); ++i) {
      cache.find(gln(i));
      ASSERT_LE(cache.size(), 10u) << shards << " shards";
    }
    EXPECT_GE(cache.size(), 1u);
  }
}

// One shard is one exact LRU: a hit makes an entry the most recent; the least recent goes first.
TEST(PartnerCache, EvictsTheLeastRecentlyUsedFirst) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 2, /*shards=*/1);
  cache.find(gln(0));  // miss
  cache.find(gln(1));  // miss
  cache.find(gln(0));  // hit: 0 is the most recent, 1 the least
  cache.find(gln(2));  // miss: full, 1 goes
  EXPECT_EQ(directory.queries(), 3u);
  cache.find(gln(0));  // still cached
  EXPECT_EQ(directory.queries(), 3u);
  cache.find(gln(1));  // was evicted: asked again (and 2 goes)
  EXPECT_EQ(directory.queries(), 4u);
  cache.find(gln(0));
  EXPECT_EQ(directory.queries(), 4u);
  EXPECT_EQ(cache.size(), 2u);
}

// Many threads at once get the right records, and the bound holds (TSan checks the locking).
TEST(PartnerCache, IsSafeToShareBetweenThreads) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 16, 4);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  std::vector<std::exception_ptr> errors(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const auto me = static_cast<std::size_t>(t);
      try {
        for (std::size_t i = 0; i < 3000; ++i) {
          const std::size_t k = (i * 7 + me) % 40;
          const edi::capstone::PartnerPtr p = cache.find(gln(k));
          if (p == nullptr || p->gln != gln(k)) ++wrong[me];
          if (cache.find(kUnknownGln) != nullptr) ++wrong[me];
        }
      } catch (...) {
        errors[me] = std::current_exception();  // rethrown on the test's thread below
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
  EXPECT_LE(cache.size(), 16u);
  const PartnerCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, 4u * 3000u * 2u);
  EXPECT_EQ(stats.misses, directory.queries());
}

}  // namespace
