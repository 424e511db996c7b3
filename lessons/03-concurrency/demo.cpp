// Lesson 03 tour (`make run LESSON=03`, or IMPL=solutions for the reference):
//   1. an interchange split into messages, the unit of work;
//   2. the Go original's deadlock, reproduced with your BoundedQueue, then undone;
//   3. backpressure: how many jobs a processor accepts while its workers are busy;
//   4. the same work on 1 thread and with 1, 2 and 4 workers: speed-up and Amdahl's serial fraction;
//   5. the workers as threads of the process, before and after the destructor.
// EDI_DEMO_QUICK=1 uses a small input. Works on the stubs too: it says what is not implemented yet.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../../tests/03-concurrency/message_work.hpp"
#include "bounded_queue.hpp"
#include "concurrent_processor.hpp"
#include "edi/edi.hpp"

namespace {

using edi::concurrency::BoundedQueue;
using edi::concurrency::ConcurrentProcessor;
using edi::concurrency::Message;
using edi::concurrency::MessageSummary;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// The Go original, in C++: a job queue and a result queue of `capacity` each, `workers` workers,
// and a producer that pushes EVERY job before it reads a single result.
void go_style_deadlock(const std::vector<Message>& messages) {
  constexpr std::size_t kCapacity = 4;
  constexpr std::size_t kWorkers = 2;
  BoundedQueue<const Message*> jobs(kCapacity);
  BoundedQueue<std::size_t> results(kCapacity);
  std::vector<std::jthread> workers;
  for (std::size_t i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&] {
      while (auto job = jobs.pop()) {
        if (!results.push((*job)->text.size())) return;  // blocks while the result queue is full
      }
    });
  }
  std::atomic<std::size_t> pushed{0};
  std::jthread producer([&] {
    for (const Message& m : messages) {
      if (!jobs.push(&m)) return;  // blocks while the job queue is full
      ++pushed;
    }
    jobs.close();
    // ... and only now would it read the results: it never gets here.
  });
  // Watch the producer: once its count stops moving for a while, it is stuck for good.
  std::size_t last = 0;
  auto last_change = Clock::now();
  while (seconds_since(last_change) < 0.5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (pushed != last) {
      last = pushed;
      last_change = Clock::now();
    }
    if (last == messages.size()) break;
  }
  std::printf("   Go-style (%zu messages, job queue %zu, result queue %zu, %zu workers): ", messages.size(), kCapacity,
              kCapacity, kWorkers);
  if (last < messages.size()) {
    std::printf("stuck after %zu jobs = %zu queued + %zu results + %zu held by workers. DEADLOCK.\n", last, kCapacity,
                kCapacity, kWorkers);
  } else {
    std::printf("finished (more room than messages)\n");
  }
  // Undo it: closing both queues makes every blocked push return false, so all threads end.
  jobs.close();
  results.close();
}

double time_sequential(const std::vector<Message>& messages, int rounds, edi::Amount& total) {
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const Message& m : messages) total += edi::concurrency::summarize(m.text, m.chars).total;
  }
  return seconds_since(start) / rounds;
}

double time_processor(const std::vector<Message>& messages, std::size_t workers, int rounds, edi::Amount& total) {
  ConcurrentProcessor<MessageSummary> processor(
      [](const Message& m) { return edi::concurrency::summarize(m.text, m.chars); }, workers, 256);
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& outcome : processor.process(messages)) {
      if (outcome.ok()) total += outcome.value->total;
    }
  }
  return seconds_since(start) / rounds;
}

}  // namespace

int main() {
  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;
  edi::GeneratorOptions options;
  options.seed = 3;
  options.target_bytes = quick ? (1 << 20) : (8 << 20);
  const std::string text = edi::generate(options);
  const std::vector<Message> messages = edi::concurrency::messages_of(text);
  std::printf("1. %zu bytes -> %zu messages (edi::split_messages), %zu bytes each on average\n", text.size(),
              messages.size(), text.size() / messages.size());
  std::printf("   message 0: %.*s...\n", 40, messages[0].text.data());

  bool stub = false;
  std::printf("\n2. The Go original queues every job before reading any result:\n");
  try {
    go_style_deadlock(messages);
    std::printf("   ConcurrentProcessor::process collects whenever its window is full, so it cannot block like that.\n");
  } catch (const edi::NotImplemented& e) {
    std::printf("   %s\n", e.what());
    stub = true;
  }

  std::printf("\n3. Backpressure: a processor with 2 workers and capacity 4, every worker busy:\n");
  try {
    std::atomic<bool> release{false};
    ConcurrentProcessor<int> processor(
        [&](const Message&) {
          release.wait(false);  // the workers hold their jobs until released
          return 0;
        },
        2, 4);
    std::size_t accepted = 0;
    while (accepted < messages.size() && processor.try_submit(messages[accepted])) ++accepted;
    std::printf("   accepted %zu jobs (capacity + workers), then try_submit refused; in flight: %zu\n", accepted,
                processor.in_flight());
    release = true;
    release.notify_all();
    std::size_t collected = 0;
    processor.close();
    while (processor.collect()) ++collected;
    std::printf("   collected %zu outcomes in submission order after releasing the workers\n", collected);
  } catch (const edi::NotImplemented& e) {
    std::printf("   %s\n", e.what());
    stub = true;
  }

  std::printf("\n4. Parse + validate + total every message (%d cores here):\n", static_cast<int>(std::thread::hardware_concurrency()));
  const int rounds = quick ? 2 : 5;
  edi::Amount total;
  const double sequential = time_sequential(messages, rounds, total);
  std::printf("   1 thread, no processor: %7.2f ms  %7.1f MB/s\n", sequential * 1e3, text.size() / sequential / 1e6);
  try {
    double two = 0;
    for (const std::size_t workers : {1u, 2u, 4u}) {
      const double t = time_processor(messages, workers, rounds, total);
      if (workers == 2) two = t;
      std::printf("   %zu worker%s:              %7.2f ms  %7.1f MB/s  speed-up %.2fx\n", workers, workers == 1 ? " " : "s",
                  t * 1e3, text.size() / t / 1e6, sequential / t);
    }
    const double speedup = sequential / two;
    // Amdahl: speed-up S on N cores means a serial fraction f = (1/S - 1/N) / (1 - 1/N).
    const double serial = (1 / speedup - 0.5) / 0.5;
    std::printf("   Amdahl with N = 2: S = %.2f gives a serial fraction f = %.3f (load average matters: see `uptime`)\n",
                speedup, serial);
  } catch (const edi::NotImplemented& e) {
    std::printf("   %s\n", e.what());
    stub = true;
  }
  std::printf("   (amounts summed over all runs: %s)\n", edi::to_string(total).c_str());

  std::printf("\n5. Threads of this process (/proc/self/task):\n");
  try {
    const std::size_t before = thread_count();
    std::size_t during = 0;
    {
      ConcurrentProcessor<int> processor([](const Message&) { return 0; }, 4, 8);
      during = thread_count();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a joined thread leaves /proc a moment later
    std::printf("   before: %zu, with a 4-worker processor: %zu, after its destructor: %zu\n", before, during,
                thread_count());
  } catch (const edi::NotImplemented& e) {
    std::printf("   %s\n", e.what());
    stub = true;
  }
  if (stub) std::printf("\nSome of the lesson is not implemented yet: make check LESSON=03, make hint LESSON=03\n");
  return 0;
}
