#include "subjects.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include <time.h>

#include "edi/generator.hpp"
#include "edi/tokenizer.hpp"

namespace edi::bench05 {
namespace {

// --- the counters behind probe() ---------------------------------------------------------------

struct Counters {
  std::atomic<std::uint64_t> workloads_built{0};
  std::array<std::atomic<std::uint64_t>, kKinds> processors_built{};
  std::array<std::atomic<std::uint64_t>, kKinds> passes{};
  std::array<std::atomic<std::uint64_t>, ConcurrentProcessor::kMaxWorkers + 1> concurrent_built_with{};
  std::atomic<std::uint64_t> results_made{0};
  std::atomic<std::uint64_t> results_consumed{0};
  std::atomic<std::uint64_t> results_dropped{0};
  std::array<std::atomic<std::uint64_t>, kKinds> last_retired_passes{};
  std::array<std::atomic<std::uint64_t>, kKinds> last_retired_wall_ns{};
  std::array<std::atomic<std::uint64_t>, kKinds> last_retired_cpu_ns{};
  std::atomic<std::uint64_t> last_pass_bytes{0};
  std::atomic<std::uint64_t> last_pass_messages{0};
};

Counters& counters() noexcept {
  static Counters c;
  return c;
}

void bump(std::atomic<std::uint64_t>& counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }

void record_pass(Kind kind, const Workload& workload) noexcept {
  Counters& c = counters();
  bump(c.passes[index(kind)]);
  bump(c.results_made);
  c.last_pass_bytes.store(workload.bytes(), std::memory_order_relaxed);
  c.last_pass_messages.store(workload.message_count(), std::memory_order_relaxed);
}

void record_retired(Kind kind, std::uint64_t passes, const PassTime& time) noexcept {
  Counters& c = counters();
  c.last_retired_passes[index(kind)].store(passes, std::memory_order_relaxed);
  c.last_retired_wall_ns[index(kind)].store(time.wall_ns, std::memory_order_relaxed);
  c.last_retired_cpu_ns[index(kind)].store(time.cpu_ns, std::memory_order_relaxed);
}

std::uint64_t now_ns(clockid_t clock) noexcept {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Adds the time from its construction to its destruction to `total`: the whole of a process()
// call, on the clocks Google Benchmark times with (CLOCK_MONOTONIC, as std::chrono::steady_clock,
// and the calling thread's CPU clock).
class PassClock {
 public:
  explicit PassClock(PassTime& total) noexcept
      : total_(total), wall_(now_ns(CLOCK_MONOTONIC)), cpu_(now_ns(CLOCK_THREAD_CPUTIME_ID)) {}
  ~PassClock() {
    total_.cpu_ns += now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_;
    total_.wall_ns += now_ns(CLOCK_MONOTONIC) - wall_;
  }
  PassClock(const PassClock&) = delete;
  PassClock& operator=(const PassClock&) = delete;

 private:
  PassTime& total_;
  std::uint64_t wall_;
  std::uint64_t cpu_;
};

// --- one message: parse, validate, add up ------------------------------------------------------

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) noexcept {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

std::uint64_t mix(std::uint64_t hash, std::uint64_t separator) noexcept { return (hash ^ separator) * kFnvPrime; }

bool is_number(std::string_view text, char decimal) noexcept {
  Amount ignored;
  return parse_amount(text, decimal, ignored);
}

// True when `text` is exactly the decimal number `expected`.
bool equals_count(std::string_view text, std::size_t expected) noexcept {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size() && value == expected;
}

// The totals of one parsed message: the checks, the invoice amounts and the checksum.
Totals summarize(std::span<const Segment> segments, const MessageInfo& info) {
  Totals t;
  t.messages = 1;
  t.segments = segments.size();
  const bool invoice = info.type == "INVOIC";
  bool valid = segments.size() >= 2 && segments.front().tag() == "UNH" && segments.back().tag() == "UNT";
  bool has_bgm = false;
  std::uint64_t hash = kFnvOffset;
  for (const Segment& seg : segments) {
    const std::string_view tag = seg.tag();
    hash = fnv1a(hash, tag);
    for (std::size_t e = 0; e < seg.element_count(); ++e) {
      hash = mix(hash, '+');
      for (std::size_t r = 0; r < seg.repetition_count(e); ++r) {
        for (std::size_t c = 0; c < seg.component_count(e, r); ++c) {
          hash = fnv1a(mix(hash, ':'), seg.component(e, c, r));
        }
      }
    }
    hash = mix(hash, '\'');
    if (tag == "BGM") {
      has_bgm = true;
    } else if (tag == "MOA" || tag == "QTY" || tag == "PRI") {
      valid = valid && is_number(seg.component(0, 1), info.chars.decimal);
      Amount amount;
      if (invoice && tag == "MOA" && seg.component(0, 0) == "77" &&
          parse_amount(seg.component(0, 1), info.chars.decimal, amount)) {
        t.invoice_total += amount;
      }
    }
  }
  if (valid) {
    const Segment& unt = segments.back();
    valid = has_bgm && equals_count(unt.component(0, 0), segments.size()) &&
            unt.component(1, 0) == segments.front().component(0, 0);
  }
  t.invalid_messages = valid ? 0 : 1;
  t.checksum = hash;
  return t;
}

// Tokenizes message `info` of `text` and hands every raw segment to `on_segment`.
template <class OnSegment>
void for_each_segment(std::string_view text, const MessageInfo& info, OnSegment&& on_segment) {
  TokenizerState state;
  state.chars = info.chars;  // the separators in force where the message starts
  state.una_seen = true;     // a message range holds no UNA or UNB that could change them
  state.at_start = false;    // and no byte order mark or leading junk
  Tokenizer tok(text.substr(info.begin, info.end - info.begin), state, info.begin);
  RawSegment raw;
  while (tok.next(raw) == Errc::ok) on_segment(raw);
}

// The straightforward way: a new vector of new segments for every message.
Totals process_message_fresh(std::string_view text, const MessageInfo& info) {
  std::vector<Segment> segments;
  for_each_segment(text, info, [&](const RawSegment& raw) {
    Segment seg;
    parse_segment(raw, seg);
    segments.push_back(std::move(seg));
  });
  return summarize(segments, info);
}

}  // namespace

// --- Workload ----------------------------------------------------------------------------------

Workload::Workload(std::string text, std::vector<MessageInfo> messages)
    : text_(std::move(text)), messages_(std::move(messages)) {}

std::size_t workload_bytes() {
  if (const char* env = std::getenv("EDI_BENCH_BYTES"); env != nullptr) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && value > 0) return static_cast<std::size_t>(value);
  }
  return kDefaultWorkloadBytes;
}

