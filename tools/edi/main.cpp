// edi: generate, count, validate and dump UN/EDIFACT interchanges.
//
//   edi gen --size 32M --seed 7 -o big.edi       deterministic valid interchange
//   edi stats big.edi --json                     {"bytes":...,"messages":...,"seconds":...}
//   edi validate orders.edi                      findings with line and column; exit 0, 1 or 2
//   edi dump orders.edi --json                   one JSON object per segment
//
// The interface is a contract other tools rely on; docs/edi-tool.md describes it.
//
// Nothing is lost silently: every write is checked (a failed write ends the command with
// "edi: cannot write output: <reason>" and status 2; a closed pipe ends it quietly, as `| head`
// expects), `gen -o` writes a temporary file next to the output and renames it into place, and
// every number on the command line is parsed whole and range-checked.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "edi/edi.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Exit statuses of `validate` (and of the other commands on unreadable input).
constexpr int kValid = 0;
constexpr int kFindings = 1;
constexpr int kUnreadable = 2;

// A usage error found after CLI11's parse (a bad number): one line on standard error, status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = kKiB * 1024;
constexpr std::uint64_t kGiB = kMiB * 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A whole decimal number in [lo, hi], all of `text` consumed: no sign, no space, no exponent.
std::uint64_t parse_whole(std::string_view option, const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || !is_digit(text[0]) || ec != std::errc{} || ptr != end || value < lo || value > hi) {
    throw UsageError(fmt::format("{} '{}': expected a whole number from {} to {}", option, text, lo, hi));
  }
  return value;
}

// 16777216 -> "16M", 1536 -> "1.5K": how the tool writes a size it also accepts.
std::string size_text(std::uint64_t bytes) {
  for (const auto& [scale, unit] : {std::pair{kGiB, "G"}, std::pair{kMiB, "M"}, std::pair{kKiB, "K"}}) {
    if (bytes >= scale && bytes % (scale / 8) == 0) {
      return fmt::format("{}{}", static_cast<double>(bytes) / static_cast<double>(scale), unit);
    }
  }
  return std::to_string(bytes);
}

// "32M", "1.5G", "4096" -> bytes, in [lo, hi]. Digits, an optional fraction, an optional unit
// (K, M, G, KB, KiB... in either case; binary: 1K = 1024); the fraction is rounded down to whole bytes.
std::uint64_t parse_size(std::string_view option, const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  const auto bad = [&] {
    return UsageError(fmt::format("{} '{}': expected a size from {} to {} bytes (a number, decimals allowed, "
                                  "and an optional unit K, M or G: 4096, 512K, 1.5G)",
                                  option, text, size_text(lo), size_text(hi)));
  };
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  std::uint64_t whole = 0;
  if (i == 0 || std::from_chars(text.data(), text.data() + i, whole).ec != std::errc{}) throw bad();
  std::uint64_t fraction = 0;  // the first 9 digits after the point
  std::uint64_t fraction_scale = 1;
  if (i < text.size() && text[i] == '.') {
    const std::size_t first = ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (i - first < 9) {
        fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        fraction_scale *= 10;
      }
    }
    if (i == first) throw bad();
  }
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::uint64_t scale = 1;
  if (unit == "K" || unit == "KB" || unit == "KIB") scale = kKiB;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = kMiB;
  else if (unit == "G" || unit == "GB" || unit == "GIB") scale = kGiB;
  else if (!unit.empty()) throw bad();
  if (whole > hi / scale) throw bad();
  const std::uint64_t bytes = whole * scale + fraction * scale / fraction_scale;  // < 10^9 * 2^30: no overflow
  if (bytes < lo || bytes > hi) throw bad();
  return bytes;
}

// A write failed with this errno value.
struct WriteError {
  int error;
};

