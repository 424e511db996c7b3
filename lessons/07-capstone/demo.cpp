// Lesson 07 demo (`make run LESSON=07`, or `make run LESSON=07 IMPL=solutions`): the pieces of the
// capstone pipeline one by one, then the whole pipeline against the naive one on a generated file.
//   1. the splitter: messages out of a stream read in small pieces, copied into pooled buffers
//   2. the caches: retransmissions found by content, partner lookups kept away from SQLite
//   3. the pipeline: naive vs sequential vs parallel, the same report, how fast, how much memory
// EDI_DEMO_QUICK=1 uses a 2 MiB file instead of 64 MiB.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>

#include "edi/edi.hpp"
#include "naive_pipeline.hpp"
#include "pipeline.hpp"

namespace {

namespace cap = edi::capstone;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void splitter_tour() {
  std::puts("== 1. MessageSplitter: whole messages out of a stream, into pooled buffers ==");
  edi::GeneratorOptions opt;
  opt.seed = 5;
  opt.messages = 400;
  opt.messages_per_interchange = 100;
  const std::string text = edi::generate(opt);
  // The source hands out at most 1000 bytes per read, like a socket: most messages span several
  // reads, and the reader's views die at its next next(). The splitter copies each message.
  edi::MemorySource source(text, 1000);
  cap::BufferPool pool;
  cap::MessageSplitter splitter(source, pool, {.chunk_size = 4096, .max_message_bytes = 1 << 20, .max_problems = 100});
  cap::Message message;
  std::uint64_t bytes = 0;
  while (splitter.next(message)) {
    if (message.sequence < 3) {
      std::printf("  message %llu at offset %llu: %llu bytes, %s, starts \"%.*s\"\n",
                  static_cast<unsigned long long>(message.sequence), static_cast<unsigned long long>(message.offset),
                  static_cast<unsigned long long>(message.size), message.complete ? "complete" : "no UNT", 24,
                  message.text().data());
    }
    bytes += message.text().size();
    message.release();  // back to the pool: the next message reuses the buffer
  }
  const cap::EnvelopeSummary& s = splitter.summary();
  std::printf("  %llu messages (%llu bytes copied) from %llu bytes in 1000-byte reads; %llu interchanges, %llu segments\n",
              static_cast<unsigned long long>(s.messages), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(s.bytes), static_cast<unsigned long long>(s.interchanges),
              static_cast<unsigned long long>(s.segments));
  std::printf("  buffers created: %llu for %llu messages (released at once, so one is reused); reader buffer %zu bytes\n\n",
              static_cast<unsigned long long>(pool.buffers_created()), static_cast<unsigned long long>(s.messages),
              splitter.reader_peak_bytes());
}

void caches_tour(const cap::PartnerDirectory& directory) {
  std::puts("== 2. The caches ==");
  try {
    edi::GeneratorOptions opt;
    opt.seed = 9;
    opt.messages = 2000;
    opt.duplicate_rate = 0.2;
    edi::GeneratedSummary generated;
    std::string text;
    generated = edi::generate(opt, [&](std::string_view piece) { text.append(piece); });
    cap::DedupCache dedup(1024);
    std::size_t retransmissions = 0;
    for (const edi::MessageInfo& m : edi::split_messages(text)) {
      retransmissions += dedup.seen_before(cap::content_hash(std::string_view(text).substr(m.begin, m.end - m.begin)));
    }
    std::printf("  DedupCache: %zu retransmissions found by content in %zu messages (the generator wrote %zu); "
                "%zu hashes remembered\n",
                retransmissions, generated.messages, generated.duplicates, dedup.size());
  } catch (const edi::NotImplemented& e) {
    std::printf("  DedupCache: %s\n", e.what());
  }
  try {
    cap::PartnerCache cache(directory, 64);
    const std::uint64_t before = directory.queries();
    edi::SplitMix64 rng(3);
    // Only the cache's statistics matter here, not the partners found.
    for (int i = 0; i < 100'000; ++i) std::ignore = cache.find(edi::partners()[rng.skewed(edi::partners().size())].gln);
    const cap::PartnerCache::Stats stats = cache.stats();
    std::printf("  PartnerCache (64 entries, 200 partners, popular ones looked up most): 100000 lookups, %llu hits, "
                "%llu misses = %llu SQL queries; %zu cached\n\n",
                static_cast<unsigned long long>(stats.hits), static_cast<unsigned long long>(stats.misses),
                static_cast<unsigned long long>(directory.queries() - before), cache.size());
  } catch (const edi::NotImplemented& e) {
    std::printf("  PartnerCache: %s\n\n", e.what());
  }
}

void print_run(const char* what, double seconds, std::uint64_t bytes, const std::string& detail) {
  std::printf("  %-26s %7.3f s  %8.1f MB/s  %s\n", what, seconds, static_cast<double>(bytes) / seconds / 1e6,
              detail.c_str());
}

void pipeline_tour(const cap::PartnerDirectory& directory, const std::string& db, bool quick) {
  std::puts("== 3. The pipeline, end to end over a file ==");
  const std::string path =
      (std::filesystem::temp_directory_path() / ("edi-capstone-demo-" + std::to_string(::getpid()) + ".edi")).string();
  edi::GeneratorOptions opt;
  opt.seed = 2026;
  opt.target_bytes = quick ? (2 << 20) : (64 << 20);
  opt.duplicate_rate = 0.05;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    edi::generate(opt, [&](std::string_view piece) { out.write(piece.data(), static_cast<std::streamsize>(piece.size())); });
  }
  std::printf("  input: %s, %zu bytes (5%% retransmissions)\n", path.c_str(), static_cast<std::size_t>(std::filesystem::file_size(path)));

  auto start = std::chrono::steady_clock::now();
  const cap::naive::Report naive = cap::naive::run_file(path, db, {});
  const double naive_s = seconds_since(start);
  print_run("naive (eager, 1 thread)", naive_s, naive.bytes,
            std::to_string(naive.messages) + " messages, " + std::to_string(naive.duplicates) + " duplicates, invoices " +
                edi::to_string(naive.types.count("INVOIC") ? naive.types.at("INVOIC").invoice_amount : edi::Amount{}));

  const auto same_as_naive = [&](const cap::Report& r) {
    bool same = r.messages == naive.messages && r.accepted == naive.accepted && r.rejected == naive.rejected &&
                r.duplicates == naive.duplicates && r.errors == naive.errors && r.types.size() == naive.types.size() &&
                r.partners.size() == naive.partners.size();
    for (const auto& [type, t] : r.types) {
      const auto it = naive.types.find(type);
      same = same && it != naive.types.end() && it->second.invoice_amount == t.invoice_amount &&
             it->second.line_total == t.line_total;
    }
    return same ? "the naive pipeline's report" : "DIFFERENT from the naive pipeline's report";
  };

  for (const std::size_t workers : {0u, 1u, 2u}) {  // 0: run_sequential
    try {
      cap::Options options;
      options.workers = workers == 0 ? 1 : workers;
      cap::Pipeline pipeline(directory, options);
      edi::FileSource file(path);
      start = std::chrono::steady_clock::now();
      const cap::Report report = workers == 0 ? pipeline.run_sequential(file) : pipeline.run(file);
      const double s = seconds_since(start);
      const std::string what = workers == 0 ? "run_sequential" : "run, " + std::to_string(workers) + " worker(s)";
      print_run(what.c_str(), s, report.bytes,
                std::string(same_as_naive(report)) + ", " + std::to_string(naive_s / s).substr(0, 4) + "x the naive; peak " +
                    std::to_string(pipeline.buffers().peak_in_use()) + " buffers (" +
                    std::to_string(pipeline.buffers().peak_bytes_in_use() / 1024) + " KiB of messages)");
      if (workers == 2) std::printf("\n%s", cap::format(report, 5, 5).c_str());
    } catch (const edi::NotImplemented& e) {
      std::printf("  %-26s %s\n", workers == 0 ? "run_sequential" : ("run, " + std::to_string(workers) + " worker(s)").c_str(),
                  e.what());
    }
  }
  std::filesystem::remove(path);
}

}  // namespace

int main() {
  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;
  const std::string db = (std::filesystem::temp_directory_path() / "edi-capstone-partners.db").string();
  const cap::PartnerDirectory directory(db);
  std::printf("Master data: %s, %zu partners (SQLite)\n\n", db.c_str(), directory.size());
  splitter_tour();
  caches_tour(directory);
  pipeline_tour(directory, db, quick);
  std::puts("\nNext: make check LESSON=07 grades your pipeline; make hint LESSON=07 helps.");
  return 0;
}
