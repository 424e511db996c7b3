// Graders of lesson 01: SegmentPool (reuse, reset, statistics, growth, bound, memory held) and
// PooledSegment (the move-only handle that gives its segment back). Allocation counts come from
// edi::test::AllocationCounter, never from timing.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"
#include "segment_pool.hpp"

namespace {

using edi::Segment;
using edi::pooling::Growth;
using edi::pooling::PooledSegment;
using edi::pooling::PoolExhausted;
using edi::pooling::PoolOptions;
using edi::pooling::SegmentPool;

// Fills `seg` from one segment of EDIFACT text, the way a parser does.
void parse_into(Segment& seg, const std::string& text) {
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  ASSERT_EQ(tok.next(raw), edi::Errc::ok) << text;
  edi::parse_segment(raw, seg);
}

// A long segment: its buffers need far more than a short one's.
const std::string& long_segment() {
  static const std::string text = [] {
    std::string t = "FTX+AAI+++";
    for (int i = 0; i < 40; ++i) t += "A line of free text number " + std::to_string(i) + ":";
    return t + "end'";
  }();
  return text;
}

// --- SegmentPool ---------------------------------------------------------------------------------

// A new pool hands out an empty segment and counts it.
TEST(SegmentPool, AcquireGivesAnEmptySegment) {
  SegmentPool pool;
  PooledSegment seg = pool.acquire();
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->tag(), "");
  EXPECT_EQ(seg->element_count(), 0u);
  const auto s = pool.stats();
  EXPECT_EQ(s.acquired, 1u);
  EXPECT_EQ(s.reused, 0u);
  EXPECT_EQ(s.outstanding, 1u);
  EXPECT_GE(s.created, 1u);
  EXPECT_EQ(s.idle, s.created - 1);
}

// A released segment really comes back: the next acquire hands out the same object.
TEST(SegmentPool, ReleasedSegmentsComeBack) {
  SegmentPool pool;
  Segment* first = nullptr;
  {
    PooledSegment seg = pool.acquire();
    first = seg.get();
    parse_into(*seg, "NAD+BY+5412345000013::9'");
  }
  PooledSegment again = pool.acquire();
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(pool.stats().reused, 1u);
  EXPECT_EQ(pool.stats().acquired, 2u);
}

// The most recently released segment is handed out first (LIFO: its memory is the warmest).
TEST(SegmentPool, HandsOutTheLastReleasedFirst) {
  SegmentPool pool;
  PooledSegment a = pool.acquire();
  PooledSegment b = pool.acquire();
  PooledSegment c = pool.acquire();
  Segment* pa = a.get();
  Segment* pc = c.get();
  a.reset();
  c.reset();
  EXPECT_EQ(pool.acquire().get(), pc);
  b.reset();
  EXPECT_NE(pool.acquire().get(), pa);  // b went back after a: b comes first now
}

// Release resets the segment: no tag, no elements, nothing stale from its last use.
TEST(SegmentPool, ReleaseLeavesNoStaleElements) {
  SegmentPool pool;
  {
    PooledSegment seg = pool.acquire();
    parse_into(*seg, "NAD+BY+5412345000013::9++Muster GmbH+Hauptstrasse 1+Koeln++50667+DE'");
  }
  PooledSegment seg = pool.acquire();
  EXPECT_EQ(pool.stats().reused, 1u);
  EXPECT_EQ(seg->tag(), "");
  EXPECT_EQ(seg->element_count(), 0u);
  EXPECT_EQ(seg->total_components(), 0u);
  EXPECT_EQ(seg->component(0, 0), "");
  EXPECT_EQ(*seg, Segment());
  // Filled again with a shorter segment, it holds exactly that one.
  parse_into(*seg, "DTM+137:20261127:102'");
  EXPECT_EQ(*seg, Segment::make("DTM", {{"137", "20261127", "102"}}));
}

// Release keeps the capacity of the segment's buffers, and refilling it allocates nothing.
TEST(SegmentPool, ReleaseKeepsCapacity) {
  SegmentPool pool;
  std::size_t capacity = 0;
  {
    PooledSegment seg = pool.acquire();
    parse_into(*seg, long_segment());
    capacity = seg->capacity_bytes();
  }
  ASSERT_GT(capacity, long_segment().size());
  EXPECT_GE(pool.retained_bytes(), capacity);
  edi::Tokenizer tok(long_segment());
  edi::RawSegment raw;
  ASSERT_EQ(tok.next(raw), edi::Errc::ok);
  edi::test::AllocationCounter allocations;
  {
    PooledSegment seg = pool.acquire();
    EXPECT_GE(seg->capacity_bytes(), capacity);
    edi::parse_segment(raw, *seg);
  }
  EXPECT_EQ(allocations.allocations(), 0u) << "a reused segment should not allocate for what it held before";
}

