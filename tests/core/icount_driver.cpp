// The core's instruction-count gate: `icount_driver tokenize|stream` generates a fixed input
// (seed 19, about 1 MiB of syntax 3 interchanges, one segment per line) and reads every segment
// of it once with edi::Tokenizer or edi::StreamReader. tests/core/icount_gate.py runs it under
// `valgrind --tool=callgrind --toggle-collect=<the measured function>`, so only the reading is
// counted, never the generation, and compares instructions per input byte with the committed
// baseline tests/core/icount_baseline.json. A count does not move with the machine's load, so a
// rise is a change in the code or the compiler, never noise.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "edi/generator.hpp"
#include "edi/stream.hpp"
#include "edi/tokenizer.hpp"

namespace {

// What the gate measures: each is a function of its own (noinline, extern "C" so the name
// callgrind sees is stable) that returns a count the caller prints, so nothing is optimised away.
extern "C" [[gnu::noinline]] std::size_t edi_core_measured_tokenize(std::string_view input) {
  edi::Tokenizer tokenizer(input);
  edi::RawSegment segment;
  std::size_t segments = 0;
  while (tokenizer.next(segment) == edi::Errc::ok) ++segments;
  return segments;
}

extern "C" [[gnu::noinline]] std::size_t edi_core_measured_stream(std::string_view input) {
  edi::MemorySource source(input);
  edi::StreamReader reader(source);
  edi::RawSegment segment;
  std::size_t segments = 0;
  while (reader.next(segment) == edi::Errc::ok) ++segments;
  return segments;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "tokenize") != 0 && std::strcmp(argv[1], "stream") != 0)) {
    std::fprintf(stderr, "usage: icount_driver tokenize|stream\n");
    return 2;
  }
  edi::GeneratorOptions options;
  options.seed = 19;
  options.target_bytes = 1 << 20;
  const std::string input = edi::generate(options);
  const bool tokenize = std::strcmp(argv[1], "tokenize") == 0;
  const std::size_t segments = tokenize ? edi_core_measured_tokenize(input) : edi_core_measured_stream(input);
  std::printf("%zu bytes %zu segments\n", input.size(), segments);
  return segments > 0 ? 0 : 1;
}
