// Profiling workload of lesson 02 (`make profile LESSON=02`): the lazy view over a generated
// interchange, both ways the lesson measures it, repeated for a few seconds of CPU so the 250 Hz
// sampler gets hundreds of samples:
//   - the document number of every BGM segment (sparse reads: the tokenizer should dominate);
//   - every value of every segment through the ranges, unescaped (dense reads: find_separator
//     and the unescaping should show up).
// `workload02_IMPL quick` is a short run. Prints what it computed, so the work cannot be
// optimized away; on a stub, prints the NotImplemented message and exits 1.
#include <cstdio>
#include <string>

#include "edi/edi.hpp"
#include "lazy_segment.hpp"

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  const int rounds = quick ? 1 : 40;
  edi::GeneratorOptions opt;
  opt.seed = 9;
  opt.syntax = 4;
  opt.target_bytes = quick ? (1 << 20) : (16 << 20);
  const std::string text = edi::generate(opt);
  std::size_t documents = 0;
  std::size_t number_bytes = 0;
  std::size_t values = 0;
  std::size_t value_bytes = 0;
  std::string scratch;
  try {
    for (int round = 0; round < rounds; ++round) {
      edi::Tokenizer tok(text);
      edi::RawSegment raw;
      while (tok.next(raw) == edi::Errc::ok) {
        if (raw.tag != "BGM") continue;
        const edi::lazy::LazySegment bgm(raw);
        number_bytes += bgm.unescaped(1, 0, scratch).size();
        ++documents;
      }
      edi::Tokenizer all(text);
      while (all.next(raw) == edi::Errc::ok) {
        const edi::lazy::LazySegment seg(raw);
        for (const edi::lazy::LazyElement element : seg.elements()) {
          for (const edi::lazy::LazyElement repetition : element.repetitions()) {
            for (const std::string_view value : repetition.components()) {
              value_bytes += edi::lazy::unescape(value, raw.chars, scratch).size();
              ++values;
            }
          }
        }
      }
    }
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    return 1;
  }
  std::printf("%d rounds over %zu bytes: %zu document numbers (%zu bytes), %zu values (%zu bytes unescaped)\n", rounds,
              text.size(), documents, number_bytes, values, value_bytes);
  return 0;
}
