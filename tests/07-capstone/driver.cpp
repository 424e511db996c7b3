// The capstone's command-line driver: runs one pipeline over one file and says how fast and in
// how much memory. Built twice: capstone_pipeline_solutions (the reference) and
// capstone_pipeline_exercises (your code). The performance report (docs/performance.md) calls it.
//
//   capstone_pipeline_solutions FILE [--mode MODE] [--workers N] [--in-flight N] [--chunk BYTES]
//                               [--db PATH] [--quiet] [--json]
//
// MODE: parallel (default: Pipeline::run), sequential (Pipeline::run_sequential), naive (the
// naive pipeline: whole file, eager parse, one thread, no caches), or an I/O floor that only
// tokenizes: read (read() the whole file into one buffer), mmap, stream (edi::StreamReader with
// --chunk bytes, default 256 KiB). --workers: default one per core minus the reader's (at least
// 1); --in-flight: Options::max_in_flight (64); --db: the SQLite master data (default
// $TMPDIR/edi-capstone-partners.db, created on first use). Timing covers reading the file
// through to the report; opening the master data is not timed. Peak RSS is getrusage's ru_maxrss
// for the whole process. --json prints one line:
//   {"mode": "parallel", "workers": 1, "bytes": ..., "messages": ..., "segments": ...,
//    "seconds": ..., "mb_per_s": ..., "peak_rss_kib": ...}
// Exit status: 0; 1 on a usage or runtime error; 2 when the code is a stub still to be written.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "edi/edi.hpp"
#include "naive_pipeline.hpp"
#include "pipeline.hpp"

namespace {

struct Args {
  std::string file;
  std::string mode = "parallel";
  std::size_t workers = std::max(2u, std::thread::hardware_concurrency()) - 1;  // the reader has a core
  std::size_t in_flight = 64;
  std::size_t chunk = 256 << 10;
  std::string db = (std::filesystem::temp_directory_path() / "edi-capstone-partners.db").string();
  bool quiet = false;
  bool json = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: capstone_pipeline_IMPL FILE [--mode parallel|sequential|naive|read|mmap|stream]\n"
               "       [--workers N] [--in-flight N] [--chunk BYTES] [--db PATH] [--quiet] [--json]\n",
               why);
  std::exit(1);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + std::string(arg)).c_str());
      return argv[++i];
    };
    const auto count = [&]() -> std::size_t {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n == 0) usage(("not a positive number: " + v).c_str());
      return static_cast<std::size_t>(n);
    };
    if (arg == "--mode") {
      a.mode = value();
    } else if (arg == "--workers") {
      a.workers = count();
    } else if (arg == "--in-flight") {
      a.in_flight = count();
    } else if (arg == "--chunk") {
      a.chunk = count();
    } else if (arg == "--db") {
      a.db = value();
    } else if (arg == "--quiet") {
      a.quiet = true;
    } else if (arg == "--json") {
      a.json = true;
    } else if (!arg.empty() && arg[0] == '-') {
      usage(("unknown option " + std::string(arg)).c_str());
    } else if (a.file.empty()) {
      a.file = arg;
    } else {
      usage("one file only");
    }
  }
  if (a.file.empty()) usage("no input file");
  return a;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

std::uint64_t count_segments(std::string_view text) {
  edi::Tokenizer tok(text);
  edi::RawSegment seg;
  std::uint64_t n = 0;
  while (tok.next(seg) == edi::Errc::ok) ++n;
  return n;
}

