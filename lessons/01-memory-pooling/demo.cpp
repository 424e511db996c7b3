// Lesson 01 demo: `make run LESSON=01` (your code) or `make run LESSON=01 IMPL=solutions`.
//
// A tour with real numbers: the unpooled owning parse against the pooled one (allocations per
// segment and speed), what the pool keeps, a bounded pool, a shared pool crossing threads, and
// interning. The demo counts heap allocations by replacing the global operator new below, the
// same way the graders do (tests/support/alloc_counter.cpp). EDI_DEMO_QUICK=1 uses a small input.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "edi/edi.hpp"
#include "message_reader.hpp"
#include "segment_pool.hpp"
#include "shared_segment_pool.hpp"
#include "string_interner.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// Every allocation of the program passes here (the array and nothrow forms call this one).
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

std::uint64_t allocations() { return g_allocations.load(std::memory_order_relaxed); }

// CPU seconds of this thread: on a machine shared with others, steadier than the wall clock.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// What `pass()` allocates on its first run, and its best speed over `runs` runs.
struct Measured {
  std::uint64_t allocations = 0;
  double mb_per_s = 0;
  std::size_t values = 0;
};

template <class Pass>
Measured measure(std::size_t bytes, int runs, Pass&& pass) {
  Measured m;
  for (int i = 0; i < runs; ++i) {
    const auto before = allocations();
    const double t0 = cpu_seconds();
    m.values = pass();
    const double seconds = cpu_seconds() - t0;
    if (i == 0) m.allocations = allocations() - before;
    m.mb_per_s = std::max(m.mb_per_s, static_cast<double>(bytes) / 1e6 / seconds);
  }
  return m;
}

void print_pass(const char* what, const Measured& m, std::size_t segments) {
  std::printf("   %s%zu values, %llu allocations = %.4f per segment, %.0f MB/s\n", what, m.values,
              static_cast<unsigned long long>(m.allocations),
              static_cast<double>(m.allocations) / static_cast<double>(segments), m.mb_per_s);
}

// Runs one part of the tour; a stub's NotImplemented is reported, and the tour goes on.
template <class Part>
void part(const char* title, Part&& body) {
  std::printf("\n== %s\n", title);
  try {
    body();
  } catch (const edi::NotImplemented& e) {
    std::printf("   %s (write it in exercises/01-memory-pooling/, then make check LESSON=01)\n", e.what());
  } catch (const std::exception& e) {
    std::printf("   stopped: %s (make check LESSON=01 shows which test disagrees)\n", e.what());
  }
}

// The owning parse without a pool: a new edi::Segment for every segment of a message.
std::size_t unpooled_parse(const std::string& text) {
  std::vector<edi::Segment> message;
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  std::size_t values = 0;
  while (tok.next(raw) == edi::Errc::ok) {
    if (raw.tag == "UNH") message.clear();
    edi::parse_segment(raw, message.emplace_back());
    values += message.back().total_components();
  }
  return values;
}

std::size_t pooled_parse(edi::pooling::PooledMessageReader& reader, const std::string& text) {
  std::size_t values = 0;
  std::size_t units = 0;
  reader.reset(text);
  while (reader.next()) {
    // There cannot be more units than bytes: a next() that never returns false is a bug.
    if (++units > text.size()) throw std::runtime_error("PooledMessageReader::next() never returns false");
    for (const edi::pooling::PooledSegment& seg : reader.segments()) values += seg->total_components();
  }
  return values;
}

void print_stats(const char* indent, const edi::pooling::PoolStats& s) {
  std::printf("%screated %zu, acquired %zu, reused %zu, outstanding %zu, idle %zu\n", indent, s.created, s.acquired,
              s.reused, s.outstanding, s.idle);
}

}  // namespace