// Buffered writes to a file descriptor. The first failed write throws WriteError: nothing after
// it is attempted, so a full disk or a closed pipe stops the command at once.
class Output {
 public:
  explicit Output(int fd) : fd_(fd) { buffer_.reserve(kBuffer); }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > kBuffer) {
      flush();
      if (bytes.size() >= kBuffer) {
        write_all(bytes);
        return;
      }
    }
    buffer_.append(bytes);
  }
  void flush() {
    write_all(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kBuffer = 64 * 1024;

  void write_all(std::string_view bytes) const {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw WriteError{n < 0 ? errno : EIO};
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  int fd_;
  std::string buffer_;
};

// A line on standard error, after what standard output holds so far (their order is kept when
// both go to one place, `2>&1`).
void report(Output& out, const std::string& line) {
  out.flush();
  std::fputs((line + '\n').c_str(), stderr);
}

// The end of a command whose standard output failed. A closed pipe (`edi dump big.edi | head`) is
// the reader's choice, not an error: the process ends by SIGPIPE, quietly, as `cat` does.
int output_failed(int error) {
  if (error == EPIPE) {
    std::signal(SIGPIPE, SIG_DFL);
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigprocmask(SIG_UNBLOCK, &pipe_only, nullptr);
    std::raise(SIGPIPE);
    return kUnreadable;  // not reached
  }
  std::fprintf(stderr, "edi: cannot write output: %s\n", std::strerror(error));
  return kUnreadable;
}

// A closed standard descriptor (`edi stats f.edi >&-`) would be reused by the next open(): an
// input file would become "standard output". Park /dev/null there instead, opened for the wrong
// direction, so that writes to a closed stdout fail with EBADF and are reported.
void guard_standard_descriptors() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
      if (opened != fd && opened >= 0) ::close(opened);
    }
  }
}

// Standard input as a ByteSource: the file name "-".
class StandardInput final : public edi::ByteSource {
 public:
  std::size_t read(std::span<char> buffer) override {
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "cannot read standard input");
    }
  }
};

// "-" is standard input, as for cat and jq; anything else a file.
std::unique_ptr<edi::ByteSource> open_input(const std::string& path) {
  if (path == "-") return std::make_unique<StandardInput>();
  return std::make_unique<edi::FileSource>(path);
}

// The range of --max-segment: the reader's buffer is 256 KiB at least.
constexpr std::uint64_t kMinSegmentLimit = 256 * kKiB;
constexpr std::uint64_t kMaxSegmentLimit = 4 * kGiB;

// How the commands that read use the streaming reader.
struct ReadOptions {
  std::uint64_t max_segment = 16 * kMiB;
  edi::StreamReader::Options reader() const { return {.chunk_size = 256 * 1024, .max_segment_size = max_segment}; }
};

// describe(rc), and for the one limit a user can meet on a legitimate file: what it is and how
// to raise it.
std::string describe(edi::Errc rc, const ReadOptions& read) {
  if (rc != edi::Errc::segment_too_long) return std::string(edi::describe(rc));
  if (read.max_segment >= kMaxSegmentLimit) {
    return fmt::format("segment longer than the reader's limit of {} bytes: expected a segment terminator sooner "
                       "(the largest --max-segment)",
                       size_text(read.max_segment));
  }
  return fmt::format("segment longer than the reader's limit of {} bytes: expected a segment terminator sooner "
                     "(raise the limit with --max-segment, e.g. --max-segment {})",
                     size_text(read.max_segment), size_text(std::min(read.max_segment * 4, kMaxSegmentLimit)));
}

