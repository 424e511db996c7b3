// Graders of lesson 01: SharedSegmentPool, the thread-safe pool with per-thread caches. Threads
// are put in step with std::latch and std::barrier (never with sleeps), so every test does the
// same thing on every run; under ThreadSanitizer (the tsan preset) the same tests find data races.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <memory>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"
#include "shared_segment_pool.hpp"

namespace {

using edi::Segment;
using edi::pooling::PooledSegment;
using edi::pooling::SharedPoolOptions;
using edi::pooling::SharedSegmentPool;

// Fills `seg` with a segment that says who wrote it: "T<thread>+<round>:<index>".
void stamp(Segment& seg, int thread, int round, int index) {
  const std::string text = "T" + std::to_string(thread) + "+" + std::to_string(round) + ":" + std::to_string(index) +
                           "+some longer value to make the buffers grow'";
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  const edi::Errc rc = tok.next(raw);
  ASSERT_EQ(rc, edi::Errc::ok) << text;
  edi::parse_segment(raw, seg);
}

bool has_stamp(const Segment& seg, int thread, int round, int index) {
  return seg.tag() == "T" + std::to_string(thread) && seg.component(0, 0) == std::to_string(round) &&
         seg.component(0, 1) == std::to_string(index) && seg.element_count() == 2;
}

// On one thread the pool behaves like SegmentPool: a released segment comes back, empty.
TEST(SharedSegmentPool, ReleasedSegmentsComeBackEmpty) {
  SharedSegmentPool pool;
  Segment* first = nullptr;
  {
    PooledSegment seg = pool.acquire();
    first = seg.get();
    stamp(*seg, 0, 0, 0);
  }
  PooledSegment again = pool.acquire();
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(again->tag(), "");
  EXPECT_EQ(again->element_count(), 0u);
  EXPECT_GT(again->capacity_bytes(), 0u) << "release should keep the buffers' capacity";
  const auto s = pool.stats();
  EXPECT_EQ(s.created, 1u);
  EXPECT_EQ(s.acquired, 2u);
  EXPECT_EQ(s.reused, 1u);
  EXPECT_EQ(s.outstanding, 1u);
  EXPECT_EQ(s.idle, 0u);
}

// Each thread has a cache of its own: a segment released on thread A is not handed to thread B
// while A's cache keeps it; B gets a new one.
TEST(SharedSegmentPool, EachThreadHasItsOwnCache) {
  SharedSegmentPool pool({.cache_capacity = 8});
  Segment* a_segment = nullptr;
  Segment* b_segment = nullptr;
  std::latch a_released(1);
  std::latch b_done(1);
  std::jthread a([&] {
    {
      PooledSegment seg = pool.acquire();
      a_segment = seg.get();
    }
    a_released.count_down();
    b_done.wait();
    PooledSegment again = pool.acquire();  // A's cache still has it
    EXPECT_EQ(again.get(), a_segment);
  });
  std::jthread b([&] {
    a_released.wait();
    PooledSegment seg = pool.acquire();
    b_segment = seg.get();
    b_done.count_down();
  });
  a.join();
  b.join();
  EXPECT_NE(a_segment, b_segment);
  const auto s = pool.stats();
  EXPECT_EQ(s.created, 2u);
  EXPECT_EQ(s.acquired, 3u);
  EXPECT_EQ(s.reused, 1u);
  EXPECT_EQ(s.outstanding, 0u);
}

// A segment released on another thread than the one that acquired it is counted back, comes
// back empty, and is reused: past the releasing thread's cache it reaches the shared list.
TEST(SharedSegmentPool, CrossThreadReleaseReturnsToThePool) {
  constexpr int kSegments = 32;
  constexpr std::size_t kCache = 4;
  SharedSegmentPool pool({.cache_capacity = kCache});
  std::vector<PooledSegment> batch;
  for (int i = 0; i < kSegments; ++i) {
    batch.push_back(pool.acquire());
    stamp(*batch.back(), 0, 0, i);
  }
  std::jthread consumer([&batch] {
    for (int i = 0; i < kSegments; ++i) EXPECT_TRUE(has_stamp(*batch[static_cast<std::size_t>(i)], 0, 0, i));
    batch.clear();  // released on the consumer thread
  });
  consumer.join();
  auto s = pool.stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.created, static_cast<std::size_t>(kSegments));
  EXPECT_EQ(s.idle, static_cast<std::size_t>(kSegments));

