// main() of every grader. Besides running the tests, it reports what happened to each test to the
// grading script (tools/grade), which is the only judge of a grade:
//
//   EDI_GRADE_RECORD_FD=N   a file descriptor the grading script opened for this process
//   standard input          one line: a secret token the grading script made for this run
//
// When EDI_GRADE_RECORD_FD is set, main() reads the token before any test runs and writes one JSON
// line per event to the descriptor:
//
//   {"token":"...","test":"Suite.Test","status":"started"}
//   {"token":"...","test":"Suite.Test","status":"not_implemented","what":"SegmentPool::acquire",
//    "message":"...","file":"...","line":12}
//
// status is started, then passed, failed, skipped or not_implemented (the first failure is an
// edi::NotImplemented thrown by a stub). A test counts as passed only when its "passed" line carries
// the token and its process exited normally with status 0: a process that ends inside a test
// (exit, _exit, abort, a signal) leaves only "started", which earns nothing. The token keeps code
// in the process from forging a record in the ordinary ways (printing, writing files, reading the
// environment); docs/grading.md describes what it does not prevent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kNotImplemented = "not implemented yet: ";

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

// Writes the whole buffer to `fd`, retrying short writes; records are small (under 4 KiB).
void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return;  // the grading script reads what arrived; a missing line is a failure
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

class RecordWriter : public testing::EmptyTestEventListener {
 public:
  RecordWriter(int fd, std::string token) : fd_(fd), token_(std::move(token)) {}

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
      const std::string rest = failure_.substr(at + kNotImplemented.size());
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
    // Truncated in place: g++ 12 at -O2 warns (-Warray-bounds, a false positive) on substr() + "...".
    std::string message = failure_;
    if (message.size() > 1500) message.replace(1500, std::string::npos, "...");
    std::string line = "{\"token\":\"" + json_escape(token_) + "\",\"test\":\"" + json_escape(name) +
                       "\",\"status\":\"" + status + "\",\"what\":\"" + json_escape(what_) + "\",\"message\":\"" +
                       json_escape(message) + "\",\"file\":\"" + json_escape(file_) +
                       "\",\"line\":" + std::to_string(line_) + "}\n";
    write_all(fd_, line);
  }

  int fd_;
  std::string token_;
  std::string failure_;
  std::string file_;
  int line_ = 0;
  std::string what_;
};

// The record descriptor, or -1 when this process should not write records: not graded, or a
// death test's child (which must not speak for the test its parent runs).
int record_fd(int argc, char** argv) {
  const char* text = std::getenv("EDI_GRADE_RECORD_FD");
  if (text == nullptr || *text == '\0') return -1;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with("--gtest_internal_run_death_test")) return -1;
  }
  int fd = -1;
  const std::string_view s(text);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), fd);
  return ec == std::errc() && end == s.data() + s.size() && fd > 2 ? fd : -1;
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleMock(&argc, argv);
  if (const int fd = record_fd(argc, argv); fd >= 0) {
    std::string token;
    std::getline(std::cin, token);
    if (token.size() < 16) {
      std::cerr << "grader: no grading token on standard input; not recording\n";
    } else {
      testing::UnitTest::GetInstance()->listeners().Append(new RecordWriter(fd, std::move(token)));
    }
  }
  return RUN_ALL_TESTS();
}
