// The core's owning parse as `make compare-peers` measures it: stream the file (edi::StreamReader,
// 256 KiB chunks), parse every segment into one reused edi::Segment, and count segments, elements
// and components from the parsed model (so the counts check the parse, not the tokenizer).
//
//   edi_parse FILE   ->  {"segments":...,"elements":...,"components":...,"seconds":...}
#include <chrono>
#include <cstdio>
#include <exception>

#include "edi/edi.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: edi_parse FILE\n");
    return 2;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    edi::FileSource file(argv[1]);
    edi::StreamReader reader(file);
    edi::RawSegment raw;
    edi::Segment seg;
    std::size_t segments = 0;
    std::size_t elements = 0;
    std::size_t components = 0;
    edi::Errc rc;
    while ((rc = reader.next(raw)) == edi::Errc::ok) {
      edi::parse_segment(raw, seg);
      ++segments;
      elements += seg.element_count();
      components += seg.total_components();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (rc != edi::Errc::end_of_input) {
      std::fprintf(stderr, "edi_parse: byte %zu: %s\n", reader.error_offset(), std::string(edi::describe(rc)).c_str());
      return 1;
    }
    std::printf("{\"segments\":%zu,\"elements\":%zu,\"components\":%zu,\"seconds\":%.6f}\n", segments, elements,
                components, seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edi_parse: %s\n", e.what());
    return 2;
  }
  return 0;
}
