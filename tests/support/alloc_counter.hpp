// Counting heap allocations, deterministically: the workbook grades "allocates nothing per
// segment" with these counts instead of timing anything.
//
//   edi::test::AllocationCounter counter;       // starts counting this thread's allocations
//   parse_into_pooled_segments(...);
//   EXPECT_EQ(counter.allocations(), 0u);
//
// The global operator new and delete (every form: plain, array, nothrow, sized, aligned) are
// replaced in alloc_counter.cpp, which any test binary linking `edi::test_support` gets.
// Counts are per thread (what the code under test on this thread allocated) and global (all
// threads). GoogleTest macros allocate: snapshot around the code under test only.
//
// They can also make one allocation fail, to test what code does when memory runs out half-way:
//
//   edi::test::fail_allocation(2);              // this thread's third allocation from now fails
//   EXPECT_THROW(code_under_test(), std::bad_alloc);
//   EXPECT_FALSE(edi::test::allocation_failure_pending());  // it did fail (else cancel it)
#pragma once

#include <cstdint>

namespace edi::test {

struct AllocationTotals {
  std::uint64_t allocations = 0;
  std::uint64_t deallocations = 0;
  std::uint64_t bytes = 0;  // requested bytes, summed over allocations
};

// Totals since the program started: of the calling thread, and of all threads.
AllocationTotals thread_allocations() noexcept;
AllocationTotals global_allocations() noexcept;

// Counts from construction on. Thread-compatible; `global` selects all threads.
class AllocationCounter {
 public:
  explicit AllocationCounter(bool global = false) noexcept
      : global_(global), start_(global ? global_allocations() : thread_allocations()) {}

  std::uint64_t allocations() const noexcept { return now().allocations - start_.allocations; }
  std::uint64_t deallocations() const noexcept { return now().deallocations - start_.deallocations; }
  std::uint64_t bytes() const noexcept { return now().bytes - start_.bytes; }
  void restart() noexcept { start_ = now(); }

 private:
  AllocationTotals now() const noexcept { return global_ ? global_allocations() : thread_allocations(); }
  bool global_;
  AllocationTotals start_;
};

// Allocation failures, for exception-safety graders. Both act on the calling thread only and
// share one setting: arming one replaces the other.
// Arms a failure on the calling thread: its allocation `skip` allocations from now (0: the next
// one) fails, once. The throwing forms of operator new then throw std::bad_alloc, the nothrow
// forms return nullptr. Other threads are not affected. Arming again replaces the armed failure.
void fail_allocation(std::uint64_t skip = 0) noexcept;
// True while the failure armed on this thread has not happened yet.
bool allocation_failure_pending() noexcept;
// Disarms the failure armed on this thread, if it has not happened.
void cancel_allocation_failure() noexcept;

// From now on, the first `allowed` allocations of the calling thread succeed and every later
// one fails; a negative `allowed` lifts the limit (the default).
void limit_thread_allocations(std::int64_t allowed) noexcept;
// Allocations refused on the calling thread since the program started.
std::uint64_t thread_refused_allocations() noexcept;

// limit_thread_allocations(allowed) for a scope; the limit is lifted when it ends. Do not nest.
class FailAllocations {
 public:
  explicit FailAllocations(std::int64_t allowed = 0) noexcept : start_(thread_refused_allocations()) {
    limit_thread_allocations(allowed);
  }
  ~FailAllocations() { limit_thread_allocations(-1); }
  FailAllocations(const FailAllocations&) = delete;
  FailAllocations& operator=(const FailAllocations&) = delete;
  // Allocations refused on this thread in this scope so far.
  std::uint64_t refused() const noexcept { return thread_refused_allocations() - start_; }

 private:
  std::uint64_t start_;
};

// Allocations `f()` makes on this thread.
template <class F>
std::uint64_t count_allocations(F&& f) {
  AllocationCounter counter;
  f();
  return counter.allocations();
}

}  // namespace edi::test
