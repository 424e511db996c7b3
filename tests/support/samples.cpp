#include "samples.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace edi::test {

std::filesystem::path data_dir() { return EDI_DATA_DIR; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<Sample> sample_files() {
  std::vector<Sample> out;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir())) {
    if (entry.path().extension() == ".edi") out.push_back(Sample{entry.path().filename().string(), read_file(entry.path())});
  }
  std::sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) { return a.name < b.name; });
  return out;
}

std::string sample(const std::string& name) { return read_file(data_dir() / name); }

std::string generated(const GeneratorOptions& options) { return edi::generate(options); }

}  // namespace edi::test
