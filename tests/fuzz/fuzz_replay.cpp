// Runs inputs through the fuzz target without libFuzzer: every file of the directories (or files)
// named on the command line, or the course's samples in data/ when none is named. Any build runs
// it, so the target compiles and its properties hold on the samples even where clang's libFuzzer
// is not used; after a fuzzing run it replays a crash file.
//
//   fuzz_replay                       the samples in data/
//   fuzz_replay corpus/ crash-1234    every file of corpus/, then crash-1234
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<fs::path> roots;
  for (int i = 1; i < argc; ++i) roots.emplace_back(argv[i]);
  if (roots.empty()) roots.emplace_back(EDI_DATA_DIR);

  std::vector<fs::path> files;
  for (const fs::path& root : roots) {
    if (fs::is_directory(root)) {
      for (const auto& entry : fs::directory_iterator(root)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (fs::is_regular_file(root)) {
      files.push_back(root);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s: no such file or directory\n", root.c_str());
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "fuzz_replay: no inputs\n");
    return 2;
  }
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    // Every prefix too: truncated transfers are the commonest damage.
    for (std::size_t n = 0; n < bytes.size(); n += 1 + bytes.size() / 64) {
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), n);
    }
  }
  std::printf("fuzz_replay: %zu inputs passed\n", files.size());
  return 0;
}
