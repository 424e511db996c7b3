// Graders of lesson 07, the two caches: DedupCache (retransmissions, bounded, least recently seen
// first out) and PartnerCache (partner records in front of SQLite: hits, misses, unknown GLNs,
// bounded, least recently used first out, many threads at once). Counts of SQL queries make the
// tests exact: PartnerDirectory::queries() says how often the cache went to the database.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <exception>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <tuple>
#include <vector>

#include "alloc_counter.hpp"
#include "caches.hpp"
#include "capstone_test.hpp"
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

// A query that throws half-way (an allocation fails while the directory builds the record, each
// of its allocations in turn) leaves nothing behind: the exception reaches the caller, the cache
// keeps no answer for that partner, and the next find() asks the directory again and gets the
// record. (A directory that skipped resetting its statement would answer "unknown", for good.)
TEST(PartnerCache, AQueryThatThrowsLeavesNothingBehind) {
  PartnerDirectory directory(":memory:");
  const edi::Partner& partner = edi::partners()[3];
  const std::uint64_t allocations = edi::test::count_allocations([&] { (void)directory.find(partner.gln); });
  ASSERT_GT(allocations, 0u) << "a query of a known partner allocates its record";
  for (std::uint64_t failing = 0; failing < allocations; ++failing) {
    PartnerCache cache(directory, 64);
    ASSERT_NE(cache.find(gln(0)), nullptr);  // find() works at all
    bool armed = false;
    directory.set_query_hook([&](std::string_view) {
      if (!std::exchange(armed, true)) edi::test::fail_allocation(failing);  // inside the first query only
    });
    bool threw = false;
    try {
      (void)cache.find(partner.gln);
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    const bool failed = !edi::test::allocation_failure_pending();
    edi::test::cancel_allocation_failure();
    directory.set_query_hook(nullptr);
    ASSERT_TRUE(failed) << "allocation " << failing << " of the query was not made";
    EXPECT_TRUE(threw) << "allocation " << failing << " of the query failed and find() did not throw std::bad_alloc";
    const std::uint64_t queries = directory.queries();
    const edi::capstone::PartnerPtr p = cache.find(partner.gln);
    EXPECT_EQ(directory.queries(), queries + 1)
        << "the query that threw (at its allocation " << failing << ") left an answer in the cache";
    ASSERT_NE(p, nullptr) << partner.gln << " is unknown after a query of it threw at its allocation " << failing
                          << ": the failure was cached, or it left the directory's statement half-read";
    EXPECT_EQ(p->gln, partner.gln);
    EXPECT_EQ(p->name, partner.name);
  }
}

// However many partners pass, the cache (sharded or not) holds at most its capacity.
TEST(PartnerCache, HoldsAtMostItsCapacity) {
  PartnerDirectory directory(":memory:");
  for (const std::size_t shards : {1u, 4u, 8u}) {
    PartnerCache cache(directory, 10, shards);
    for (std::size_t i = 0; i < edi::partners().size(); ++i) {
      ASSERT_NE(cache.find(gln(i)), nullptr) << shards << " shards";
      ASSERT_LE(cache.size(), 10u) << shards << " shards";
    }
    EXPECT_GE(cache.size(), 1u);
  }
}

// One shard is one exact LRU: a hit makes an entry the most recent; the least recent goes first.
TEST(PartnerCache, EvictsTheLeastRecentlyUsedFirst) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 2, /*shards=*/1);
  EXPECT_NE(cache.find(gln(0)), nullptr);  // miss
  EXPECT_NE(cache.find(gln(1)), nullptr);  // miss
  EXPECT_NE(cache.find(gln(0)), nullptr);  // hit: 0 is the most recent, 1 the least
  EXPECT_NE(cache.find(gln(2)), nullptr);  // miss: full, 1 goes
  EXPECT_EQ(directory.queries(), 3u);
  EXPECT_NE(cache.find(gln(0)), nullptr);  // still cached
  EXPECT_EQ(directory.queries(), 3u);
  EXPECT_NE(cache.find(gln(1)), nullptr);  // was evicted: asked again (and 2 goes)
  EXPECT_EQ(directory.queries(), 4u);
  EXPECT_NE(cache.find(gln(0)), nullptr);
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