// outstanding counts handles alive; idle counts the rest of what was created.
TEST(SegmentPool, CountsOutstandingAndIdle) {
  SegmentPool pool({.block_segments = 4});
  std::vector<PooledSegment> held;
  for (int i = 0; i < 6; ++i) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().outstanding, 6u);
  held.erase(held.begin(), held.begin() + 2);
  auto s = pool.stats();
  EXPECT_EQ(s.outstanding, 4u);
  EXPECT_EQ(s.acquired, 6u);
  EXPECT_EQ(s.idle, s.created - 4);
  held.clear();
  s = pool.stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.idle, s.created);
}

// Growth::fixed creates block_segments at a time.
TEST(SegmentPool, GrowsInFixedBlocks) {
  SegmentPool pool({.block_segments = 4, .growth = Growth::fixed});
  std::vector<PooledSegment> held;
  held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 4u);
  for (int i = 0; i < 4; ++i) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 8u);
  for (int i = 0; i < 4; ++i) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 12u);
}

// Growth::doubling makes each block twice the one before: 4, 8, 16...
TEST(SegmentPool, GrowsByDoubling) {
  SegmentPool pool({.block_segments = 4, .growth = Growth::doubling});
  std::vector<PooledSegment> held;
  held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 4u);
  while (held.size() < 5) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 12u);
  while (held.size() < 13) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 28u);
  held.clear();
  for (int i = 0; i < 28; ++i) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 28u) << "released segments must be used before the pool grows";
}

// initial_segments are created up front, with their buffers reserved: acquiring them allocates
// nothing.
TEST(SegmentPool, PreallocatesInitialSegments) {
  SegmentPool pool({.initial_segments = 8, .reserve_value_bytes = 256, .reserve_elements = 16, .reserve_components = 32});
  EXPECT_EQ(pool.stats().created, 8u);
  EXPECT_EQ(pool.stats().acquired, 0u);
  EXPECT_GE(pool.retained_bytes(), 8u * (256 + 4 * (16 + 16 + 32)));
  edi::Tokenizer tok("NAD+BY+5412345000013::9++Muster GmbH+Hauptstrasse 1+Koeln++50667+DE'");
  edi::RawSegment raw;
  ASSERT_EQ(tok.next(raw), edi::Errc::ok);
  std::vector<PooledSegment> held;
  held.reserve(8);
  edi::test::AllocationCounter allocations;
  for (int i = 0; i < 8; ++i) {
    held.push_back(pool.acquire());
    edi::parse_segment(raw, *held.back());
  }
  EXPECT_EQ(allocations.allocations(), 0u);
  EXPECT_EQ(pool.stats().created, 8u);
}

// A bounded pool never creates more than max_segments: acquire() throws, try_acquire() is empty.
TEST(SegmentPool, BoundedPoolRefusesBeyondItsBound) {
  SegmentPool pool({.block_segments = 2, .max_segments = 3});
  std::vector<PooledSegment> held;
  for (int i = 0; i < 3; ++i) held.push_back(pool.acquire());
  EXPECT_EQ(pool.stats().created, 3u);
  EXPECT_FALSE(pool.try_acquire());
  EXPECT_THROW((void)pool.acquire(), PoolExhausted);
  EXPECT_EQ(pool.stats().outstanding, 3u);
  held.pop_back();
  PooledSegment again = pool.try_acquire();
  EXPECT_TRUE(again);
  EXPECT_EQ(pool.stats().created, 3u);
}

// Once warm, a cycle of acquire, fill and release allocates nothing.
TEST(SegmentPool, WarmCyclesAllocateNothing) {
  SegmentPool pool;
  std::vector<std::string> texts = {"UNH+1+ORDERS:D:96A:UN'", "BGM+220+PO123+9'", long_segment(),
                                    "NAD+BY+5412345000013::9'", "UNT+5+1'"};
  std::vector<edi::RawSegment> raws;
  for (const std::string& t : texts) {
    edi::Tokenizer tok(t);
    raws.emplace_back();
    ASSERT_EQ(tok.next(raws.back()), edi::Errc::ok);
  }
  std::vector<PooledSegment> held;
  held.reserve(raws.size());
  const auto cycle = [&] {
    for (const auto& raw : raws) {
      held.push_back(pool.acquire());
      edi::parse_segment(raw, *held.back());
    }
    while (!held.empty()) held.pop_back();
  };
  cycle();
  cycle();
  edi::test::AllocationCounter allocations;
  for (int i = 0; i < 10; ++i) cycle();
  EXPECT_EQ(allocations.allocations(), 0u);
  EXPECT_EQ(pool.stats().outstanding, 0u);
}