  // The producer acquires again: all but what the consumer's cache keeps comes from the shared list.
  for (int i = 0; i < kSegments; ++i) {
    batch.push_back(pool.acquire());
    EXPECT_EQ(batch.back()->element_count(), 0u);
  }
  s = pool.stats();
  EXPECT_GE(s.reused, kSegments - kCache);
  EXPECT_LE(s.created, kSegments + kCache);
  EXPECT_EQ(s.acquired, s.created + s.reused);
  batch.clear();
  EXPECT_EQ(pool.stats().outstanding, 0u);
}

// Several threads in lockstep rounds: each acquires and stamps a batch, hands it to its
// neighbour, who checks the stamps and releases it. Nothing is lost, nothing is stale, and the
// segments are reused instead of created anew every round.
TEST(SharedSegmentPool, ThreadsShareTheSegmentsInRounds) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 40;
  constexpr int kBatch = 16;
  constexpr std::size_t kCache = 8;
  SharedSegmentPool pool({.cache_capacity = kCache});
  std::vector<std::vector<PooledSegment>> mailbox(kThreads);
  std::barrier step(kThreads);
  std::atomic<int> stale{0};
  std::atomic<int> wrong{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int r = 0; r < kRounds; ++r) {
          std::vector<PooledSegment> batch;
          for (int i = 0; i < kBatch; ++i) {
            PooledSegment seg = pool.acquire();
            if (seg->element_count() != 0 || !seg->tag().empty()) stale.fetch_add(1);
            stamp(*seg, t, r, i);
            batch.push_back(std::move(seg));
          }
          mailbox[static_cast<std::size_t>(t)] = std::move(batch);
          step.arrive_and_wait();  // every batch is in its mailbox
          const int from = (t + 1) % kThreads;
          std::vector<PooledSegment> received = std::move(mailbox[static_cast<std::size_t>(from)]);
          for (int i = 0; i < kBatch; ++i) {
            if (!has_stamp(*received[static_cast<std::size_t>(i)], from, r, i)) wrong.fetch_add(1);
          }
          received.clear();        // released on this thread, acquired on another
          step.arrive_and_wait();  // every mailbox is empty before the next round writes it
        }
      });
    }
  }
  EXPECT_EQ(stale.load(), 0) << "a segment came out of the pool with values from its last use";
  EXPECT_EQ(wrong.load(), 0) << "a segment changed while another thread held it";
  const auto s = pool.stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.acquired, static_cast<std::size_t>(kThreads * kRounds * kBatch));
  EXPECT_EQ(s.acquired, s.created + s.reused);
  // At most two batches per thread are out at once, plus what the caches hold.
  EXPECT_LE(s.created, static_cast<std::size_t>(kThreads) * (2 * kBatch + kCache));
  EXPECT_EQ(s.idle, s.created);
}

// Many threads acquiring and releasing at once, each checking its own segments: the statistics
// add up exactly after the join.
TEST(SharedSegmentPool, ConcurrentAcquireAndReleaseAddUp) {
  constexpr int kThreads = 6;
  constexpr int kCycles = 2000;
  SharedSegmentPool pool({.cache_capacity = 4});
  std::latch start(kThreads);
  std::atomic<int> wrong{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();  // all threads run at once
        for (int c = 0; c < kCycles; ++c) {
          PooledSegment a = pool.acquire();
          PooledSegment b = pool.acquire();
          stamp(*a, t, c, 0);
          stamp(*b, t, c, 1);
          if (!has_stamp(*a, t, c, 0) || !has_stamp(*b, t, c, 1) || a.get() == b.get()) wrong.fetch_add(1);
          if (c % 3 == 0) {
            std::vector<PooledSegment> extra;
            for (int i = 0; i < 6; ++i) extra.push_back(pool.acquire());  // overflows the cache on release
          }
        }
      });
    }
  }
  EXPECT_EQ(wrong.load(), 0);
  const auto s = pool.stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.acquired, static_cast<std::size_t>(kThreads) * (2 * kCycles + 6 * ((kCycles + 2) / 3)));
  EXPECT_EQ(s.acquired, s.created + s.reused);
  EXPECT_EQ(s.idle, s.created);
  EXPECT_LE(s.created, static_cast<std::size_t>(kThreads) * (8 + 4));
}