Workload make_workload_from(std::string text) {
  bump(counters().workloads_built);
  std::vector<MessageInfo> messages = split_messages(text);
  return Workload(std::move(text), std::move(messages));
}

Workload make_workload(std::size_t bytes) {
  GeneratorOptions options;
  options.seed = 5;
  options.target_bytes = bytes;
  return make_workload_from(generate(options));
}

Workload make_workload() { return make_workload(workload_bytes()); }

// --- Totals and Result -------------------------------------------------------------------------

Totals& Totals::operator+=(const Totals& other) noexcept {
  messages += other.messages;
  segments += other.segments;
  invalid_messages += other.invalid_messages;
  invoice_total += other.invoice_total;
  checksum += other.checksum;
  return *this;
}

Result::Result(const Totals& totals) noexcept : totals_(totals) {}

Result::Result(Result&& other) noexcept : totals_(other.totals_), consumed_(other.consumed_), live_(other.live_) {
  other.live_ = false;
}

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    settle();
    totals_ = other.totals_;
    consumed_ = other.consumed_;
    live_ = other.live_;
    other.live_ = false;
  }
  return *this;
}

Result::~Result() { settle(); }

void Result::settle() noexcept {
  if (live_ && !consumed_) bump(counters().results_dropped);
  live_ = false;
}

const Totals& Result::totals() const noexcept {
  if (!consumed_) {
    consumed_ = true;
    bump(counters().results_consumed);
  }
  return totals_;
}

// --- SequentialProcessor -----------------------------------------------------------------------

SequentialProcessor::SequentialProcessor() { bump(counters().processors_built[index(Kind::sequential)]); }

SequentialProcessor::~SequentialProcessor() { record_retired(Kind::sequential, passes_, time_); }

Result SequentialProcessor::process(const Workload& workload) {
  const PassClock clock(time_);
  Totals totals;
  for (const MessageInfo& info : workload.messages()) totals += process_message_fresh(workload.text(), info);
  ++passes_;
  record_pass(Kind::sequential, workload);
  return Result(totals);
}

// --- ConcurrentProcessor -----------------------------------------------------------------------

namespace {
// Messages a worker claims at a time: enough to make the shared counter cheap, few enough to
// keep the workers evenly loaded at the end of a pass.
constexpr std::size_t kChunk = 8;
}  // namespace