// A segment holding more than max_retained_bytes gives its buffers back on release.
TEST(SegmentPool, DropsTheBuffersOfOversizedSegments) {
  SegmentPool pool({.max_retained_bytes = 512});
  {
    PooledSegment big = pool.acquire();
    parse_into(*big, long_segment());
    ASSERT_GT(big->capacity_bytes(), 512u);
    PooledSegment small = pool.acquire();
    parse_into(*small, "DTM+137:20261127:102'");
  }
  EXPECT_LE(pool.retained_bytes(), 512u);
  PooledSegment a = pool.acquire();
  PooledSegment b = pool.acquire();
  EXPECT_LE(a->capacity_bytes(), 512u);
  EXPECT_LE(b->capacity_bytes(), 512u);
  EXPECT_EQ(pool.stats().reused, 2u);
}

// trim() frees the idle segments' buffers and says how much it freed.
TEST(SegmentPool, TrimFreesTheIdleBuffers) {
  SegmentPool pool;
  {
    PooledSegment a = pool.acquire();
    PooledSegment b = pool.acquire();
    parse_into(*a, long_segment());
    parse_into(*b, long_segment());
  }
  const std::size_t held = pool.retained_bytes();
  ASSERT_GT(held, 2 * long_segment().size());
  PooledSegment kept = pool.acquire();  // not idle: trim leaves it alone
  parse_into(*kept, long_segment());
  const std::size_t kept_bytes = kept->capacity_bytes();
  const std::size_t idle_bytes = pool.retained_bytes();
  EXPECT_EQ(idle_bytes, held - kept_bytes);
  EXPECT_EQ(pool.trim(), idle_bytes);
  EXPECT_EQ(pool.retained_bytes(), 0u);
  EXPECT_EQ(kept->capacity_bytes(), kept_bytes);
  EXPECT_EQ(kept->component(0, 0), "AAI");
}

// The capacity a segment reserved with the given sizes holds: what every new segment of a pool
// with these reserve options must hold.
std::size_t reserved_capacity(std::size_t value_bytes, std::size_t elements, std::size_t components) {
  Segment probe;
  probe.reserve(value_bytes, elements, components);
  return probe.capacity_bytes();
}

// The initial block is not a growth step: with doubling, the first block grown after it holds
// block_segments, the next twice that. Counted through three growths, fixed and doubling.
TEST(SegmentPool, GrowthAfterTheInitialBlockStartsAtBlockSegments) {
  SegmentPool doubling({.initial_segments = 3, .block_segments = 4, .growth = Growth::doubling});
  std::vector<PooledSegment> held;
  std::vector<std::size_t> created;
  for (int i = 0; i < 16; ++i) {
    held.push_back(doubling.acquire());
    created.push_back(doubling.stats().created);
  }
  // 3 up front; then blocks of 4, 8, 16.
  EXPECT_EQ(created[2], 3u);
  EXPECT_EQ(created[3], 7u);
  EXPECT_EQ(created[6], 7u);
  EXPECT_EQ(created[7], 15u);
  EXPECT_EQ(created[14], 15u);
  EXPECT_EQ(created[15], 31u);
  held.clear();

  SegmentPool fixed({.initial_segments = 3, .block_segments = 4, .growth = Growth::fixed});
  for (int i = 0; i < 12; ++i) held.push_back(fixed.acquire());
  EXPECT_EQ(fixed.stats().created, 15u);  // 3, 7, 11, 15
  held.clear();
}

