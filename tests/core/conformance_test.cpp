// Conformance with files nobody here wrote: when EDIFACT_CORPUS names a directory of real-world
// *.edi files (CI sets it to the shared corpus), read them all; valid ones must have the segment
// count of the independent reference counter, invalid ones at least one error finding.
//
//   EDIFACT_CORPUS=/path/to/corpus/real-world ctest -R Conformance
//
// The verdicts come from ../SOURCES.tsv next to the directory; the reference counts from
// ../count.py --json when it exists, else from SOURCES.tsv's segment_count column.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

namespace fs = std::filesystem;

struct CorpusEntry {
  bool valid = false;
  long segment_count = -1;  // count.py's count, the UNA included
  bool una = false;
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) fields.push_back(field);
  return fields;
}

// SOURCES.tsv: a header naming the columns, then one row per file.
std::map<std::string, CorpusEntry> read_sources(const fs::path& path) {
  std::map<std::string, CorpusEntry> entries;
  std::stringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split_tabs(line);
  const auto column = [&](std::string_view prefix) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i].rfind(prefix, 0) == 0) return i;
    }
    ADD_FAILURE() << "SOURCES.tsv has no column " << prefix;
    return std::size_t{0};
  };
  const std::size_t file = column("filename"), valid = column("valid"), count = column("segment_count"),
                    una = column("una");
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split_tabs(line);
    if (f.size() <= std::max({file, valid, count, una})) continue;
    entries[f[file]] = CorpusEntry{f[valid] == "valid", std::stol(f[count]), f[una] == "yes"};
  }
  return entries;
}

// Runs `python3 count.py --json FILE...` once for all files and reads "segments" and "una" from
// its JSON lines, by file name.
std::map<std::string, CorpusEntry> run_count_py(const fs::path& script, const std::vector<fs::path>& files) {
  std::string command = "python3 '" + script.string() + "' --json";
  for (const fs::path& f : files) command += " '" + f.string() + "'";
  std::map<std::string, CorpusEntry> counts;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>/dev/null").c_str(), "r"), ::pclose);
  if (!pipe) return counts;
  std::string line;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
    line += buffer;
    if (line.back() != '\n') continue;
    const std::size_t segments = line.find("\"segments\": ");
    const std::size_t una = line.find("\"una\": ");
    const std::size_t file = line.find("\"file\": \"");
    if (segments != std::string::npos && una != std::string::npos && file != std::string::npos) {
      const std::size_t name_begin = file + 9;
      const fs::path path = line.substr(name_begin, line.find('"', name_begin) - name_begin);
      CorpusEntry& entry = counts[path.filename().string()];
      entry.segment_count = std::stol(line.substr(segments + 12));
      entry.una = line.compare(una + 7, 4, "true") == 0;
    }
    line.clear();
  }
  return counts;
}

// Every corpus file is read without a crash; valid ones count like count.py, invalid ones have errors.
TEST(Conformance, RealWorldCorpus) {
  const char* dir = std::getenv("EDIFACT_CORPUS");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "EDIFACT_CORPUS is not set";
  const fs::path corpus(dir);
  ASSERT_TRUE(fs::is_directory(corpus)) << corpus;
  const fs::path sources = corpus.parent_path() / "SOURCES.tsv";
  ASSERT_TRUE(fs::exists(sources)) << sources;
  const std::map<std::string, CorpusEntry> entries = read_sources(sources);

  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    if (entry.path().extension() == ".edi") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  const fs::path count_py = corpus.parent_path() / "count.py";
  const bool have_count_py = fs::exists(count_py);
  const std::map<std::string, CorpusEntry> counted =
      have_count_py ? run_count_py(count_py, files) : std::map<std::string, CorpusEntry>{};
  for (const fs::path& path : files) {
    const std::string name = path.filename().string();
    SCOPED_TRACE(name);
    const std::string bytes = read_file(path);
    const Structure s = analyze(bytes);  // must not crash, whatever the file holds
    const TokenRun streamed = stream_all(bytes, 4096);
    EXPECT_EQ(streamed.segments.size(), s.counts.segments);
    const auto it = entries.find(name);
    ASSERT_TRUE(it != entries.end()) << "not in SOURCES.tsv";
    CorpusEntry expected = it->second;
    if (have_count_py) {
      const auto reference = counted.find(name);
      ASSERT_TRUE(reference != counted.end()) << "count.py gave no count";
      expected.segment_count = reference->second.segment_count;
      expected.una = reference->second.una;
    }
    if (expected.valid) {
      EXPECT_EQ(static_cast<long>(s.counts.segments), expected.segment_count - (expected.una ? 1 : 0));
      for (const Finding& f : s.findings) {
        if (f.severity == Severity::error) ADD_FAILURE() << format(f, name);
      }
    } else {
      EXPECT_GT(s.errors, 0u) << "an invalid file without an error finding";
    }
  }
}

}  // namespace
}  // namespace edi::test