// trim() frees the buffers of what the calling thread's cache and the shared list hold.
TEST(SharedSegmentPool, TrimFreesIdleBuffers) {
  SharedSegmentPool pool({.cache_capacity = 2});
  {
    std::vector<PooledSegment> held;
    for (int i = 0; i < 6; ++i) {
      held.push_back(pool.acquire());
      stamp(*held.back(), 0, 0, i);
    }
  }  // two stay in this thread's cache, the others spill to the shared list
  EXPECT_GT(pool.trim(), 0u);
  std::vector<PooledSegment> again;
  for (int i = 0; i < 6; ++i) {
    again.push_back(pool.acquire());
    EXPECT_EQ(again.back()->capacity_bytes(), 0u);
  }
  EXPECT_EQ(pool.stats().created, 6u);
  EXPECT_EQ(pool.trim(), 0u);
}

// A full cache moves its older half to the shared list and keeps the newer half: this thread
// gets its last releases back; another thread gets the older ones, as one batch.
TEST(SharedSegmentPool, AFullCacheMovesItsOlderHalf) {
  SharedSegmentPool pool({.cache_capacity = 4});
  std::vector<PooledSegment> held;
  std::vector<Segment*> s;
  for (int i = 0; i < 5; ++i) {
    held.push_back(pool.acquire());
    s.push_back(held.back().get());
  }
  for (PooledSegment& h : held) h.reset();  // s0..s3 fill the cache; s4 moves s0, s1 out
  std::vector<Segment*> other;
  std::jthread([&] {
    std::vector<PooledSegment> mine;
    for (int i = 0; i < 3; ++i) {
      mine.push_back(pool.acquire());
      other.push_back(mine.back().get());
    }
  }).join();
  ASSERT_EQ(other.size(), 3u);
  const auto sorted = [](std::vector<Segment*> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted({other[0], other[1]}), sorted({s[0], s[1]})) << "the other thread should get the older half, as one batch";
  EXPECT_EQ(pool.stats().created, 6u) << "the shared list should have held exactly the older half";
  held.clear();
  for (int i = 0; i < 3; ++i) held.push_back(pool.acquire());
  EXPECT_EQ(sorted({held[0].get(), held[1].get(), held[2].get()}), sorted({s[2], s[3], s[4]}))
      << "this thread's cache should have kept the newer half";
  held.clear();
  const auto st = pool.stats();
  EXPECT_EQ(st.acquired, 11u);
  EXPECT_EQ(st.reused, 5u);
  EXPECT_EQ(st.outstanding, 0u);
}

// An empty cache takes half a cache from the shared list at once: not one segment, not all of it.
// Counted through `created`: a second thread finds exactly what the first one left.
TEST(SharedSegmentPool, AnEmptyCacheTakesHalfACache) {
  SharedSegmentPool pool({.cache_capacity = 8});
  {
    std::vector<PooledSegment> held;
    for (int i = 0; i < 17; ++i) held.push_back(pool.acquire());
  }  // three spills of 4: the shared list holds 12, this thread's cache 5
  ASSERT_EQ(pool.stats().created, 17u);
  std::latch b_holds(1);
  std::latch d_done(1);
  std::jthread b([&] {
    PooledSegment seg = pool.acquire();  // takes 4 of the 12
    b_holds.count_down();
    d_done.wait();
  });
  b_holds.wait();
  std::size_t created_by_d = 0;
  std::jthread d([&] {
    std::vector<PooledSegment> mine;
    for (int i = 0; i < 8; ++i) mine.push_back(pool.acquire());  // two batches of 4: the shared list is empty
    const std::size_t before = pool.stats().created;
    mine.push_back(pool.acquire());
    created_by_d = pool.stats().created - before;
  });
  d.join();
  d_done.count_down();
  b.join();
  EXPECT_EQ(created_by_d, 1u) << "the shared list should have been empty after two batches";
  const auto st = pool.stats();
  EXPECT_EQ(st.created, 18u);
  EXPECT_EQ(st.acquired, 27u);
  EXPECT_EQ(st.reused, 9u);
  EXPECT_EQ(st.outstanding, 0u);
}