// reserve_* apply to every segment the pool creates, in every block it grows, not only to the
// initial ones: filling a segment of any block within the reserved sizes allocates nothing.
TEST(SegmentPool, EveryGrownBlockReservesItsBuffers) {
  const std::size_t reserved = reserved_capacity(128, 12, 24);
  for (const std::size_t initial : {std::size_t{0}, std::size_t{2}}) {
    SegmentPool pool({.initial_segments = initial,
                      .block_segments = 2,
                      .growth = Growth::doubling,
                      .reserve_value_bytes = 128,
                      .reserve_elements = 12,
                      .reserve_components = 24});
    edi::Tokenizer tok("NAD+BY+5412345000013::9++Muster GmbH+Hauptstrasse 1+Koeln++50667+DE'");
    edi::RawSegment raw;
    ASSERT_EQ(tok.next(raw), edi::Errc::ok);
    std::vector<PooledSegment> held;
    held.reserve(16);
    std::vector<std::size_t> capacity;
    std::uint64_t fill_allocations = 0;
    for (int i = 0; i < 16; ++i) {  // three growths past the initial block
      held.push_back(pool.acquire());
      capacity.push_back(held.back()->capacity_bytes());
      edi::test::AllocationCounter allocations;
      edi::parse_segment(raw, *held.back());
      fill_allocations += allocations.allocations();
    }
    EXPECT_EQ(pool.stats().created, initial + 2 + 4 + 8 + (initial == 0 ? 16 : 0)) << "initial " << initial;
    for (std::size_t i = 0; i < capacity.size(); ++i) {
      EXPECT_EQ(capacity[i], reserved) << "initial " << initial << ", segment " << i;
    }
    EXPECT_EQ(fill_allocations, 0u) << "initial " << initial;
    held.clear();
  }
}

// trim() frees every idle segment's buffers: the released ones and the ones never handed out,
// which hold their reserved buffers; afterwards the pool retains nothing.
TEST(SegmentPool, TrimFreesReservedSegmentsNeverHandedOut) {
  const std::size_t reserved = reserved_capacity(256, 16, 32);
  SegmentPool pool({.initial_segments = 4,
                    .block_segments = 2,
                    .reserve_value_bytes = 256,
                    .reserve_elements = 16,
                    .reserve_components = 32});
  std::vector<PooledSegment> held;
  for (int i = 0; i < 7; ++i) held.push_back(pool.acquire());  // 4, then blocks of 2 and 4: 10
  ASSERT_EQ(pool.stats().created, 10u);
  parse_into(*held[0], long_segment());
  const std::size_t big = held[0]->capacity_bytes();
  held.erase(held.begin(), held.begin() + 2);  // one grown long, one as reserved
  // Idle: the 2 released and the 3 never handed out.
  EXPECT_EQ(pool.retained_bytes(), big + 4 * reserved);
  EXPECT_EQ(pool.trim(), big + 4 * reserved);
  EXPECT_EQ(pool.retained_bytes(), 0u);
  EXPECT_EQ(pool.trim(), 0u);
  for (const PooledSegment& seg : held) EXPECT_EQ(seg->capacity_bytes(), reserved) << "trim() touched a handed-out segment";
  held.clear();
  EXPECT_EQ(pool.retained_bytes(), 5 * reserved);
}

// max_retained_bytes is a limit a segment may reach: one holding exactly that much keeps its
// buffers on release; one byte more, and it gives them back.
TEST(SegmentPool, ASegmentAtTheRetainLimitKeepsItsBuffers) {
  const std::size_t reserved = reserved_capacity(256, 16, 32);
  {
    SegmentPool pool({.block_segments = 1,
                      .max_retained_bytes = reserved,
                      .reserve_value_bytes = 256,
                      .reserve_elements = 16,
                      .reserve_components = 32});
    PooledSegment seg = pool.acquire();
    ASSERT_EQ(seg->capacity_bytes(), reserved);
    parse_into(*seg, "DTM+137:20261127:102'");
    seg.reset();
    EXPECT_EQ(pool.retained_bytes(), reserved) << "a segment at the limit should keep its buffers";
  }
  {
    SegmentPool pool({.block_segments = 1,
                      .max_retained_bytes = reserved - 1,
                      .reserve_value_bytes = 256,
                      .reserve_elements = 16,
                      .reserve_components = 32});
    PooledSegment seg = pool.acquire();
    seg.reset();
    EXPECT_EQ(pool.retained_bytes(), 0u) << "a segment over the limit should give its buffers back";
    EXPECT_EQ(pool.acquire()->capacity_bytes(), 0u);
  }
}

