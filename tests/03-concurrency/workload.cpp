// Profiling workload of lesson 03 (`make profile LESSON=03`): parse + validate + total every
// message of a 16 MiB interchange with ConcurrentProcessor (2 workers), several rounds, so the
// 250 Hz sampler gets hundreds of samples from every thread. `workload03_IMPL quick` runs one
// round over 1 MiB (the heap profile, the leak check, smoke tests). Prints what it computed.
#include <cstdio>
#include <string>
#include <vector>

#include "concurrent_processor.hpp"
#include "edi/edi.hpp"
#include "message_work.hpp"

int main(int argc, char** argv) {
  using edi::concurrency::Message;
  using edi::concurrency::MessageSummary;
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  const int rounds = quick ? 1 : 12;
  edi::GeneratorOptions options;
  options.seed = 9;
  options.target_bytes = quick ? (1 << 20) : (16 << 20);
  const std::string text = edi::generate(options);
  const std::vector<Message> messages = edi::concurrency::messages_of(text);
  std::size_t segments = 0;
  std::size_t findings = 0;
  std::size_t failed = 0;
  edi::Amount total;
  try {
    edi::concurrency::ConcurrentProcessor<MessageSummary> processor(
        [](const Message& m) { return edi::concurrency::summarize(m.text, m.chars); }, 2, 256);
    for (int round = 0; round < rounds; ++round) {
      for (const auto& outcome : processor.process(messages)) {
        if (!outcome.ok()) {
          ++failed;
          continue;
        }
        segments += outcome.value->segments;
        findings += outcome.value->findings;
        total += outcome.value->total;
      }
    }
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    return 1;
  }
  std::printf("%d rounds over %zu messages (%zu bytes), 2 workers: %zu segments, %zu findings, %zu failed, amounts %s\n",
              rounds, messages.size(), text.size(), segments, findings, failed, edi::to_string(total).c_str());
  return 0;
}