// trim() frees exactly what the calling thread's cache and the shared list hold, and leaves the
// cache of another thread alone.
TEST(SharedSegmentPool, TrimLeavesOtherThreadsCachesAlone) {
  SharedSegmentPool pool({.cache_capacity = 4});
  std::latch b_filled(1);
  std::latch trimmed(1);
  std::size_t b_capacity = 0;
  std::jthread b([&] {
    {
      PooledSegment seg = pool.acquire();
      stamp(*seg, 1, 0, 0);
    }  // stays in B's cache
    b_filled.count_down();
    trimmed.wait();
    PooledSegment again = pool.acquire();
    b_capacity = again->capacity_bytes();
  });
  b_filled.wait();
  std::size_t held_bytes = 0;
  {
    std::vector<PooledSegment> held;
    for (int i = 0; i < 6; ++i) {
      held.push_back(pool.acquire());
      stamp(*held.back(), 0, 0, i);
      held_bytes += held.back()->capacity_bytes();
    }
  }  // this thread's cache and the shared list
  EXPECT_EQ(pool.trim(), held_bytes);
  trimmed.count_down();
  b.join();
  EXPECT_GT(b_capacity, 0u) << "trim() freed the buffers of another thread's cache";
  // B has ended: its cache went to the shared list, which trim() reaches.
  EXPECT_EQ(pool.trim(), b_capacity);
  EXPECT_EQ(pool.trim(), 0u);
}

// A pool made where a destroyed one was (the same address) starts with nothing of it: no cache,
// no segment, no count. Graded under AddressSanitizer too.
TEST(SharedSegmentPool, ANewPoolAtAnOldAddressStartsEmpty) {
  std::optional<SharedSegmentPool> pool;
  pool.emplace(SharedPoolOptions{.cache_capacity = 4});
  const SharedSegmentPool* first = &*pool;
  for (int round = 0; round < 2; ++round) {
    std::vector<PooledSegment> held;
    for (int i = 0; i < 6; ++i) {
      held.push_back(pool->acquire());
      stamp(*held.back(), 0, round, i);
    }
  }
  pool.reset();
  pool.emplace(SharedPoolOptions{.cache_capacity = 4});
  ASSERT_EQ(&*pool, first);
  {
    PooledSegment seg = pool->acquire();
    EXPECT_EQ(seg->tag(), "");
    EXPECT_EQ(seg->element_count(), 0u);
    stamp(*seg, 1, 0, 0);
    EXPECT_TRUE(has_stamp(*seg, 1, 0, 0));
  }
  const auto st = pool->stats();
  EXPECT_EQ(st.created, 1u);
  EXPECT_EQ(st.acquired, 1u);
  EXPECT_EQ(st.outstanding, 0u);
}

// stats() totals every cache, also those of threads still running (an ended thread's counts
// are kept when its cache goes): read here while the other thread holds one segment and keeps
// one in its cache.
TEST(SharedSegmentPool, StatsCountThreadsStillRunning) {
  SharedSegmentPool pool({.cache_capacity = 8});
  std::latch holding(1);
  std::latch counted(1);
  std::jthread other([&] {
    PooledSegment kept = pool.acquire();
    { PooledSegment released = pool.acquire(); }  // idle in this thread's cache
    holding.count_down();
    counted.wait();
  });
  holding.wait();
  { PooledSegment mine = pool.acquire(); }
  auto st = pool.stats();
  counted.count_down();
  EXPECT_EQ(st.created, 3u);
  EXPECT_EQ(st.acquired, 3u) << "the running thread's acquisitions are not counted";
  EXPECT_EQ(st.reused, 0u);
  EXPECT_EQ(st.outstanding, 1u) << "the running thread holds one segment";
  EXPECT_EQ(st.idle, 2u);
  other.join();
  st = pool.stats();
  EXPECT_EQ(st.acquired, 3u) << "the ended thread's counts must stay in the totals";
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.idle, 3u);
}