// The I/O floors: tokenizing the file after reading it whole, mapping it, or streaming it.
std::uint64_t io_floor(const Args& a, std::uint64_t& bytes) {
  if (a.mode == "stream") {
    edi::FileSource file(a.file);
    edi::StreamReader reader(file, {.chunk_size = a.chunk});
    edi::RawSegment seg;
    std::uint64_t n = 0;
    while (reader.next(seg) == edi::Errc::ok) ++n;
    bytes = reader.bytes_read();
    return n;
  }
  const int fd = ::open(a.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + a.file + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  bytes = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t n = 0;
  if (a.mode == "mmap") {
    void* p = bytes == 0 ? nullptr : ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw std::runtime_error("cannot map " + a.file + ": " + std::strerror(errno));
    }
    n = count_segments(std::string_view(static_cast<const char*>(p), bytes));
    if (p != nullptr) ::munmap(p, bytes);
  } else {
    std::string buffer(bytes, '\0');
    std::size_t done = 0;
    while (done < bytes) {
      const ssize_t got = ::read(fd, buffer.data() + done, bytes - done);
      if (got <= 0) break;
      done += static_cast<std::size_t>(got);
    }
    n = count_segments(std::string_view(buffer.data(), done));
  }
  ::close(fd);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const bool pipeline_mode = a.mode == "parallel" || a.mode == "sequential" || a.mode == "naive";
  if (!pipeline_mode && a.mode != "read" && a.mode != "mmap" && a.mode != "stream") usage(("unknown mode " + a.mode).c_str());

  try {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
    std::uint64_t segments = 0;
    std::string text;
    std::string extra;
    std::chrono::steady_clock::time_point start;
    if (a.mode == "naive") {
      start = std::chrono::steady_clock::now();
      const edi::capstone::naive::Report r = edi::capstone::naive::run_file(a.file, a.db, {});
      bytes = r.bytes;
      messages = r.messages;
      segments = r.segments;
      text = edi::capstone::naive::dump(r);
    } else if (pipeline_mode) {
      edi::capstone::PartnerDirectory directory(a.db);
      edi::capstone::Options options;
      options.workers = a.workers;
      options.max_in_flight = a.in_flight;
      options.chunk_size = a.chunk;
      edi::capstone::Pipeline pipeline(directory, options);
      edi::FileSource file(a.file);
      start = std::chrono::steady_clock::now();
      const edi::capstone::Report r = a.mode == "parallel" ? pipeline.run(file) : pipeline.run_sequential(file);
      bytes = r.bytes;
      messages = r.messages;
      segments = r.segments;
      text = edi::capstone::format(r);
      const auto stats = pipeline.partners().stats();
      extra = ", partner cache " + std::to_string(stats.hits) + " hits / " + std::to_string(stats.misses) +
              " misses, peak " + std::to_string(pipeline.buffers().peak_in_use()) + " message buffers (" +
              std::to_string(pipeline.buffers().peak_bytes_in_use()) + " bytes), " +
              std::to_string(pipeline.buffers().buffers_created()) + " created";
    } else {
      start = std::chrono::steady_clock::now();
      segments = io_floor(a, bytes);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double mb_per_s = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0;
    const long rss = peak_rss_kib();
    if (!a.quiet && !text.empty()) std::fputs(text.c_str(), stdout);
    const std::size_t workers = a.mode == "parallel" ? a.workers : 1;
    if (a.json) {
      std::printf("{\"mode\": \"%s\", \"workers\": %zu, \"bytes\": %llu, \"messages\": %llu, \"segments\": %llu, "
                  "\"seconds\": %.6f, \"mb_per_s\": %.1f, \"peak_rss_kib\": %ld}\n",
                  a.mode.c_str(), workers, static_cast<unsigned long long>(bytes),
                  static_cast<unsigned long long>(messages), static_cast<unsigned long long>(segments), seconds,
                  mb_per_s, rss);
    } else {
      std::printf("%s, %zu worker(s): %llu bytes, %llu messages, %llu segments in %.3f s = %.1f MB/s; peak RSS %.1f MiB%s\n",
                  a.mode.c_str(), workers, static_cast<unsigned long long>(bytes),
                  static_cast<unsigned long long>(messages), static_cast<unsigned long long>(segments), seconds,
                  mb_per_s, static_cast<double>(rss) / 1024.0, extra.c_str());
    }
    return 0;
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "capstone_pipeline: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "capstone_pipeline: %s\n", e.what());
    return 1;
  }
}