ConcurrentProcessor::ConcurrentProcessor(std::size_t workers) : worker_count_(workers) {
  if (workers < 1 || workers > kMaxWorkers) {
    throw std::invalid_argument("ConcurrentProcessor: workers must be 1.." + std::to_string(kMaxWorkers) +
                                ", not " + std::to_string(workers));
  }
  bump(counters().processors_built[index(Kind::concurrent)]);
  bump(counters().concurrent_built_with[workers]);
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

ConcurrentProcessor::~ConcurrentProcessor() {
  // Each jthread requests its stop (which wakes its wait on batch_ready_) and is joined.
  threads_.clear();
  record_retired(Kind::concurrent, passes_, time_);
}

void ConcurrentProcessor::work(std::stop_token stop) {
  std::uint64_t seen = 0;
  for (;;) {
    const Workload* batch = nullptr;
    {
      std::unique_lock lock(mutex_);
      if (!batch_ready_.wait(lock, stop, [&] { return generation_ != seen; })) return;  // stopped
      seen = generation_;
      batch = batch_;
    }
    Totals local;
    const std::span<const MessageInfo> messages = batch->messages();
    for (;;) {
      const std::size_t begin = next_message_.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= messages.size()) break;
      const std::size_t end = std::min(begin + kChunk, messages.size());
      for (std::size_t i = begin; i < end; ++i) local += process_message_fresh(batch->text(), messages[i]);
    }
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      merged_ += local;
      last = ++finished_ == worker_count_;
    }
    if (last) batch_done_.notify_one();
  }
}

Result ConcurrentProcessor::process(const Workload& workload) {
  const PassClock clock(time_);
  {
    std::lock_guard lock(mutex_);
    batch_ = &workload;
    finished_ = 0;
    merged_ = Totals{};
    next_message_.store(0, std::memory_order_relaxed);  // published to the workers by the mutex
    ++generation_;
  }
  batch_ready_.notify_all();
  Totals totals;
  {
    std::unique_lock lock(mutex_);
    batch_done_.wait(lock, [&] { return finished_ == worker_count_; });
    totals = merged_;
    batch_ = nullptr;
  }
  ++passes_;
  record_pass(Kind::concurrent, workload);
  return Result(totals);
}

// --- MessageBufferPool and PooledProcessor -----------------------------------------------------

std::unique_ptr<MessageBufferPool::Buffer> MessageBufferPool::acquire() {
  std::unique_ptr<Buffer> buffer;
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      buffer = std::move(free_.back());
      free_.pop_back();
    } else {
      ++created_;
    }
  }
  if (!buffer) buffer = std::make_unique<Buffer>();
  buffer->used = 0;
  return buffer;
}

void MessageBufferPool::release(std::unique_ptr<Buffer> buffer) {
  std::lock_guard lock(mutex_);
  free_.push_back(std::move(buffer));
}

std::size_t MessageBufferPool::created() const {
  std::lock_guard lock(mutex_);
  return created_;
}

PooledProcessor::PooledProcessor() { bump(counters().processors_built[index(Kind::pooled)]); }

PooledProcessor::~PooledProcessor() { record_retired(Kind::pooled, passes_, time_); }

Result PooledProcessor::process(const Workload& workload) {
  const PassClock clock(time_);
  Totals totals;
  for (const MessageInfo& info : workload.messages()) {
    std::unique_ptr<MessageBufferPool::Buffer> buffer = pool_.acquire();
    for_each_segment(workload.text(), info, [&](const RawSegment& raw) {
      if (buffer->used == buffer->segments.size()) buffer->segments.emplace_back();
      parse_segment(raw, buffer->segments[buffer->used++]);  // clears it, keeps its capacity
    });
    totals += summarize(std::span<const Segment>(buffer->segments.data(), buffer->used), info);
    pool_.release(std::move(buffer));
  }
  ++passes_;
  record_pass(Kind::pooled, workload);
  return Result(totals);
}

// --- probe -------------------------------------------------------------------------------------

Probe probe() noexcept {
  const Counters& c = counters();
  const auto load = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  Probe p;
  p.workloads_built = load(c.workloads_built);
  for (std::size_t k = 0; k < kKinds; ++k) {
    p.processors_built[k] = load(c.processors_built[k]);
    p.passes[k] = load(c.passes[k]);
    p.last_retired_passes[k] = load(c.last_retired_passes[k]);
    p.last_retired_time[k] = PassTime{load(c.last_retired_wall_ns[k]), load(c.last_retired_cpu_ns[k])};
  }
  for (std::size_t w = 0; w < p.concurrent_built_with.size(); ++w) p.concurrent_built_with[w] = load(c.concurrent_built_with[w]);
  p.results_made = load(c.results_made);
  p.results_consumed = load(c.results_consumed);
  p.results_dropped = load(c.results_dropped);
  p.last_pass_bytes = load(c.last_pass_bytes);
  p.last_pass_messages = load(c.last_pass_messages);
  return p;
}

Probe since(const Probe& before) noexcept {
  Probe p = probe();
  p.workloads_built -= before.workloads_built;
  for (std::size_t k = 0; k < kKinds; ++k) {
    p.processors_built[k] -= before.processors_built[k];
    p.passes[k] -= before.passes[k];
  }
  for (std::size_t w = 0; w < p.concurrent_built_with.size(); ++w) p.concurrent_built_with[w] -= before.concurrent_built_with[w];
  p.results_made -= before.results_made;
  p.results_consumed -= before.results_consumed;
  p.results_dropped -= before.results_dropped;
  return p;  // last_retired_passes and _time, last_pass_bytes and _messages: as they are now
}

}  // namespace edi::bench05
