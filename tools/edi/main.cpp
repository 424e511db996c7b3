// edi: generate, count, validate and dump UN/EDIFACT interchanges.
//
//   edi gen --size 32M --seed 7 -o big.edi       deterministic valid interchange
//   edi stats big.edi --json                     {"bytes":...,"messages":...,"seconds":...}
//   edi validate orders.edi                      findings with line and column; exit 0, 1 or 2
//   edi dump orders.edi --json                   one JSON object per segment
//
// The interface is a contract other tools rely on; docs/edi-tool.md describes it.
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <iostream>
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

// "32M", "1.5G", "4096" -> bytes. K, M and G are binary (KiB, MiB, GiB), in either case.
std::size_t parse_size(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return CLI::ValidationError("--size", "'" + text + "' " + why + " (examples: 4096, 512K, 32M, 1G)");
  };
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw bad("is not a size");
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1;
  if (unit == "K" || unit == "KB" || unit == "KIB") scale = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") scale = 1024.0 * 1024 * 1024;
  else if (!unit.empty()) throw bad("has an unknown unit");
  if (!(number > 0)) throw bad("must be positive");
  return static_cast<std::size_t>(number * scale);
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

int run_gen(std::size_t size, std::size_t messages, std::uint64_t seed, int syntax, bool crlf, bool one_line,
            const std::string& output) {
  edi::GeneratorOptions opt;
  opt.seed = seed;
  opt.syntax = syntax;
  opt.target_bytes = size;
  opt.messages = messages;
  opt.layout = one_line ? edi::Layout::one_line : crlf ? edi::Layout::crlf : edi::Layout::lf;

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!output.empty() && output != "-") {
    file.open(output, std::ios::binary);
    if (!file) {
      std::cerr << "edi gen: cannot write " << output << '\n';
      return kUnreadable;
    }
    out = &file;
  }
  Progress progress;
  progress.enabled = progress.enabled && size > (8u << 20);
  std::size_t written = 0;
  edi::generate(opt, [&](std::string_view piece) {
    out->write(piece.data(), static_cast<std::streamsize>(piece.size()));
    written += piece.size();
    progress.show(written, size);
  });
  progress.finish();
  out->flush();
  if (!*out) {
    std::cerr << "edi gen: write failed\n";
    return kUnreadable;
  }
  return kValid;
}

std::string error_text(edi::Errc rc, const edi::Position& where) {
  return fmt::format("line {}, column {} (byte {}): {}", where.line, where.column, where.offset, edi::describe(rc));
}

int run_stats(const std::vector<std::string>& files, bool json) {
  int status = kValid;
  for (const std::string& path : files) {
    edi::Stats stats;
    const auto start = Clock::now();
    edi::Errc rc;
    std::size_t error_offset = 0;
    try {
      edi::FileSource file(path);
      edi::StreamReader reader(file);
      rc = edi::collect_stats(reader, stats);
      stats.bytes = reader.bytes_read();
      error_offset = reader.error_offset();
    } catch (const std::system_error& e) {
      std::cerr << "edi stats: " << e.what() << '\n';
      status = kUnreadable;
      continue;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (rc != edi::Errc::end_of_input) {
      std::cerr << "edi stats: " << path << ": byte " << error_offset << ": " << edi::describe(rc)
                << " (counts cover the input up to there)\n";
      status = kFindings;
    }
    if (json) {
      nlohmann::json types = nlohmann::json::object();
      for (const auto& [type, n] : stats.message_types) types[(type)] = n;
      const nlohmann::json j = {{"file", (path)},       {"bytes", stats.bytes},
                                {"interchanges", stats.interchanges}, {"groups", stats.groups},
                                {"messages", stats.messages},     {"message_types", types},
                                {"segments", stats.segments},     {"elements", stats.elements},
                                {"components", stats.components}, {"seconds", seconds}};
      std::cout << to_json(j) << '\n';
    } else {
      std::string types;
      for (const auto& [type, n] : stats.message_types) types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, n);
      std::cout << fmt::format(
          "{}\n  bytes          {}\n  interchanges   {}\n  groups         {}\n  messages       {}{}\n"
          "  segments       {}\n  elements       {}\n  components     {}\n  seconds        {:.4f} ({:.0f} MB/s)\n",
          path, stats.bytes, stats.interchanges, stats.groups, stats.messages,
          types.empty() ? "" : " (" + types + ")", stats.segments, stats.elements, stats.components, seconds,
          seconds > 0 ? static_cast<double>(stats.bytes) / seconds / 1e6 : 0.0);
    }
  }
  return status;
}