// JSON string for `bytes`: valid UTF-8 is kept, each byte of an invalid sequence is written
// as \u00XX (its value), control characters are escaped.
void append_json_string(std::string& out, std::string_view bytes) {
  out += '"';
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    std::size_t len = 0;
    if (b < 0x80) len = 1;
    else if ((b & 0xE0) == 0xC0 && b >= 0xC2) len = 2;
    else if ((b & 0xF0) == 0xE0) len = 3;
    else if ((b & 0xF8) == 0xF0 && b <= 0xF4) len = 4;
    bool valid = len > 0 && i + len <= bytes.size();
    for (std::size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(bytes[i + k]) & 0xC0) == 0x80;
    if (valid && len == 3) {
      const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
      valid = !(b == 0xE0 && b1 < 0xA0) && !(b == 0xED && b1 >= 0xA0);  // overlong, surrogates
    }
    if (valid && len == 4) {
      const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
      valid = !(b == 0xF0 && b1 < 0x90) && !(b == 0xF4 && b1 >= 0x90);
    }
    if (!valid) {
      out += fmt::format("\\u{:04x}", b);
      ++i;
      continue;
    }
    if (len > 1) {
      out.append(bytes, i, len);
      i += len;
      continue;
    }
    switch (b) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (b < 0x20 || b == 0x7F) out += fmt::format("\\u{:04x}", b);
        else out += static_cast<char>(b);
    }
    ++i;
  }
  out += '"';
}

// Serializes `j` like nlohmann::json::dump(), but writes its strings (which hold the input's raw
// bytes) with append_json_string, so every command follows the same UTF-8 rule as `dump --json`.
void append_json(std::string& out, const nlohmann::json& j) {
  if (j.is_string()) {
    append_json_string(out, j.get_ref<const std::string&>());
  } else if (j.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, key);
      out += ':';
      append_json(out, value);
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i > 0) out += ',';
      append_json(out, j[i]);
    }
    out += ']';
  } else {
    out += j.dump();
  }
}

std::string to_json(const nlohmann::json& j) {
  std::string out;
  append_json(out, j);
  return out;
}

struct Progress {
  bool enabled = isatty(STDERR_FILENO) != 0;
  Clock::time_point last = Clock::now();
  void show(std::size_t done, std::size_t total) {
    if (!enabled || Clock::now() - last < std::chrono::milliseconds(200)) return;
    last = Clock::now();
    std::fprintf(stderr, "\rgenerated %zu of %zu MiB", done >> 20, total >> 20);
  }
  void finish() {
    if (enabled) std::fprintf(stderr, "\r\033[K");
  }
};

// The temporary file of a `gen -o` in progress, removed if a signal ends the process first.
char g_temporary[PATH_MAX];
volatile sig_atomic_t g_temporary_live = 0;

extern "C" void remove_temporary_and_die(int signal_number) {
  if (g_temporary_live != 0) ::unlink(g_temporary);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// The output file of `gen -o PATH`. A regular file (or a new one) is written as a temporary file
// in the same directory and renamed into place by commit(): readers, and concurrent runs, see
// the old file or the whole new one, never a part. A path that exists and is not a regular file
// (/dev/null, a FIFO) is written directly. Throws WriteError when the file cannot be created.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) throw WriteError{EISDIR};
    if (exists && !S_ISREG(st.st_mode)) {
      fd_ = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd_ < 0) throw WriteError{errno};
      return;
    }
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    temporary_ = dir + "." + name + ".XXXXXX";
    if (temporary_.size() >= sizeof g_temporary) throw WriteError{ENAMETOOLONG};
    std::memcpy(g_temporary, temporary_.c_str(), temporary_.size() + 1);
    // Block the cleanup signals while the name is created and registered.
    sigset_t block, old;
    sigemptyset(&block);
    for (const int sig : kCleanupSignals) sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old);
    fd_ = ::mkostemp(g_temporary, O_CLOEXEC);
    const int error = errno;
    if (fd_ >= 0) {
      temporary_ = g_temporary;
      g_temporary_live = 1;
      struct sigaction action {};
      action.sa_handler = remove_temporary_and_die;
      sigemptyset(&action.sa_mask);
      for (const int sig : kCleanupSignals) ::sigaction(sig, &action, nullptr);
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    if (fd_ < 0) throw WriteError{error};
    // mkstemp creates 0600; give the file the mode the old one had, or the umask's.
    mode_t mode = 0;
    if (exists) {
      mode = st.st_mode & 07777;
    } else {
      mode = ::umask(0);
      ::umask(mode);
      mode = 0666 & ~mode;
    }
    ::fchmod(fd_, mode);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
    if (g_temporary_live != 0) {
      ::unlink(temporary_.c_str());
      g_temporary_live = 0;
    }
  }

  int fd() const { return fd_; }

  // Makes the written bytes the file's content: to disk, closed, renamed over the path.
  void commit() {
    if (temporary_.empty()) {
      const int rc = ::close(fd_);
      fd_ = -1;
      if (rc != 0 && errno != EINTR) throw WriteError{errno};
      return;
    }
    if (::fsync(fd_) != 0) throw WriteError{errno};
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0 && errno != EINTR) throw WriteError{errno};
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) throw WriteError{errno};
    g_temporary_live = 0;
  }

 private:
  static constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

  std::string path_;
  std::string temporary_;
  int fd_ = -1;
};

