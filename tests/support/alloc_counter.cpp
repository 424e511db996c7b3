// Replaces the global allocation functions with counting ones that call malloc/free, and that
// fail on request (limit_thread_allocations).
#include "alloc_counter.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <cstdlib>
#include <new>

namespace {

// Counting must not distort what benchmarks measure, so an allocation costs no locked
// instruction: each thread owns a slot and is its only writer (a relaxed load and store, which
// compile to plain moves), and the global totals are the sum over the slots. Slots are never
// reused, so a thread's counts survive it; threads beyond kSlots share one overflow slot, which
// they update with atomic read-modify-writes.
struct Slot {
  alignas(64) std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> deallocations{0};
  std::atomic<std::uint64_t> bytes{0};
};
constexpr std::size_t kSlots = 1024;
Slot g_slots[kSlots + 1];  // the last one is the shared overflow slot
std::atomic<std::size_t> g_slots_used{0};

Slot& my_slot() noexcept {
  thread_local Slot* slot = [] {
    const std::size_t i = g_slots_used.fetch_add(1, std::memory_order_relaxed);
    return i < kSlots ? &g_slots[i] : &g_slots[kSlots];
  }();
  return *slot;
}

void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by, bool shared) noexcept {
  if (shared) {
    counter.fetch_add(by, std::memory_order_relaxed);
  } else {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
}

void count_allocation(std::size_t size) noexcept {
  Slot& slot = my_slot();
  const bool shared = &slot == &g_slots[kSlots];
  bump(slot.allocations, 1, shared);
  bump(slot.bytes, size, shared);
}

void count_deallocation() noexcept {
  Slot& slot = my_slot();
  bump(slot.deallocations, 1, &slot == &g_slots[kSlots]);
}

// The allocation failure armed on this thread: how many more allocations it may make before they
// fail (negative: none armed), whether only the first refused one fails (fail_allocation) or every
// later one (limit_thread_allocations), and how many were refused. Plain thread-local data, only
// its own thread reads or writes it; constant-initialized, so reading it costs no guard.
thread_local std::int64_t t_allowed = -1;
thread_local bool t_once = false;
thread_local std::uint64_t t_refused = 0;

// True when this allocation must fail (and counts it refused), false when it may go ahead.
bool refuse() noexcept {
  if (t_allowed < 0) return false;
  if (t_allowed > 0) {
    --t_allowed;
    return false;
  }
  ++t_refused;
  if (t_once) {  // the armed failure has happened: disarm
    t_allowed = -1;
    t_once = false;
  }
  return true;
}

edi::test::AllocationTotals read(const Slot& slot) noexcept {
  return {slot.allocations.load(std::memory_order_relaxed), slot.deallocations.load(std::memory_order_relaxed),
          slot.bytes.load(std::memory_order_relaxed)};
}

void* allocate(std::size_t size) noexcept {
  if (refuse()) return nullptr;
  count_allocation(size);
  return std::malloc(size == 0 ? 1 : size);
}

void* allocate_aligned(std::size_t size, std::align_val_t align) noexcept {
  if (refuse()) return nullptr;
  count_allocation(size);
  const auto a = static_cast<std::size_t>(align);
  const std::size_t rounded = (size + a - 1) / a * a;  // aligned_alloc wants a multiple
  return std::aligned_alloc(a, rounded == 0 ? a : rounded);
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  count_deallocation();
  std::free(p);
}

}  // namespace

namespace edi::test {

// A thread in the overflow slot sees the shared slot's counts: still exact for code that runs
// alone, which is how the graders use thread counts.
AllocationTotals thread_allocations() noexcept { return read(my_slot()); }

void limit_thread_allocations(std::int64_t allowed) noexcept {
  t_allowed = allowed < 0 ? -1 : allowed;
  t_once = false;
}

std::uint64_t thread_refused_allocations() noexcept { return t_refused; }

AllocationTotals global_allocations() noexcept {
  AllocationTotals sum;
  const std::size_t used = std::min(g_slots_used.load(std::memory_order_relaxed), kSlots);
  for (std::size_t i = 0; i < used; ++i) {
    const AllocationTotals t = read(g_slots[i]);
    sum.allocations += t.allocations;
    sum.deallocations += t.deallocations;
    sum.bytes += t.bytes;
  }
  const AllocationTotals overflow = read(g_slots[kSlots]);
  sum.allocations += overflow.allocations;
  sum.deallocations += overflow.deallocations;
  sum.bytes += overflow.bytes;
  return sum;
}

void fail_allocation(std::uint64_t skip) noexcept {
  t_allowed = static_cast<std::int64_t>(std::min<std::uint64_t>(skip, std::numeric_limits<std::int64_t>::max()));
  t_once = true;
}
bool allocation_failure_pending() noexcept { return t_once && t_allowed >= 0; }
void cancel_allocation_failure() noexcept {
  if (t_once) {
    t_allowed = -1;
    t_once = false;
  }
}

}  // namespace edi::test

void* operator new(std::size_t size) {
  void* p = allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t size) {
  void* p = allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  void* p = allocate_aligned(size, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t size, std::align_val_t align) {
  void* p = allocate_aligned(size, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return allocate_aligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return allocate_aligned(size, align);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
