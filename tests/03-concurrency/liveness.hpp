// Test helpers of lesson 03: deterministic concurrency tests that can fail but never hang.
//
// Nothing here measures time. A bound (kLivenessBound) only turns "never happens" (a deadlock,
// a lost wake-up, a thread that never ends) into a test failure instead of a hung suite; a
// correct implementation meets every condition in microseconds, however loaded the machine.
//
//   auto result = finishes_in_time([processor] { return processor->process(messages); });
//   ASSERT_TRUE(result) << "deadlock";          // std::nullopt: still running after the bound
//
//   Gate gate;                                  // jobs wait on it until the test opens it
//   Tally started;                              // jobs count themselves in
//   ASSERT_TRUE(started.wait_for_at_least(2));  // both workers are inside a job
//
//   auto waiters = std::make_shared<Waiters<bool>>();   // threads blocked in one call each
//   start_waiters(waiters, 2, [queue] { return queue->push(1); });
//   ASSERT_TRUE(waiters->started.wait_for_at_least(2));
//   ASSERT_TRUE(all_asleep(waiters->thread_ids()));     // both asleep: now act (pop, close...)
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

namespace edi::concurrency::test {

// How long a condition may take before it counts as "never": far above what a correct run needs
// (the largest, 100,000 jobs, takes about a second at -O2), below the per-test timeout of CTest
// (20 s; 120 s under ASan and 180 s under TSan, which slow everything down 5-20 times).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define EDI_LIVENESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define EDI_LIVENESS_SANITIZED 1
#endif
#endif
#ifdef EDI_LIVENESS_SANITIZED
inline constexpr std::chrono::seconds kLivenessBound{90};
#else
inline constexpr std::chrono::seconds kLivenessBound{8};
#endif

// Runs `fn` on a thread of its own and returns its result, or std::nullopt when it has not
// finished within kLivenessBound. An exception from `fn` (a stub's NotImplemented) is rethrown
// here. On a timeout the thread is detached and left running: `fn` must own what it uses (capture
// std::shared_ptr, not references to the test's locals), so the suite can go on safely.
// The work is type-erased (std::function) before it meets std::packaged_task and std::thread: their
// machinery is then compiled once per result type, not once per lambda of the graders.
template <class R>
std::optional<R> finishes_in_time_erased(std::function<R()> fn) {
  static_assert(!std::is_void_v<R>, "return a value from the function (true will do)");
  auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
  std::future<R> done = task->get_future();
  std::thread runner([task] { (*task)(); });
  if (done.wait_for(kLivenessBound) != std::future_status::ready) {
    runner.detach();  // deliberately leaked: it is stuck, and joining it would hang the suite
    return std::nullopt;
  }
  runner.join();
  return done.get();
}

template <class F>
auto finishes_in_time(F fn) -> std::optional<std::invoke_result_t<F&>> {
  return finishes_in_time_erased<std::invoke_result_t<F&>>(std::move(fn));
}

// Waits until `condition()` holds, polling (with yields) for at most kLivenessBound.
template <class Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + kLivenessBound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A door that jobs wait at until the test opens it. Thread-safe.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  // True once open; false when still closed after kLivenessBound.
  bool wait() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kLivenessBound, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;  // guarded by mutex_
};

// A counter that can be waited on. Thread-safe.
class Tally {
 public:
  // Adds one; returns the count before.
  std::size_t add() {
    std::size_t before = 0;
    {
      std::lock_guard lock(mutex_);
      before = count_++;
    }
    changed_.notify_all();
    return before;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  // True once the count is at least n; false when it is not after kLivenessBound.
  bool wait_for_at_least(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kLivenessBound, [&] { return count_ >= n; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t count_ = 0;  // guarded by mutex_
};

// The threads of this process right now: the entries of /proc/self/task (Linux).
inline std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// The thread count to compare with later. Starting one thread first makes the runtime start the
// helper threads it starts with the first thread (ThreadSanitizer has one), so they are already
// counted; and a joined thread leaves /proc/self/task a moment after join() returns, so this
// waits until that one is gone.
inline std::size_t settled_thread_count() {
  std::atomic<long> tid{0};
  std::thread([&tid] { tid = static_cast<long>(::syscall(SYS_gettid)); }).join();
  const std::filesystem::path task = "/proc/self/task/" + std::to_string(tid.load());
  eventually([&] { return !std::filesystem::exists(task); });
  return thread_count();
}

// The scheduling state of a thread of this process ('R' running, 'S' sleeping...), from
// /proc/self/task/<tid>/stat.
inline char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ? '?' : line[paren + 2];
}

// Waits until the threads `tids` are all asleep (blocked in the call under test, as far as the
// test can tell), so that what the test does next happens while they wait.
inline bool all_asleep(const std::vector<pid_t>& tids) {
  return eventually([&] {
    return std::all_of(tids.begin(), tids.end(), [](pid_t tid) { return thread_state(tid) == 'S'; });
  });
}

inline pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

// Threads blocked in one call each, and what their calls returned. The threads are detached and
// share ownership of this record, so a thread that never returns (a lost wake-up) fails the test
// without hanging it, and touches nothing that was destroyed.
template <class Result>
struct Waiters {
  std::mutex mutex;
  std::vector<pid_t> tids;      // guarded by mutex
  std::vector<Result> results;  // guarded by mutex
  Tally started;
  Tally finished;

  std::vector<pid_t> thread_ids() {
    std::lock_guard lock(mutex);
    return tids;
  }
  std::vector<Result> returned() {
    std::lock_guard lock(mutex);
    return results;
  }
};

// Starts `n` threads that each run `call()` once (`call` must own what it uses). Type-erased like
// finishes_in_time: one std::thread instantiation per result type.
template <class Result>
void start_waiters_erased(const std::shared_ptr<Waiters<Result>>& waiters, std::size_t n,
                          const std::function<Result()>& call) {
  for (std::size_t i = 0; i < n; ++i) {
    std::thread([waiters, call] {
      {
        std::lock_guard lock(waiters->mutex);
        waiters->tids.push_back(current_tid());
      }
      waiters->started.add();
      Result r = call();
      {
        std::lock_guard lock(waiters->mutex);
        waiters->results.push_back(r);
      }
      waiters->finished.add();
    }).detach();
  }
}

template <class Result, class Call>
void start_waiters(const std::shared_ptr<Waiters<Result>>& waiters, std::size_t n, Call call) {
  start_waiters_erased<Result>(waiters, n, std::function<Result()>(std::move(call)));
}

}  // namespace edi::concurrency::test