struct GenOptions {
  std::uint64_t size = 0;  // 0: --messages
  std::uint64_t messages = 100;
  std::uint64_t seed = 1;
  int syntax = 3;
  bool crlf = false;
  bool one_line = false;
  std::string output;
};

void generate_to(const GenOptions& gen, Output& out) {
  edi::GeneratorOptions opt;
  opt.seed = gen.seed;
  opt.syntax = gen.syntax;
  opt.target_bytes = gen.size;
  opt.messages = gen.messages;
  opt.layout = gen.one_line ? edi::Layout::one_line : gen.crlf ? edi::Layout::crlf : edi::Layout::lf;
  Progress progress;
  progress.enabled = progress.enabled && gen.size > (8u << 20);
  std::size_t written = 0;
  try {
    edi::generate(opt, [&](std::string_view piece) {
      out.write(piece);  // throws at the first failed write: generation stops there
      written += piece.size();
      progress.show(written, gen.size);
    });
    out.flush();
  } catch (const WriteError&) {
    progress.finish();
    throw;
  }
  progress.finish();
}

int run_gen(const GenOptions& gen, Output& out) {
  if (gen.output.empty() || gen.output == "-") {
    generate_to(gen, out);
    return kValid;
  }
  try {
    OutputFile file(gen.output);
    Output file_out(file.fd());
    generate_to(gen, file_out);
    file.commit();
  } catch (const WriteError& e) {
    report(out, fmt::format("edi gen: cannot write {}: {}", gen.output, std::strerror(e.error)));
    return kUnreadable;
  }
  return kValid;
}

std::string error_text(edi::Errc rc, const edi::Position& where, const ReadOptions& read) {
  return fmt::format("line {}, column {} (byte {}): {}", where.line, where.column, where.offset, describe(rc, read));
}