// A cache lives as long as its thread: when the thread ends, its idle segments go to the shared
// list, where the next thread finds them (instead of creating new ones), still empty.
TEST(SharedSegmentPool, AnEndedThreadsSegmentsGoBackToThePool) {
  SharedSegmentPool pool({.cache_capacity = 8});
  std::vector<Segment*> theirs;
  std::jthread([&] {
    std::vector<PooledSegment> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(pool.acquire());
      stamp(*held.back(), 1, 0, i);
      theirs.push_back(held.back().get());
    }
  }).join();  // the three segments were in its cache when it ended
  std::vector<PooledSegment> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(pool.acquire());
    EXPECT_EQ(mine.back()->element_count(), 0u) << "a segment of the ended thread came back with its values";
  }
  std::vector<Segment*> got;
  for (const PooledSegment& seg : mine) got.push_back(seg.get());
  std::sort(got.begin(), got.end());
  std::sort(theirs.begin(), theirs.end());
  EXPECT_EQ(got, theirs) << "the ended thread's idle segments did not reach this thread";
  const auto st = pool.stats();
  EXPECT_EQ(st.created, 3u) << "segments stuck in an ended thread's cache: new ones were created";
  EXPECT_EQ(st.acquired, 6u) << "the ended thread's counts must stay in the totals";
  EXPECT_EQ(st.reused, 3u);
  EXPECT_EQ(st.outstanding, 3u);
}

// Destroying the pool before a thread that used it ends: at its exit the thread leaves the
// destroyed pool alone, even with a new pool at the same address. Graded under AddressSanitizer
// too.
TEST(SharedSegmentPool, APoolDestroyedBeforeItsThreadEnds) {
  std::optional<SharedSegmentPool> pool;
  pool.emplace(SharedPoolOptions{.cache_capacity = 4});
  const SharedSegmentPool* first = &*pool;
  std::latch used(1);
  std::latch replaced(1);
  std::jthread user([&] {
    {
      PooledSegment seg = pool->acquire();
      stamp(*seg, 1, 0, 0);
    }  // in this thread's cache of the first pool
    used.count_down();
    replaced.wait();
  });  // ends with a cache in a destroyed pool, and none in the new one
  used.wait();
  pool.reset();
  pool.emplace(SharedPoolOptions{.cache_capacity = 4});
  ASSERT_EQ(&*pool, first);
  replaced.count_down();
  user.join();
  auto st = pool->stats();
  EXPECT_EQ(st.created, 0u) << "the ended thread's cache of the destroyed pool reached the new one";
  EXPECT_EQ(st.acquired, 0u);
  {
    PooledSegment seg = pool->acquire();
    EXPECT_EQ(seg->element_count(), 0u);
  }
  st = pool->stats();
  EXPECT_EQ(st.created, 1u);
  EXPECT_EQ(st.outstanding, 0u);
}

// A thread that outlives one pool goes on with another: its cache there is retired at its exit
// as usual (what it kept for the destroyed pool is dropped along the way).
TEST(SharedSegmentPool, AThreadThatOutlivesAPoolUsesTheNextOne) {
  std::optional<SharedSegmentPool> pool;
  pool.emplace(SharedPoolOptions{.cache_capacity = 4});
  std::latch used(1);
  std::latch replaced(1);
  std::jthread user([&] {
    { PooledSegment seg = pool->acquire(); }
    used.count_down();
    replaced.wait();
    PooledSegment seg = pool->acquire();  // the new pool: a cache there too
    stamp(*seg, 1, 1, 0);
  });
  used.wait();
  pool.reset();
  pool.emplace(SharedPoolOptions{.cache_capacity = 4});
  replaced.count_down();
  user.join();  // its exit retires its cache of the new pool
  const auto st = pool->stats();
  EXPECT_EQ(st.created, 1u);
  EXPECT_EQ(st.acquired, 1u);
  EXPECT_EQ(st.outstanding, 0u);
  PooledSegment again = pool->acquire();
  EXPECT_EQ(again->element_count(), 0u);
  EXPECT_EQ(pool->stats().created, 1u) << "the ended thread's segment of the new pool should be reused";
}

