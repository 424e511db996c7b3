// A work probe for the graders of lesson 02: how many instructions read a watched page of memory.
//
//   edi::test::ProbedMemory mem(3);                     // three pages, readable and writable
//   std::memcpy(mem.page(1) - 4, "+AB+", 4);            // lay a segment across pages 0 and 1
//   const std::size_t reads = mem.count_reads(0, 64, [&] { seg.element_count(); });
//
// count_reads() makes page `p` inaccessible, runs the function, and counts the faults: each
// instruction that touches the page faults once, is counted, and is replayed with the page
// readable (one single step), after which the page is closed again. So the count is the number
// of instructions that read the page, whatever the code does, with no seam in the code under
// test: a scan that reads the bytes once touches the page a few times (once per vector load of
// memchr, once per byte of a plain loop); a scan that starts over from the beginning for every
// part touches it once per part. The count is deterministic: the same code on the same bytes
// faults the same way on every run, on any machine, however loaded.
//
// Counting stops at `cap` (the page stays open after that), so a quadratic mistake costs the
// test `cap` faults, not millions. Linux on x86-64 only (the single step is the trap flag);
// elsewhere supported() is false and the tests that need it skip. One probe at a time, on the
// thread that calls count_reads().
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#if defined(__linux__) && defined(__x86_64__)
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#define EDI_PAGE_PROBE 1
#else
#define EDI_PAGE_PROBE 0
#endif

namespace edi::test {

class ProbedMemory {
 public:
  static constexpr bool supported() noexcept { return EDI_PAGE_PROBE != 0; }

#if EDI_PAGE_PROBE
  explicit ProbedMemory(std::size_t pages) : pages_(pages), page_size_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {
    void* p = ::mmap(nullptr, pages_ * page_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base_ = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~ProbedMemory() {
    if (base_ != nullptr) ::munmap(base_, pages_ * page_size_);
  }
  ProbedMemory(const ProbedMemory&) = delete;
  ProbedMemory& operator=(const ProbedMemory&) = delete;

  bool ok() const noexcept { return base_ != nullptr; }
  char* data() const noexcept { return base_; }
  std::size_t size() const noexcept { return pages_ * page_size_; }
  std::size_t page_size() const noexcept { return page_size_; }
  char* page(std::size_t p) const noexcept { return base_ + p * page_size_; }

  // Instructions of `fn` that read (or write) page `p`, counted up to `cap`.
  template <class Fn>
  std::size_t count_reads(std::size_t p, std::size_t cap, Fn&& fn) {
    State& s = state();
    s.page = page(p);
    s.size = page_size_;
    s.count = 0;
    s.cap = cap;
    s.stepping = false;
    s.armed = true;
    struct sigaction segv{};
    segv.sa_sigaction = &on_fault;
    segv.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&segv.sa_mask);
    struct sigaction trap = segv;
    trap.sa_sigaction = &on_step;
    ::sigaction(SIGSEGV, &segv, &s.old_segv);
    ::sigaction(SIGTRAP, &trap, &s.old_trap);
    // Undone however `fn` ends: a stub throws edi::NotImplemented from inside it.
    struct Disarm {
      State& s;
      ~Disarm() {
        s.armed = false;
        ::mprotect(s.page, s.size, PROT_READ | PROT_WRITE);
        ::sigaction(SIGSEGV, &s.old_segv, nullptr);
        ::sigaction(SIGTRAP, &s.old_trap, nullptr);
      }
    } disarm{s};
    ::mprotect(s.page, s.size, PROT_NONE);
    std::forward<Fn>(fn)();
    return s.count;
  }

 private:
  struct State {
    char* page = nullptr;
    std::size_t size = 0;
    std::size_t count = 0;
    std::size_t cap = 0;
    bool armed = false;
    bool stepping = false;
    struct sigaction old_segv{};
    struct sigaction old_trap{};
  };
  static State& state() noexcept {
    static State s;
    return s;
  }

  static constexpr unsigned long long kTrapFlag = 0x100;  // EFLAGS.TF: trap after one instruction

  static void on_fault(int sig, siginfo_t* info, void* context) {
    State& s = state();
    const auto at = reinterpret_cast<std::uintptr_t>(info->si_addr);
    const auto begin = reinterpret_cast<std::uintptr_t>(s.page);
    if (!s.armed || at < begin || at >= begin + s.size) {
      // Not ours: a real fault. Let the previous handler (or the default action) have it.
      ::sigaction(sig, &s.old_segv, nullptr);
      return;  // the instruction runs again and faults again, now with the previous handler
    }
    ++s.count;
    ::mprotect(s.page, s.size, PROT_READ | PROT_WRITE);
    if (s.count >= s.cap) {
      s.armed = false;  // enough: leave the page open
      return;
    }
    // Replay the instruction with the page open, then trap to close it again.
    auto* uc = static_cast<ucontext_t*>(context);
    uc->uc_mcontext.gregs[REG_EFL] |= static_cast<greg_t>(kTrapFlag);
    s.stepping = true;
  }

  static void on_step(int sig, siginfo_t*, void* context) {
    State& s = state();
    if (!s.stepping) {
      ::sigaction(sig, &s.old_trap, nullptr);
      ::raise(sig);
      return;
    }
    s.stepping = false;
    auto* uc = static_cast<ucontext_t*>(context);
    uc->uc_mcontext.gregs[REG_EFL] &= ~static_cast<greg_t>(kTrapFlag);
    if (s.armed) ::mprotect(s.page, s.size, PROT_NONE);
  }

  std::size_t pages_;
  std::size_t page_size_;
  char* base_ = nullptr;
#else
  explicit ProbedMemory(std::size_t) {}
  bool ok() const noexcept { return false; }
  char* data() const noexcept { return nullptr; }
  std::size_t size() const noexcept { return 0; }
  std::size_t page_size() const noexcept { return 4096; }
  char* page(std::size_t) const noexcept { return nullptr; }
  template <class Fn>
  std::size_t count_reads(std::size_t, std::size_t, Fn&&) {
    return 0;
  }
#endif
};

}  // namespace edi::test