// The bound cuts the block that would cross it, after the initial block and two doublings, and
// applies to the initial block too.
TEST(SegmentPool, TheBoundCutsTheLastBlockAfterSeveralGrowths) {
  SegmentPool pool({.initial_segments = 1, .block_segments = 2, .growth = Growth::doubling, .max_segments = 11});
  std::vector<PooledSegment> held;
  std::vector<std::size_t> created;
  for (int i = 0; i < 11; ++i) {
    held.push_back(pool.acquire());
    created.push_back(pool.stats().created);
  }
  EXPECT_EQ(created[0], 1u);
  EXPECT_EQ(created[1], 3u);
  EXPECT_EQ(created[3], 7u);
  EXPECT_EQ(created[7], 11u);  // a block of 8 cut to 4
  const auto before = pool.stats();
  EXPECT_FALSE(pool.try_acquire());
  EXPECT_THROW((void)pool.acquire(), PoolExhausted);
  EXPECT_THROW((void)pool.acquire(), PoolExhausted);
  const auto after = pool.stats();  // strong guarantee: a refused acquisition changes nothing
  EXPECT_EQ(after.created, before.created);
  EXPECT_EQ(after.acquired, before.acquired);
  EXPECT_EQ(after.outstanding, before.outstanding);
  EXPECT_EQ(after.idle, before.idle);
  EXPECT_EQ(after.created, 11u);
  EXPECT_EQ(after.acquired, 11u);
  Segment* last = held.back().get();
  held.pop_back();
  EXPECT_EQ(pool.acquire().get(), last);
  held.clear();

  SegmentPool small({.initial_segments = 5, .max_segments = 3});
  EXPECT_EQ(small.stats().created, 3u);
}

// The pool checks that it outlives its handles: destroying it first stops the program.
TEST(SegmentPool, DestroyedBeforeItsHandlesStopsTheProgram) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  {
    SegmentPool probe;  // a stub throws here, outside the death test
    (void)probe.acquire();
  }
  EXPECT_DEATH(
      {
        std::optional<PooledSegment> handle;
        {
          SegmentPool pool;
          handle = pool.acquire();
        }
      },
      "still handed out");
}

// --- PooledSegment -------------------------------------------------------------------------------

// Moving a handle moves the segment: the source is empty, nothing is released twice.
TEST(PooledSegment, MoveTransfersOwnership) {
  SegmentPool pool;
  PooledSegment a = pool.acquire();
  Segment* s = a.get();
  PooledSegment b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from handle is empty by contract
  EXPECT_EQ(a.get(), nullptr);
  EXPECT_EQ(b.get(), s);
  EXPECT_EQ(pool.stats().outstanding, 1u);
  { PooledSegment c(std::move(b)); }
  EXPECT_EQ(pool.stats().outstanding, 0u);
  EXPECT_EQ(pool.stats().idle, pool.stats().created);
}

// Move assignment gives the target's old segment back before taking the new one.
TEST(PooledSegment, MoveAssignmentReturnsTheOldSegment) {
  SegmentPool pool;
  PooledSegment a = pool.acquire();
  PooledSegment b = pool.acquire();
  Segment* sa = a.get();
  Segment* sb = b.get();
  a = std::move(b);
  EXPECT_EQ(a.get(), sb);
  EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(pool.stats().outstanding, 1u);
  EXPECT_EQ(pool.acquire().get(), sa) << "the old segment should be back in the pool";
}

// Assigning a handle to itself keeps its segment.
TEST(PooledSegment, SelfMoveAssignmentKeepsTheSegment) {
  SegmentPool pool;
  PooledSegment a = pool.acquire();
  Segment* s = a.get();
  PooledSegment& alias = a;
  a = std::move(alias);
  EXPECT_EQ(a.get(), s);
  EXPECT_EQ(pool.stats().outstanding, 1u);
}

// reset() gives the segment back at once; a second reset, and an empty handle, do nothing.
TEST(PooledSegment, ResetReturnsEarly) {
  SegmentPool pool;
  PooledSegment a = pool.acquire();
  a.reset();
  EXPECT_FALSE(a);
  EXPECT_EQ(pool.stats().outstanding, 0u);
  a.reset();
  PooledSegment empty;
  empty.reset();
  EXPECT_EQ(pool.stats().outstanding, 0u);
  EXPECT_EQ(pool.stats().idle, pool.stats().created);
}

// Handles in containers give their segments back when the container goes, however it grew.
TEST(PooledSegment, HandlesInContainersComeBack) {
  SegmentPool pool;
  {
    std::vector<PooledSegment> many;
    for (int i = 0; i < 100; ++i) many.push_back(pool.acquire());  // reallocations move handles
    EXPECT_EQ(pool.stats().outstanding, 100u);
    many.erase(many.begin() + 10, many.begin() + 20);
    EXPECT_EQ(pool.stats().outstanding, 90u);
  }
  const auto s = pool.stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.idle, s.created);
}

}  // namespace
