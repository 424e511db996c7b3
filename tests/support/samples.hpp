// Test inputs: the course's sample files in data/ and generated interchanges.
//
//   for (const auto& sample : edi::test::sample_files()) { ... sample.name, sample.bytes ... }
//   std::string big = edi::test::generated({.seed = 3, .messages = 200, .syntax = 4});
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "edi/generator.hpp"

namespace edi::test {

struct Sample {
  std::string name;   // file name, e.g. "release_chars.edi"
  std::string bytes;  // the whole file
};

// The directory of the course's sample files (data/ in the source tree).
std::filesystem::path data_dir();
// Every data/*.edi file, sorted by name. Never empty: a missing data/ fails the caller's test.
std::vector<Sample> sample_files();
// One sample file by name; throws std::runtime_error when it does not exist.
std::string sample(const std::string& name);
// Reads any file whole; throws std::runtime_error.
std::string read_file(const std::filesystem::path& path);
// A generated interchange (see edi::GeneratorOptions).
std::string generated(const GeneratorOptions& options);

}  // namespace edi::test