// More shards than capacity: the shards are reduced to the capacity, and the bound still holds.
TEST(PartnerCache, MoreShardsThanCapacity) {
  PartnerDirectory directory(":memory:");
  for (const std::size_t capacity : {1u, 3u, 5u}) {
    PartnerCache cache(directory, capacity, /*shards=*/8);
    for (std::size_t i = 0; i < 40; ++i) {
      const edi::capstone::PartnerPtr p = cache.find(gln(i));
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(p->gln, gln(i));
      ASSERT_LE(cache.size(), capacity) << "capacity " << capacity << ", 8 shards asked for";
    }
    EXPECT_NE(cache.find(gln(39)), nullptr);
  }
}

// The cache keeps its own copy of a GLN: the caller's buffer may change right after find().
TEST(PartnerCache, KeepsItsOwnCopyOfTheKey) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 8, 1);
  std::string buffer = gln(0);
  ASSERT_NE(cache.find(buffer), nullptr);
  buffer.replace(0, buffer.size(), gln(1));  // the same bytes now hold another GLN
  const edi::capstone::PartnerPtr p = cache.find(buffer);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->gln, gln(1));
  EXPECT_EQ(directory.queries(), 2u);
  const edi::capstone::PartnerPtr again = cache.find(gln(0));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->gln, gln(0));
  EXPECT_EQ(directory.queries(), 2u);
}

// Two threads miss the same GLN at the same moment: the first is held inside its directory
// query until the second is blocked (on the cache's lock) or is querying too. One query, one
// miss, one hit: the second thread waits for the first one's answer instead of asking again.
TEST(PartnerCache, OneQueryForAConcurrentMiss) {
  for (const std::size_t shards : {1u, 8u}) {
    PartnerDirectory directory(":memory:");
    PartnerCache cache(directory, 64, shards);
    const std::string wanted = gln(5);
    ASSERT_NE(cache.find(gln(0)), nullptr);  // find() works at all, before any thread is started
    std::atomic<int> queries{0};
    std::atomic<long> second_thread{0};
    std::atomic<bool> second_queried{false};
    std::atomic<bool> timed_out{false};
    capstone_test::Gate first_querying;
    directory.set_query_hook([&](std::string_view) {
      if (queries.fetch_add(1) == 0) {
        first_querying.open();
        const bool went_on = capstone_test::wait_until([&] {
          const long tid = second_thread.load();
          return second_queried.load() || (tid != 0 && capstone_test::thread_is_held(tid));
        });
        if (!went_on) timed_out = true;
      } else {
        second_queried = true;
      }
    });
    edi::capstone::PartnerPtr first, second;
    std::exception_ptr errors[2];
    std::thread one([&] {
      try {
        first = cache.find(wanted);
      } catch (...) {
        errors[0] = std::current_exception();
        first_querying.open();
      }
    });
    const bool querying = first_querying.wait();
    std::thread two([&] {
      second_thread = capstone_test::this_thread_id();
      try {
        second = cache.find(wanted);
      } catch (...) {
        errors[1] = std::current_exception();
      }
    });
    one.join();
    two.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    ASSERT_TRUE(querying) << "the first find() never queried the directory";
    EXPECT_FALSE(timed_out) << "the second find() neither blocked nor queried for 10 s";
    EXPECT_EQ(directory.queries(), 2u) << shards << " shards: two find() of one GLN at the same moment queried "
                                          "the directory twice; the second should wait for the first's answer";
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->gln, wanted);
    EXPECT_EQ(cache.stats().misses, 2u);  // gln(0) and `wanted`
    EXPECT_EQ(cache.stats().hits, 1u);
  }
}

// Two threads hit the same shard together, round after round (a barrier starts every round):
// hits are counted and entries reordered under the shard's lock (ThreadSanitizer grades it).
TEST(PartnerCache, ThreadsHitTheSameShardTogether) {
  PartnerDirectory directory(":memory:");
  PartnerCache cache(directory, 8, 1);
  for (std::size_t i = 0; i < 4; ++i) std::ignore = cache.find(gln(i));  // warms the shard: only its state matters
  std::barrier<> round(2);
  std::vector<int> wrong(2, 0);
  const auto hit = [&](std::size_t me) {
    for (std::size_t i = 0; i < 50; ++i) {
      round.arrive_and_wait();
      const std::size_t k = (i + me) % 4;
      const edi::capstone::PartnerPtr p = cache.find(gln(k));
      if (p == nullptr || p->gln != gln(k)) ++wrong[me];
    }
  };
  std::thread other(hit, 1);
  hit(0);
  other.join();
  EXPECT_EQ(wrong, std::vector<int>(2, 0));
  EXPECT_EQ(directory.queries(), 4u);
  EXPECT_EQ(cache.stats().hits, 100u);
  EXPECT_EQ(cache.stats().misses, 4u);
}

}  // namespace
