// main() of every grader. Besides running the tests, it records what happened to each test in a
// small JSON file when EDI_GRADE_RESULTS names a directory (make check sets it):
//
//   $EDI_GRADE_RESULTS/<program>/<Suite.Test>.json
//   {"status":"not_implemented","what":"SegmentPool::acquire","message":"...","file":"...","line":12}
//
// status is started (written first: a crash or a timeout leaves it), passed, failed, skipped or
// not_implemented (the first failure is an edi::NotImplemented thrown by a stub). The grading
// script combines these files with CTest's verdict on each process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

constexpr std::string_view kNotImplemented = "not implemented yet: ";

std::string json_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

class ResultWriter : public testing::EmptyTestEventListener {
 public:
  explicit ResultWriter(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
  }

  void OnTestStart(const testing::TestInfo& info) override {
    failure_.clear();
    file_.clear();
    line_ = 0;
    what_.clear();
    write(info, "started");
  }

  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed() || !failure_.empty()) return;
    failure_ = result.message();
    file_ = result.file_name() != nullptr ? result.file_name() : "";
    line_ = result.line_number();
    if (const auto at = failure_.find(kNotImplemented); at != std::string::npos) {
      // "... description "not implemented yet: SegmentPool::acquire" thrown in the test body."
      std::string rest = failure_.substr(at + kNotImplemented.size());
      what_ = rest.substr(0, rest.find_first_of("\"\n"));
    }
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const testing::TestResult& r = *info.result();
    const char* status = r.Skipped() ? "skipped" : r.Passed() ? "passed" : !what_.empty() ? "not_implemented" : "failed";
    write(info, status);
  }

 private:
  void write(const testing::TestInfo& info, const char* status) {
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    std::ofstream out(dir_ / (name + ".json"), std::ios::trunc);
    std::string message = failure_.size() > 1500 ? failure_.substr(0, 1500) + "..." : failure_;
    out << "{\"status\":\"" << status << "\",\"what\":\"" << json_escape(what_) << "\",\"message\":\""
        << json_escape(message) << "\",\"file\":\"" << json_escape(file_) << "\",\"line\":" << line_ << "}\n";
  }

  std::filesystem::path dir_;
  std::string failure_;
  std::string file_;
  int line_ = 0;
  std::string what_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleMock(&argc, argv);
  if (const char* dir = std::getenv("EDI_GRADE_RESULTS"); dir != nullptr && *dir != '\0') {
    const std::string program = std::filesystem::path(argv[0]).filename().string();
    testing::UnitTest::GetInstance()->listeners().Append(new ResultWriter(std::filesystem::path(dir) / program));
  }
  return RUN_ALL_TESTS();
}