int run_validate(const std::vector<std::string>& files, bool json) {
  int status = kValid;
  for (const std::string& path : files) {
    edi::EnvelopeChecker checker;
    edi::Errc rc;
    bool unparseable = false;
    try {
      edi::FileSource file(path);
      edi::StreamReader reader(file);
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
        std::cout << to_json(nlohmann::json{{"file", (path)}, {"readable", false}, {"error", e.what()}}) << '\n';
      } else {
        std::cerr << "edi validate: " << e.what() << '\n';
      }
      status = kUnreadable;
      continue;
    }
    const auto& findings = checker.findings();
    const std::size_t warnings = findings.size() - checker.errors();
    if (json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& f : findings) {
        list.push_back({{"severity", f.severity == edi::Severity::error ? "error" : "warning"},
                        {"code", f.code},
                        {"line", f.position.line},
                        {"column", f.position.column},
                        {"offset", f.position.offset},
                        {"message", (f.message)}});
      }
      std::cout << to_json(nlohmann::json{{"file", (path)},
                                  {"readable", true},
                                  {"valid", checker.errors() == 0 && !unparseable},
                                  {"errors", checker.errors()},
                                  {"warnings", warnings},
                                  {"messages", checker.counts().messages},
                                  {"segments", checker.counts().segments},
                                  {"findings", list}})
                << '\n';
    } else {
      for (const auto& f : findings) std::cout << edi::format(f, path) << '\n';
      std::cout << fmt::format("{}: {} ({} messages, {} segments, {} errors, {} warnings)\n", path,
                               checker.errors() == 0 && !unparseable ? "valid" : "INVALID", checker.counts().messages,
                               checker.counts().segments, checker.errors(), warnings);
    }
    const int file_status = unparseable ? kUnreadable : checker.errors() > 0 ? kFindings : kValid;
    status = std::max(status, file_status);
  }
  return status;
}

int run_dump(const std::string& path, bool json) {
  try {
    edi::FileSource file(path);
    edi::StreamReader reader(file);
    edi::RawSegment raw;
    edi::Segment seg;
    edi::Errc rc;
    std::string line;
    while ((rc = reader.next(raw)) == edi::Errc::ok) {
      line.clear();
      if (json) {
        edi::parse_segment(raw, seg);
        line += "{\"tag\":";
        append_json_string(line, seg.tag());
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
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    std::fflush(stdout);
    if (rc != edi::Errc::end_of_input) {
      const edi::Position where = reader.locate(reader.error_offset());
      std::cerr << "edi dump: " << path << ": " << error_text(rc, where) << '\n';
      return kFindings;
    }
  } catch (const std::system_error& e) {
    std::cerr << "edi dump: " << e.what() << '\n';
    return kUnreadable;
  }
  return kValid;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"edi: generate, count, validate and dump UN/EDIFACT interchanges"};
  app.require_subcommand(1);

  auto* gen = app.add_subcommand("gen", "Write a deterministic valid interchange of mixed message types");
  std::string size_text;
  std::size_t messages = 100;
  std::uint64_t seed = 1;
  int syntax = 3;
  bool crlf = false;
  bool one_line = false;
  std::string output;
  auto* size_opt = gen->add_option("--size", size_text, "Approximate size in bytes (suffixes K, M, G)");
  gen->add_option("--messages", messages, "Number of messages (when --size is not given)")
      ->excludes(size_opt)
      ->check(CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max() / 2, "a number of messages, 1 or more"));
  gen->add_option("--seed", seed, "Seed: the same seed gives the same bytes")->check(CLI::NonNegativeNumber);
  gen->add_option("--syntax", syntax, "Syntax version: 3, or 4 (repetitions with '*')")->check(CLI::IsMember({3, 4}));
  auto* crlf_opt = gen->add_flag("--crlf", crlf, "CR LF after each segment");
  gen->add_flag("--one-line", one_line, "No line breaks at all")->excludes(crlf_opt);
  gen->add_option("-o,--output", output, "Output file (default: standard output)");

  auto* stats = app.add_subcommand("stats", "Count bytes, interchanges, groups, messages, segments, elements, components");
  std::vector<std::string> stats_files;
  bool stats_json = false;
  stats->add_option("files", stats_files, "EDIFACT files")->required();
  stats->add_flag("--json", stats_json, "One JSON object per file");

  auto* validate = app.add_subcommand("validate", "Check the envelope and syntax; exit 0 valid, 1 findings, 2 unreadable");
  std::vector<std::string> validate_files;
  bool validate_json = false;
  validate->add_option("files", validate_files, "EDIFACT files")->required();
  validate->add_flag("--json", validate_json, "One JSON object per file");

  auto* dump = app.add_subcommand("dump", "Print one segment per line");
  std::string dump_file;
  bool dump_json = false;
  dump->add_option("file", dump_file, "EDIFACT file")->required();
  dump->add_flag("--json", dump_json, "JSON Lines: {\"tag\":...,\"elements\":[[...]],\"offset\":...}");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kUnreadable;
  }

  try {
    if (*gen) {
      return run_gen(size_text.empty() ? 0 : parse_size(size_text), messages, seed, syntax, crlf, one_line, output);
    }
    if (*stats) return run_stats(stats_files, stats_json);
    if (*validate) return run_validate(validate_files, validate_json);
    return run_dump(dump_file, dump_json);
  } catch (const CLI::ValidationError& e) {
    std::cerr << "edi: " << e.what() << '\n';
    return kUnreadable;
  } catch (const std::exception& e) {
    std::cerr << "edi: " << e.what() << '\n';
    return kUnreadable;
  }
}
