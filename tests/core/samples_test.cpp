// The course's sample files: data/MANIFEST.tsv says what each one is, and the core agrees.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"

namespace edi::test {
namespace {

struct ManifestRow {
  std::string file;
  bool valid = false;
  std::size_t segments = 0;
  std::size_t messages = 0;
  std::set<std::string> findings;  // error codes
  std::string description;
};

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, separator)) fields.push_back(field);
  return fields;
}

std::vector<ManifestRow> read_manifest() {
  std::stringstream in(read_file(data_dir() / "MANIFEST.tsv"));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "file\tvalid\tsegments\tmessages\tfindings\tdescription");
  std::vector<ManifestRow> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split(line, '\t');
    EXPECT_EQ(f.size(), 6u) << line;
    if (f.size() != 6) continue;
    ManifestRow row{f[0], f[1] == "yes", std::stoul(f[2]), std::stoul(f[3]), {}, f[5]};
    EXPECT_TRUE(f[1] == "yes" || f[1] == "no") << line;
    if (f[4] != "-") {
      for (const std::string& code : split(f[4], ',')) row.findings.insert(code);
    }
    rows.push_back(row);
  }
  return rows;
}

// Every data/*.edi file has a manifest row and every row a file.
TEST(Samples, ManifestListsEveryFile) {
  std::set<std::string> files, listed;
  for (const Sample& s : sample_files()) files.insert(s.name);
  for (const ManifestRow& row : read_manifest()) {
    EXPECT_TRUE(listed.insert(row.file).second) << "listed twice: " << row.file;
    EXPECT_FALSE(row.description.empty()) << row.file;
  }
  EXPECT_EQ(files, listed);
  EXPECT_GE(files.size(), 30u);
}

// Validity, segment and message counts and error codes are what analyze() finds.
TEST(Samples, ManifestMatchesAnalyze) {
  for (const ManifestRow& row : read_manifest()) {
    SCOPED_TRACE(row.file);
    const Structure s = analyze(sample(row.file));
    EXPECT_EQ(s.errors == 0, row.valid);
    EXPECT_EQ(s.counts.segments, row.segments);
    EXPECT_EQ(s.counts.messages, row.messages);
    std::set<std::string> codes;
    for (const Finding& f : s.findings) {
      if (f.severity == Severity::error) codes.insert(f.code);
    }
    EXPECT_EQ(codes, row.findings);
    EXPECT_EQ(s.result, Errc::end_of_input);  // every sample reads to its last byte
  }
}

// Samples are small enough to read whole: a few hundred bytes each.
TEST(Samples, AreSmall) {
  for (const Sample& s : sample_files()) {
    EXPECT_GT(s.bytes.size(), 100u) << s.name;
    EXPECT_LT(s.bytes.size(), 1024u) << s.name;
  }
}

}  // namespace
}  // namespace edi::test