int run_stats(const std::vector<std::string>& files, bool json, const ReadOptions& read, Output& out) {
  int status = kValid;
  for (const std::string& path : files) {
    edi::Stats stats;
    const auto start = Clock::now();
    edi::Errc rc;
    std::size_t error_offset = 0;
    try {
      const auto input = open_input(path);
      edi::StreamReader reader(*input, read.reader());
      rc = edi::collect_stats(reader, stats);
      stats.bytes = reader.bytes_read();
      error_offset = reader.error_offset();
    } catch (const std::system_error& e) {
      report(out, fmt::format("edi stats: {}", e.what()));
      status = std::max(status, kUnreadable);
      continue;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (rc != edi::Errc::end_of_input) {
      report(out, fmt::format("edi stats: {}: byte {}: {} (counts cover the input up to there)", path, error_offset,
                              describe(rc, read)));
      status = std::max(status, kFindings);
    }
    if (stats.long_message_types > 0) {
      report(out, fmt::format("edi stats: {}: {} UNH segments name a message type longer than {} characters "
                              "(the syntax allows {}): counted as messages, not by type",
                              path, stats.long_message_types, edi::Stats::kMaxMessageTypeSize,
                              edi::Stats::kMaxMessageTypeSize));
      status = std::max(status, kFindings);
    }
    if (stats.other_message_types > 0) {
      report(out, fmt::format("edi stats: {}: more than {} distinct message types: the {} messages of the types "
                              "seen after the first {} are counted together as other types",
                              path, edi::Stats::kMaxMessageTypes, stats.other_message_types,
                              edi::Stats::kMaxMessageTypes));
    }
    if (json) {
      nlohmann::json types = nlohmann::json::object();
      for (const auto& [type, n] : stats.message_types) types[(type)] = n;
      const nlohmann::json j = {{"file", (path)},
                                {"bytes", stats.bytes},
                                {"interchanges", stats.interchanges},
                                {"groups", stats.groups},
                                {"messages", stats.messages},
                                {"message_types", types},
                                {"other_message_types", stats.other_message_types},
                                {"long_message_types", stats.long_message_types},
                                {"segments", stats.segments},
                                {"elements", stats.elements},
                                {"components", stats.components},
                                {"seconds", seconds}};
      out.write(to_json(j) + '\n');
    } else {
      std::string types;
      for (const auto& [type, n] : stats.message_types) types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, n);
      if (stats.other_message_types > 0) {
        types += fmt::format("{}other types {}", types.empty() ? "" : ", ", stats.other_message_types);
      }
      if (stats.long_message_types > 0) {
        types += fmt::format("{}types too long {}", types.empty() ? "" : ", ", stats.long_message_types);
      }
      out.write(fmt::format(
          "{}\n  bytes          {}\n  interchanges   {}\n  groups         {}\n  messages       {}{}\n"
          "  segments       {}\n  elements       {}\n  components     {}\n  seconds        {:.4f} ({:.0f} MB/s)\n",
          path, stats.bytes, stats.interchanges, stats.groups, stats.messages,
          types.empty() ? "" : " (" + types + ")", stats.segments, stats.elements, stats.components, seconds,
          seconds > 0 ? static_cast<double>(stats.bytes) / seconds / 1e6 : 0.0));
    }
  }
  return status;
}

// A finding as the tool prints it: the reader's limit is stated with how to raise it.
edi::Finding shown(const edi::Finding& f, const ReadOptions& read) {
  edi::Finding copy = f;
  if (f.code == "segment-too-long") copy.message = describe(edi::Errc::segment_too_long, read);
  return copy;
}

int run_validate(const std::vector<std::string>& files, bool json, const ReadOptions& read, Output& out) {
  int status = kValid;
  for (const std::string& path : files) {
    edi::EnvelopeChecker checker;
    edi::Errc rc;
    bool unparseable = false;
    try {
      const auto input = open_input(path);
      edi::StreamReader reader(*input, read.reader());
      edi::RawSegment seg;
      const auto locate = [&](std::size_t offset) { return reader.locate(offset); };
      while ((rc = reader.next(seg)) == edi::Errc::ok) checker.on_segment(seg, locate);
      const std::size_t end = rc == edi::Errc::end_of_input ? reader.bytes_read() : reader.error_offset();
      checker.on_leading_junk(reader.state().leading_junk);
      checker.finish(rc, reader.locate(end));
      // Nothing could be read as EDIFACT at all: no segment before the input ended or broke.
      unparseable = checker.counts().segments == 0;
    } catch (const std::system_error& e) {
      if (json) {
        out.write(to_json(nlohmann::json{{"file", (path)}, {"readable", false}, {"error", e.what()}}) + '\n');
      } else {
        report(out, fmt::format("edi validate: {}", e.what()));
      }
      status = kUnreadable;
      continue;
    }
    const auto& findings = checker.findings();
    const std::size_t warnings = findings.size() - checker.errors();
    if (json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& found : findings) {
        const edi::Finding f = shown(found, read);
        list.push_back({{"severity", f.severity == edi::Severity::error ? "error" : "warning"},
                        {"code", f.code},
                        {"line", f.position.line},
                        {"column", f.position.column},
                        {"offset", f.position.offset},
                        {"message", (f.message)}});
      }
      out.write(to_json(nlohmann::json{{"file", (path)},
                                       {"readable", true},
                                       {"valid", checker.errors() == 0 && !unparseable},
                                       {"errors", checker.errors()},
                                       {"warnings", warnings},
                                       {"messages", checker.counts().messages},
                                       {"segments", checker.counts().segments},
                                       {"findings", list}}) +
                '\n');
    } else {
      for (const auto& f : findings) out.write(edi::format(shown(f, read), path) + '\n');
      out.write(fmt::format("{}: {} ({} messages, {} segments, {} errors, {} warnings)\n", path,
                            checker.errors() == 0 && !unparseable ? "valid" : "INVALID", checker.counts().messages,
                            checker.counts().segments, checker.errors(), warnings));
    }
    const int file_status = unparseable ? kUnreadable : checker.errors() > 0 ? kFindings : kValid;
    status = std::max(status, file_status);
  }
  return status;
}