int main() {
  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;
  edi::GeneratorOptions opt;
  opt.seed = 42;
  opt.target_bytes = quick ? (std::size_t{1} << 20) : (std::size_t{16} << 20);
  const std::string text = edi::generate(opt);
  std::size_t segments = 0;
  {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) ++segments;
  }
  std::printf("Lesson 01: memory pooling, pre-allocation and string interning\n");
  std::printf("input: a generated interchange of %zu bytes, %zu segments%s\n", text.size(), segments,
              quick ? " (EDI_DEMO_QUICK)" : "");

  // Each timed pass runs three times; the best speed is shown (CPU time of this thread).
  const int runs = 3;
  part("1. The owning parse without a pool: a new edi::Segment per segment", [&] {
    print_pass("", measure(text.size(), runs, [&] { return unpooled_parse(text); }), segments);
  });

  part("2. The pooled parse: PooledMessageReader over a SegmentPool", [&] {
    edi::pooling::SegmentPool pool;
    edi::pooling::PooledMessageReader reader(pool, text);
    print_pass("first pass (cold pool):  ", measure(text.size(), 1, [&] { return pooled_parse(reader, text); }),
               segments);
    print_pass("next passes (warm pool): ", measure(text.size(), runs, [&] { return pooled_parse(reader, text); }),
               segments);
    std::printf("   the pool: ");
    print_stats("", pool.stats());
    const std::size_t retained = pool.retained_bytes();
    const std::size_t freed = pool.trim();
    std::printf("   it keeps %zu bytes of buffers for reuse; trim() gave back %zu, now it keeps %zu\n", retained, freed,
                pool.retained_bytes());
  });

  part("3. Growth, pre-allocation and a bound", [&] {
    edi::pooling::SegmentPool pool({.initial_segments = 4, .block_segments = 2, .growth = edi::pooling::Growth::doubling,
                                    .max_segments = 10});
    std::printf("   made with initial_segments 4: created %zu before any acquire\n", pool.stats().created);
    std::vector<edi::pooling::PooledSegment> held;
    while (auto seg = pool.try_acquire()) {
      held.push_back(std::move(seg));
      std::printf("   acquired %2zu, created %2zu\n", held.size(), pool.stats().created);
      if (held.size() == 20) throw std::runtime_error("try_acquire() hands out more than max_segments");
    }
    std::printf("   max_segments 10: try_acquire() now gives an empty handle");
    try {
      (void)pool.acquire();
    } catch (const edi::pooling::PoolExhausted& e) {
      std::printf(", acquire() throws PoolExhausted (\"%s\")\n", e.what());
    }
    held.clear();
    print_stats("   all released: ", pool.stats());
  });

  part("4. SharedSegmentPool: acquired on one thread, released on another", [&] {
    edi::pooling::SharedSegmentPool pool({.cache_capacity = 64});
    std::vector<edi::pooling::PooledSegment> handed_over;
    const int rounds = quick ? 20 : 200;
    for (int r = 0; r < rounds; ++r) {
      std::jthread producer([&] {
        edi::Tokenizer tok(text);
        edi::RawSegment raw;
        for (int i = 0; i < 500 && tok.next(raw) == edi::Errc::ok; ++i) {
          handed_over.push_back(pool.acquire());
          edi::parse_segment(raw, *handed_over.back());
        }
      });
      producer.join();
      std::jthread consumer([&] { handed_over.clear(); });
    }
    print_stats("   ", pool.stats());
    std::printf("   %d rounds of 500 segments: the consumer's cache overflows into the shared list and the\n"
                "   producer refills from it, so the pool stays small\n",
                rounds);
  });

  part("5. StringInterner: tags counted by interned id", [&] {
    edi::pooling::StringInterner tags;
    std::vector<std::size_t> counts;
    const auto count = [&] {
      std::fill(counts.begin(), counts.end(), 0);
      edi::Tokenizer tok(text);
      edi::RawSegment raw;
      while (tok.next(raw) == edi::Errc::ok) {
        const auto id = tags.intern_id(raw.tag.view());
        if (id >= counts.size()) counts.resize(id + 1, 0);
        ++counts[id];
      }
    };
    auto before = allocations();
    count();
    const auto first = allocations() - before;
    before = allocations();
    count();
    const auto second = allocations() - before;
    std::printf("   %zu distinct tags in %zu bytes; allocations: %llu in the first pass, %llu in the second\n",
                tags.size(), tags.bytes(), static_cast<unsigned long long>(first), static_cast<unsigned long long>(second));
    std::vector<edi::pooling::StringInterner::Id> ids(tags.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<edi::pooling::StringInterner::Id>(i);
    std::sort(ids.begin(), ids.end(), [&](auto a, auto b) { return counts[a] > counts[b]; });
    std::printf("   most frequent:");
    for (std::size_t i = 0; i < std::min<std::size_t>(5, ids.size()); ++i) {
      std::printf(" %.*s %zu%s", static_cast<int>(tags.view(ids[i]).size()), tags.view(ids[i]).data(), counts[ids[i]],
                  i + 1 < std::min<std::size_t>(5, ids.size()) ? "," : "\n");
    }
    const std::string nad = "NAD";
    std::printf("   intern(\"NAD\") twice, from different buffers: the same pointer? %s\n",
                tags.intern(nad).data() == tags.intern(std::string_view("NAD")).data() ? "yes" : "no");
  });
  return 0;
}
