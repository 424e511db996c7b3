// The floor of `make compare-peers`: read(2) the file in 256 KiB chunks and count segment
// terminators with memchr. Not a parser (it ignores the UNA and the release character); nothing
// that reads every byte can be much faster.
//
//   edi_floor FILE   ->  {"bytes":...,"terminators":...,"seconds":...}
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: edi_floor FILE\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::perror(argv[1]);
    return 2;
  }
  std::vector<char> buffer(256 * 1024);
  std::size_t bytes = 0;
  std::size_t terminators = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      std::perror("read");
      return 2;
    }
    if (n == 0) break;
    bytes += static_cast<std::size_t>(n);
    const char* p = buffer.data();
    const char* end = p + n;
    while ((p = static_cast<const char*>(std::memchr(p, '\'', static_cast<std::size_t>(end - p)))) != nullptr) {
      ++terminators;
      ++p;
    }
  }
  ::close(fd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"bytes\":%zu,\"terminators\":%zu,\"seconds\":%.6f}\n", bytes, terminators, seconds);
  return 0;
}