// The tag as written: the whole run before the first element separator, line breaks removed
// (the Tag in a RawSegment keeps at most Tag::kCapacity bytes of it).
std::string_view full_tag(const edi::RawSegment& raw, const edi::Segment& parsed, std::string& storage) {
  if (!raw.tag.truncated()) return parsed.tag();
  storage.clear();
  for (const char c : raw.text.substr(0, raw.text.size() - raw.data.size())) {
    if (c != '\r' && c != '\n') storage += c;
  }
  return storage;
}

int run_dump(const std::string& path, bool json, const ReadOptions& read, Output& out) {
  try {
    const auto input = open_input(path);
    edi::StreamReader reader(*input, read.reader());
    edi::RawSegment raw;
    edi::Segment seg;
    edi::Errc rc;
    std::string line;
    std::string tag;
    while ((rc = reader.next(raw)) == edi::Errc::ok) {
      line.clear();
      if (json) {
        edi::parse_segment(raw, seg);
        line += "{\"tag\":";
        append_json_string(line, full_tag(raw, seg, tag));
        line += ",\"elements\":[";
        for (std::size_t e = 0; e < seg.element_count(); ++e) {
          if (e > 0) line += ',';
          const std::size_t reps = seg.repetition_count(e);
          if (reps > 1) line += '[';
          for (std::size_t r = 0; r < reps; ++r) {
            if (r > 0) line += ',';
            line += '[';
            for (std::size_t k = 0; k < seg.component_count(e, r); ++k) {
              if (k > 0) line += ',';
              append_json_string(line, seg.component(e, k, r));
            }
            line += ']';
          }
          if (reps > 1) line += ']';
        }
        line += fmt::format("],\"offset\":{}}}\n", raw.offset);
      } else {
        line += raw.text;
        line += raw.chars.terminator;
        line += '\n';
      }
      out.write(line);
    }
    if (rc != edi::Errc::end_of_input) {
      const edi::Position where = reader.locate(reader.error_offset());
      report(out, fmt::format("edi dump: {}: {}", path, error_text(rc, where, read)));
      return kFindings;
    }
  } catch (const std::system_error& e) {
    report(out, fmt::format("edi dump: {}", e.what()));
    return kUnreadable;
  }
  return kValid;
}

}  // namespace

