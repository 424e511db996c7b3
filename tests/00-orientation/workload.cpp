// Profiling workload of lesson 00 (`make profile LESSON=00`): the three warm-up functions over a
// generated interchange, repeated for a few seconds of CPU so the 250 Hz sampler gets hundreds of
// samples. `workload00_IMPL quick` is a short run (the heap profile, the leak check, smoke tests).
// Prints what it computed, so the work cannot be optimized away.
#include <cstdio>
#include <string>

#include "edi/edi.hpp"
#include "warmup.hpp"

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  const int rounds = quick ? 1 : 80;
  edi::GeneratorOptions opt;
  opt.seed = 9;
  opt.target_bytes = quick ? (1 << 20) : (16 << 20);
  const std::string text = edi::generate(opt);
  std::size_t segments = 0;
  std::size_t types = 0;
  edi::Amount total;
  try {
    for (int i = 0; i < rounds; ++i) {
      segments += edi::warmup::count_segments(text);
      types += edi::warmup::count_messages_by_type(text).size();
      total += edi::warmup::invoice_total(text);
    }
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    return 1;
  }
  std::printf("%d rounds over %zu bytes: %zu segments, %zu types, invoices %s\n", rounds, text.size(), segments, types,
              edi::to_string(total).c_str());
  return 0;
}