// A thread_local destructor may release (or acquire) a segment after the thread's caches were
// retired, at its exit: the segment goes to (comes from) the shared list, and is counted.
// Graded under AddressSanitizer too.
TEST(SharedSegmentPool, ASegmentReleasedAsItsThreadEnds) {
  struct AcquireAtExit {
    SharedSegmentPool* pool = nullptr;
    ~AcquireAtExit() {
      if (pool == nullptr) return;
      PooledSegment seg = pool->acquire();
      stamp(*seg, 3, 0, 0);
    }
  };
  SharedSegmentPool pool({.cache_capacity = 4});
  (void)pool.acquire();  // a stub throws here, before any thread starts
  std::jthread([&pool] {
    // Made before the thread's first cache, so destroyed after the caches are retired.
    thread_local AcquireAtExit acquire_at_exit;
    thread_local std::optional<PooledSegment> late;
    acquire_at_exit.pool = &pool;
    late.emplace(pool.acquire());
    stamp(**late, 2, 0, 0);
  }).join();
  const auto st = pool.stats();
  EXPECT_EQ(st.acquired, 3u);
  EXPECT_EQ(st.outstanding, 0u) << "a release at thread exit was lost";
  EXPECT_EQ(st.acquired, st.created + st.reused);
  std::vector<PooledSegment> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(pool.acquire());
    EXPECT_EQ(held.back()->element_count(), 0u);
  }
  EXPECT_EQ(pool.stats().created, st.created) << "a segment released at thread exit should be reused";
}

// --- Contention: graded again under ThreadSanitizer -----------------------------------------------
// Each test puts threads inside the same shared code at the same moment (a barrier right before
// it), so that a missing lock is reported by ThreadSanitizer on every run.

// Several threads spill to and refill from the shared list at once, while another trims it.
TEST(SharedSegmentPool, ContendedSpillRefillAndTrim) {
  constexpr int kThreads = 3;
  constexpr int kCycles = 150;
  SharedSegmentPool pool({.cache_capacity = 2});
  (void)pool.acquire();  // a stub throws here, before any thread starts
  std::barrier start(kThreads + 1);
  std::atomic<int> wrong{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int c = 0; c < kCycles; ++c) {
          std::vector<PooledSegment> held;
          for (int i = 0; i < 5; ++i) {  // past the cache: refills from the shared list
            held.push_back(pool.acquire());
            if (held.back()->element_count() != 0) wrong.fetch_add(1);
            stamp(*held.back(), t, c, i);
          }
          for (int i = 0; i < 5; ++i) {
            if (!has_stamp(*held[static_cast<std::size_t>(i)], t, c, i)) wrong.fetch_add(1);
          }
        }  // releasing 5 into a cache of 2: spills
      });
    }
    start.arrive_and_wait();
    for (int c = 0; c < kCycles; ++c) (void)pool.trim();
  }
  EXPECT_EQ(wrong.load(), 0);
  const auto st = pool.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.acquired, static_cast<std::size_t>(kThreads * kCycles * 5 + 1));
  EXPECT_EQ(st.acquired, st.created + st.reused);
}

// Threads using the pool for the first time at once: each gets a cache of its own.
TEST(SharedSegmentPool, ContendedFirstUseOnManyThreads) {
  constexpr int kThreads = 6;
  SharedSegmentPool pool({.cache_capacity = 4});
  (void)pool.acquire();  // a stub throws here, before any thread starts
  std::barrier start(kThreads);
  std::vector<Segment*> got(kThreads, nullptr);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        PooledSegment seg = pool.acquire();
        got[static_cast<std::size_t>(t)] = seg.get();
        stamp(*seg, t, 0, 0);
        start.arrive_and_wait();  // everyone holds one: all different
      });
    }
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "one segment handed to two threads";
  const auto st = pool.stats();
  EXPECT_EQ(st.acquired, static_cast<std::size_t>(kThreads + 1));
  EXPECT_EQ(st.outstanding, 0u);
}