int main(int argc, char** argv) {
  guard_standard_descriptors();
  CLI::App app{"edi: generate, count, validate and dump UN/EDIFACT interchanges"};
  app.require_subcommand(1);

  // Numbers are taken as text and parsed strictly below (parse_whole, parse_size).
  auto* gen = app.add_subcommand("gen", "Write a deterministic valid interchange of mixed message types");
  GenOptions gen_options;
  std::string size_arg;
  std::string messages_arg;
  std::string seed_arg;
  std::string syntax_arg;
  auto* size_opt = gen->add_option("--size", size_arg, "Approximate size in bytes (suffixes K, M, G), 1 to 1024G")
                       ->type_name("SIZE");
  auto* messages_opt = gen->add_option("--messages", messages_arg, "Number of messages (when --size is not given), 1 to 1000000000")
      ->type_name("N")
      ->excludes(size_opt);
  auto* seed_opt = gen->add_option("--seed", seed_arg, "Seed: the same seed gives the same bytes (0 to 2^64-1)")->type_name("N");
  auto* syntax_opt = gen->add_option("--syntax", syntax_arg, "Syntax version: 3, or 4 (repetitions with '*')")->type_name("3|4");
  auto* crlf_opt = gen->add_flag("--crlf", gen_options.crlf, "CR LF after each segment");
  gen->add_flag("--one-line", gen_options.one_line, "No line breaks at all")->excludes(crlf_opt);
  gen->add_option("-o,--output", gen_options.output,
                  "Output file, replaced whole when done (default, or -: standard output)")
      ->type_name("FILE");

  // --max-segment of the commands that read.
  std::string max_segment_arg;
  std::vector<CLI::Option*> max_segment_opts;
  const auto add_max_segment = [&](CLI::App* command) {
    max_segment_opts.push_back(command->add_option("--max-segment", max_segment_arg, "Longest segment read, 256K to 4G (default 16M)")
        ->type_name("SIZE"));
  };

  auto* stats = app.add_subcommand("stats", "Count bytes, interchanges, groups, messages, segments, elements, components");
  std::vector<std::string> stats_files;
  bool stats_json = false;
  stats->add_option("files", stats_files, "EDIFACT files (-: standard input)")->required();
  stats->add_flag("--json", stats_json, "One JSON object per file");
  add_max_segment(stats);

  auto* validate = app.add_subcommand("validate", "Check the envelope and syntax; exit 0 valid, 1 findings, 2 unreadable");
  std::vector<std::string> validate_files;
  bool validate_json = false;
  validate->add_option("files", validate_files, "EDIFACT files (-: standard input)")->required();
  validate->add_flag("--json", validate_json, "One JSON object per file");
  add_max_segment(validate);

  auto* dump = app.add_subcommand("dump", "Print one segment per line");
  std::string dump_file;
  bool dump_json = false;
  dump->add_option("file", dump_file, "EDIFACT file (-: standard input)")->required();
  dump->add_flag("--json", dump_json, "JSON Lines: {\"tag\":...,\"elements\":[[...]],\"offset\":...}");
  add_max_segment(dump);

  Output out(STDOUT_FILENO);
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // --help goes through `out` too, so that its writes are checked like any other.
      std::ostringstream help;
      const int rc = app.exit(e, help, std::cerr);
      out.write(help.str());
      out.flush();
      return rc == 0 ? 0 : kUnreadable;
    }

    ReadOptions read;
    const auto given = [](const CLI::Option* option) { return option->count() > 0; };
    if (std::any_of(max_segment_opts.begin(), max_segment_opts.end(), given)) read.max_segment = parse_size("--max-segment", max_segment_arg, kMinSegmentLimit, kMaxSegmentLimit);
    int status = kValid;
    if (*gen) {
      if (given(size_opt)) gen_options.size = parse_size("--size", size_arg, 1, 1024 * kGiB);
      if (given(messages_opt)) gen_options.messages = parse_whole("--messages", messages_arg, 1, 1'000'000'000);
      if (given(seed_opt)) gen_options.seed = parse_whole("--seed", seed_arg, 0, std::numeric_limits<std::uint64_t>::max());
      if (given(syntax_opt)) gen_options.syntax = static_cast<int>(parse_whole("--syntax", syntax_arg, 3, 4));
      status = run_gen(gen_options, out);
    } else if (*stats) {
      status = run_stats(stats_files, stats_json, read, out);
    } else if (*validate) {
      status = run_validate(validate_files, validate_json, read, out);
    } else {
      status = run_dump(dump_file, dump_json, read, out);
    }
    out.flush();
    return status;
  } catch (const WriteError& e) {
    return output_failed(e.error);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "edi: %s\n", e.what());
    return kUnreadable;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edi: %s\n", e.what());
    return kUnreadable;
  }
}
