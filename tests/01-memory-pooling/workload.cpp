// Profiling workload of lesson 01 (`make profile LESSON=01`): the pooled parse path next to the
// eager baseline parser, then tag counting with the interner and a shared pool on two threads.
// Without arguments it runs a few seconds of CPU (the 250 Hz sampler needs hundreds of samples);
// `workload01_IMPL quick` is the short run that the heap profiler and the leak check use.
//
// What to look for: in heap.txt (bytes allocated per call site) the eager parse allocates for
// every value, while the pooled parse shows up only with the pool's warm-up: its blocks of
// segments and their buffers' first growth. In cpu.txt the pooled parse is tokenizing and
// parsing, not malloc and free.
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "edi/edi.hpp"
#include "message_reader.hpp"
#include "segment_pool.hpp"
#include "shared_segment_pool.hpp"
#include "string_interner.hpp"

namespace {

struct Totals {
  std::size_t segments = 0;
  std::size_t messages = 0;
  std::size_t values = 0;
};

// The pooled parse: every unit of the input, `rounds` times, with one reader and one pool.
Totals pooled_parse(const std::string& text, int rounds, edi::pooling::PoolStats& stats) {
  Totals t;
  edi::pooling::SegmentPool pool;
  edi::pooling::PooledMessageReader reader(pool, text);
  for (int r = 0; r < rounds; ++r) {
    reader.reset(text);
    while (reader.next()) {
      t.messages += reader.is_message() ? 1 : 0;
      for (const edi::pooling::PooledSegment& seg : reader.segments()) {
        ++t.segments;
        t.values += seg->total_components();
      }
    }
  }
  stats = pool.stats();
  return t;
}

// The eager baseline: a std::string per value, vectors of vectors, all freed at the end.
Totals eager_parse(const std::string& text) {
  Totals t;
  for (const auto& seg : edi::baseline::parse(text)) {
    ++t.segments;
    t.messages += seg.tag == "UNH" ? 1 : 0;
    for (const auto& element : seg.elements) {
      for (const auto& repetition : element) t.values += repetition.size();
    }
  }
  return t;
}

// Segments per tag, by interned id.
std::size_t count_tags(const std::string& text, int rounds, edi::pooling::StringInterner& tags,
                       std::vector<std::size_t>& counts) {
  std::size_t segments = 0;
  for (int r = 0; r < rounds; ++r) {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) {
      const auto id = tags.intern_id(raw.tag.view());
      if (id >= counts.size()) counts.resize(id + 1, 0);
      ++counts[id];
      ++segments;
    }
  }
  return segments;
}

// A thread parses every segment into a shared pool, releasing them 256 at a time; another
// thread releases what it left (a cross-thread release).
edi::pooling::PoolStats shared_pool_rounds(const std::string& text) {
  edi::pooling::SharedSegmentPool pool;
  std::vector<edi::pooling::PooledSegment> from_first;
  {
    std::jthread first([&] {
      edi::Tokenizer tok(text);
      edi::RawSegment raw;
      while (tok.next(raw) == edi::Errc::ok) {
        from_first.push_back(pool.acquire());
        edi::parse_segment(raw, *from_first.back());
        if (from_first.size() == 256) from_first.clear();
      }
    });
  }
  std::jthread second([&] { from_first.clear(); });  // released on another thread
  second.join();
  return pool.stats();
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  edi::GeneratorOptions opt;
  opt.seed = 9;
  opt.target_bytes = quick ? (1 << 20) : (8 << 20);
  const std::string text = edi::generate(opt);
  const int pooled_rounds = quick ? 4 : 120;
  const int tag_rounds = quick ? 2 : 40;
  try {
    edi::pooling::PoolStats pool_stats;
    const Totals pooled = pooled_parse(text, pooled_rounds, pool_stats);
    const Totals eager = eager_parse(text);
    edi::pooling::StringInterner tags;
    std::vector<std::size_t> counts;
    const std::size_t counted = count_tags(text, tag_rounds, tags, counts);
    const edi::pooling::PoolStats shared = shared_pool_rounds(text);

    std::printf("input: %zu bytes, %zu segments, %zu messages\n", text.size(), eager.segments, eager.messages);
    std::printf("eager parse, once: %zu values\n", eager.values);
    std::printf("pooled parse, %d rounds: %zu segments, %zu values; pool created %zu segments, reused %zu\n",
                pooled_rounds, pooled.segments, pooled.values, pool_stats.created, pool_stats.reused);
    std::printf("tags, %d rounds: %zu segments, %zu distinct tags in %zu bytes\n", tag_rounds, counted, tags.size(),
                tags.bytes());
    std::printf("shared pool, 2 threads: acquired %zu, created %zu, reused %zu, outstanding %zu\n", shared.acquired,
                shared.created, shared.reused, shared.outstanding);
    return pooled.segments == eager.segments * static_cast<std::size_t>(pooled_rounds) ? 0 : 1;
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    return 1;
  }
}