// stats() read while another thread acquires and releases from its cache: the metrics of a
// running pool are read concurrently with their writes.
TEST(SharedSegmentPool, ContendedStatsDuringARun) {
  constexpr int kCycles = 400;
  SharedSegmentPool pool({.cache_capacity = 8});
  (void)pool.acquire();  // a stub throws here, before any thread starts
  std::barrier start(2);
  std::size_t max_acquired = 0;
  {
    std::jthread worker([&] {
      { PooledSegment warm = pool.acquire(); }  // the cache exists before the barrier
      start.arrive_and_wait();
      for (int c = 0; c < kCycles; ++c) {
        PooledSegment a = pool.acquire();
        PooledSegment b = pool.acquire();
      }
    });
    start.arrive_and_wait();
    for (int c = 0; c < kCycles; ++c) {
      const auto st = pool.stats();
      max_acquired = std::max<std::size_t>(max_acquired, st.acquired);  // approximate while it runs
    }
  }
  EXPECT_LE(max_acquired, static_cast<std::size_t>(2 + 2 * kCycles));
  const auto st = pool.stats();
  EXPECT_EQ(st.acquired, static_cast<std::size_t>(2 + 2 * kCycles));
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.idle, st.created);
}

// Rounds of threads that live at the same time (so every one has a thread id of its own) use
// the pool once and end at once: the caches they leave are freed, so the memory the pool holds
// after many rounds is its segments' and no more, whatever the number of threads it served.
TEST(SharedSegmentPool, ContendedThreadExitsLeaveNoCacheBehind) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 6;
  SharedSegmentPool pool({.cache_capacity = 2});  // half a cache is one: a refill takes what it needs
  { PooledSegment probe = pool.acquire(); }  // a stub throws here, before any thread starts
  const edi::test::AllocationCounter counter(/*global=*/true);
  std::atomic<int> wrong{0};
  std::uint64_t seen = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::barrier meet(kThreads + 1);
    std::vector<std::jthread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        meet.arrive_and_wait();
        {
          PooledSegment seg = pool.acquire();
          if (seg->element_count() != 0) wrong.fetch_add(1);
          meet.arrive_and_wait();  // all hold one at once: all alive, all different
        }
        meet.arrive_and_wait();  // and end together: their exits run at the same time...
      });
    }
    for (int phase = 0; phase < 3; ++phase) meet.arrive_and_wait();
    seen += pool.stats().acquired;  // ...as this thread reads the pool's totals and lists
    seen += pool.trim();
  }
  const std::uint64_t held = counter.allocations() - counter.deallocations();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(seen, 0u);
  const auto st = pool.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.acquired, static_cast<std::uint64_t>(1 + kThreads * kRounds));
  EXPECT_EQ(st.acquired, st.created + st.reused);
  EXPECT_LE(st.created, static_cast<std::uint64_t>(1 + kThreads)) << "segments of ended threads were not reused";
  // One allocation per segment, a few for the pool's lists: a cache left per ended thread
  // (kThreads * kRounds of them) is far past this.
  EXPECT_LE(held, st.created + 6) << "allocations still held after " << kThreads * kRounds
                                  << " threads used the pool and ended";
}

// The pool checks that it outlives its handles: destroying it first stops the program.
TEST(SharedSegmentPool, DestroyedBeforeItsHandlesStopsTheProgram) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  {
    SharedSegmentPool probe;  // a stub throws here, outside the death test
    (void)probe.acquire();
  }
  EXPECT_DEATH(
      {
        PooledSegment handle;
        {
          SharedSegmentPool pool;
          handle = pool.acquire();
        }
      },
      "still handed out");
}

}  // namespace
