// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
#include "message.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <utility>

#include "master_data.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

// --- content_hash ------------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;

std::uint64_t load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

constexpr std::uint64_t round(std::uint64_t acc, std::uint64_t word) noexcept {
  return std::rotl(acc + word * kPrime2, 31) * kPrime1;
}

constexpr std::uint64_t avalanche(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  return h ^ (h >> 32);
}

}  // namespace

// Four independent lanes over 32-byte stripes (the loop of xxHash64), finished two different
// ways into 128 bits. Fast (several GB/s) and plenty for telling messages apart; not meant to
// resist someone crafting collisions.
ContentHash content_hash(std::string_view bytes) noexcept {
  const char* p = bytes.data();
  const std::size_t n = bytes.size();
  std::uint64_t v1 = kPrime1 + kPrime2;
  std::uint64_t v2 = kPrime2;
  std::uint64_t v3 = 0;
  std::uint64_t v4 = 0 - kPrime1;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    v1 = round(v1, load64(p + i));
    v2 = round(v2, load64(p + i + 8));
    v3 = round(v3, load64(p + i + 16));
    v4 = round(v4, load64(p + i + 24));
  }
  std::uint64_t* lanes[] = {&v1, &v2, &v3, &v4};
  std::size_t lane = 0;
  for (; i + 8 <= n; i += 8) {
    *lanes[lane] = round(*lanes[lane], load64(p + i));
    lane = (lane + 1) % 4;
  }
  if (i < n) {
    std::uint64_t tail = 0;
    std::memcpy(&tail, p + i, n - i);
    *lanes[lane] = round(*lanes[lane], tail ^ (static_cast<std::uint64_t>(n - i) << 56));
  }
  const std::uint64_t length = static_cast<std::uint64_t>(n);
  ContentHash h;
  h.low = avalanche(std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18) + length * kPrime4);
  h.high = avalanche((v1 ^ std::rotl(v2, 17)) * kPrime3 + (std::rotl(v3, 29) ^ std::rotl(v4, 43)) + length);
  return h;
}

// --- Message and BufferPool ----------------------------------------------------------------------

Message::Message(Message&& other) noexcept
    : sequence(other.sequence),
      offset(other.offset),
      size(other.size),
      chars(other.chars),
      complete(other.complete),
      too_long(other.too_long),
      sender(std::move(other.sender)),
      recipient(std::move(other.recipient)),
      buffer_(std::move(other.buffer_)),
      pool_(std::exchange(other.pool_, nullptr)),
      counted_(std::exchange(other.counted_, 0)) {}

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    release();
    sequence = other.sequence;
    offset = other.offset;
    size = other.size;
    chars = other.chars;
    complete = other.complete;
    too_long = other.too_long;
    sender = std::move(other.sender);
    recipient = std::move(other.recipient);
    buffer_ = std::move(other.buffer_);
    pool_ = std::exchange(other.pool_, nullptr);
    counted_ = std::exchange(other.counted_, 0);
  }
  return *this;
}

void Message::release() noexcept {
  if (pool_ != nullptr) {
    std::exchange(pool_, nullptr)->give_back(std::move(buffer_), std::exchange(counted_, 0));
  }
  buffer_.clear();
}

namespace {
// Lifts `peak` to `value` if it is below; lock-free, so concurrent raises keep the largest.
template <class T>
void raise(std::atomic<T>& peak, T value) noexcept {
  T seen = peak.load(std::memory_order_relaxed);
  while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}
}  // namespace

std::string BufferPool::acquire() {
  raise<std::size_t>(peak_in_use_, in_use_.fetch_add(1, std::memory_order_relaxed) + 1);
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::string buffer = std::move(idle_.back());
      idle_.pop_back();
      return buffer;
    }
  }
  created_.fetch_add(1, std::memory_order_relaxed);
  std::string buffer;
  buffer.reserve(4096);
  return buffer;
}

void BufferPool::count_bytes(std::uint64_t bytes) noexcept {
  raise<std::uint64_t>(peak_bytes_, bytes_in_use_.fetch_add(bytes, std::memory_order_relaxed) + bytes);
}

void BufferPool::give_back(std::string&& buffer, std::uint64_t counted) noexcept {
  bytes_in_use_.fetch_sub(counted, std::memory_order_relaxed);
  buffer.clear();
  {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      // push_back may allocate only while the idle list grows; a failure just frees the buffer.
      try {
        idle_.push_back(std::move(buffer));
      } catch (...) {
      }
    }
  }
  in_use_.fetch_sub(1, std::memory_order_relaxed);
}

void BufferPool::reset_peaks() noexcept {
  peak_in_use_.store(in_use(), std::memory_order_relaxed);
  peak_bytes_.store(bytes_in_use(), std::memory_order_relaxed);
}

// --- MessageSplitter ---------------------------------------------------------------------------

namespace detail {

std::string clean(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

std::string quoted(std::string_view v) { return "'" + std::string(v) + "'"; }

}  // namespace detail

namespace {

using detail::clean;
using detail::quoted;

bool all_digits(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_service_tag(std::string_view t) {
  return t == "UNB" || t == "UNG" || t == "UNH" || t == "UNT" || t == "UNE" || t == "UNZ";
}

std::string errc_code(Errc rc) {
  switch (rc) {
    case Errc::unterminated_segment: return "unterminated-segment";
    case Errc::release_at_end: return "release-at-end";
    case Errc::truncated_una: return "truncated-una";
    case Errc::invalid_una: return "invalid-una";
    case Errc::segment_too_long: return "segment-too-long";
    default: return "input-error";
  }
}

}  // namespace

MessageSplitter::MessageSplitter(ByteSource& source, BufferPool& pool, Options options)
    : reader_(source, StreamReader::Options{.chunk_size = options.chunk_size}), pool_(pool), options_(options) {}

void MessageSplitter::problem(std::uint64_t offset, Severity severity, std::string code, std::string text) {
  (severity == Severity::error ? summary_.errors : summary_.warnings) += 1;
  if (summary_.problems.size() < options_.max_problems) {
    summary_.problems.push_back(Problem{offset, severity, std::move(code), std::move(text)});
  }
}

void MessageSplitter::count_segment() {
  ++summary_.segments;
  if (!junk_checked_) {
    junk_checked_ = true;
    if (const std::size_t junk = reader_.state().leading_junk; junk > 0) {
      problem(0, Severity::error, "leading-junk",
              std::to_string(junk) + " bytes before the first segment are not EDIFACT and were skipped");
    }
  }
}

bool MessageSplitter::next(Message& out) {
  out.release();
  while (!done_) {
    RawSegment seg;
    if (has_pending_) {
      seg = pending_;
      has_pending_ = false;
    } else {
      const Errc rc = reader_.next(seg);
      if (rc != Errc::ok) {
        finish(rc);
        if (message_open_) {
          seal(false, out);
          return true;
        }
        return false;
      }
      count_segment();
    }
    if (message_open_) {
      const std::string_view tag = seg.tag.view();
      const bool same_chars = seg.chars == current_.chars;
      if (tag == "UNT" && same_chars) {
        append(seg);
        seal(true, out);
        return true;
      }
      if (is_service_tag(tag) || !same_chars) {
        // The message ends without its UNT; this segment is handled after it is handed out.
        pending_ = seg;
        has_pending_ = true;
        seal(false, out);
        return true;
      }
      append(seg);
      continue;
    }
    envelope_segment(seg);
  }
  return false;
}

void MessageSplitter::open_message(const RawSegment& seg) {
  current_.buffer_ = pool_.acquire();
  current_.pool_ = &pool_;
  current_.counted_ = 0;
  current_.sequence = summary_.messages++;
  current_.offset = seg.offset;
  current_.size = 0;
  current_.chars = seg.chars;
  current_.complete = false;
  current_.too_long = false;
  current_.sender = sender_;
  current_.recipient = recipient_;
  message_open_ = true;
  append(seg);
}

void MessageSplitter::append(const RawSegment& seg) {
  const std::uint64_t end = seg.offset + seg.text.size() + 1;  // past the terminator
  current_.size = end - current_.offset;
  if (current_.too_long) return;
  if (current_.size > options_.max_message_bytes) {
    current_.too_long = true;  // keep what is there (the UNH first); read the rest, keep none of it
    return;
  }
  std::string& buffer = current_.buffer_;
  // The bytes between two segments (line breaks) are not in any view: write as many '\n'.
  buffer.append(seg.offset - current_.offset - buffer.size(), '\n');
  buffer.append(seg.text);
  buffer.push_back(seg.chars.terminator);
}

void MessageSplitter::seal(bool complete, Message& out) {
  current_.complete = complete;
  current_.counted_ = current_.buffer_.size();
  pool_.count_bytes(current_.counted_);
  message_open_ = false;
  out = std::move(current_);
}

void MessageSplitter::check_count(const char* code, const std::string& declared, std::uint64_t expected,
                                  const char* tag, const char* noun, const char* holder, std::uint64_t offset) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(declared.data(), declared.data() + declared.size(), n);
  if (declared.empty() || ec != std::errc() || end != declared.data() + declared.size()) {
    problem(offset, Severity::error, code,
            std::string(tag) + " count " + quoted(declared) + " is not a number: expected " + std::to_string(expected));
  } else if (n != expected) {
    problem(offset, Severity::error, code,
            std::string(tag) + " declares " + declared + " " + noun + "; the " + holder + " has " +
                std::to_string(expected));
  }
}

void MessageSplitter::envelope_segment(const RawSegment& seg) {
  const std::string_view tag = seg.tag.view();
  if (tag == "UNH") {
    outside_reported_ = false;
    ++group_messages_;
    if (interchange_groups_ == 0) ++interchange_messages_;
    open_message(seg);
    return;
  }
  if (!is_service_tag(tag)) {
    if (!outside_reported_) {
      outside_reported_ = true;
      problem(seg.offset, Severity::error, "outside-message",
              "segment " + quoted(tag) + " is outside a message (further ones before the next UNH are not reported)");
    }
    return;
  }
  parse_segment(seg, parsed_);
  if (tag == "UNB") {
    if (group_open_) problem(seg.offset, Severity::error, "missing-une", "group " + quoted(group_ref_) + " has no UNE before the next UNB");
    if (interchange_open_) {
      problem(seg.offset, Severity::error, "missing-unz", "interchange " + quoted(interchange_ref_) + " has no UNZ before the next UNB");
    }
    ++summary_.interchanges;
    interchange_open_ = true;
    group_open_ = false;
    interchange_messages_ = 0;
    interchange_groups_ = 0;
    std::size_t reference = 4;
    if (parsed_.component_count(3) == 1 && parsed_.element_count() > 5 && parsed_.component(4, 0).size() == 4 &&
        all_digits(parsed_.component(4, 0))) {
      // "UNB+ANSI:1+A+B+180314+0902+1": date and time as two elements instead of one composite.
      reference = 5;
      problem(seg.offset, Severity::warning, "nonstandard-unb",
              "UNB date and time are separate elements: the interchange reference is read from element 6");
    }
    interchange_ref_ = clean(parsed_.component(reference, 0));
    const auto party = [&](std::size_t element, const char* role, std::string& gln) {
      gln.clear();
      if (clean(parsed_.component(element, 1)) != "14") return;  // not a GLN
      const std::string value = clean(parsed_.component(element, 0));
      if (is_gln(value)) {
        gln = value;
      } else {
        problem(seg.offset, Severity::error, "bad-gln",
                std::string("UNB ") + role + " " + quoted(value) + " is not a GLN: expected 13 digits with a valid check digit");
      }
    };
    party(1, "sender", sender_);
    party(2, "recipient", recipient_);
  } else if (tag == "UNG") {
    if (group_open_) problem(seg.offset, Severity::error, "missing-une", "group " + quoted(group_ref_) + " has no UNE before the next UNG");
    group_open_ = true;
    group_ref_ = clean(parsed_.component(4, 0));
    group_messages_ = 0;
    ++interchange_groups_;
  } else if (tag == "UNE") {
    if (!group_open_) {
      problem(seg.offset, Severity::error, "unexpected-une", "UNE without a group: expected UNG before it");
    } else {
      check_count("une-count", clean(parsed_.component(0, 0)), group_messages_, "UNE", "messages", "group", seg.offset);
      if (const std::string ref = clean(parsed_.component(1, 0)); ref != group_ref_) {
        problem(seg.offset, Severity::error, "une-reference",
                "UNE reference " + quoted(ref) + " does not match UNG reference " + quoted(group_ref_));
      }
      group_open_ = false;
    }
  } else if (tag == "UNZ") {
    if (group_open_) problem(seg.offset, Severity::error, "missing-une", "group " + quoted(group_ref_) + " has no UNE before UNZ");
    group_open_ = false;
    if (!interchange_open_) {
      problem(seg.offset, Severity::error, "unexpected-unz", "UNZ without an interchange: expected UNB before it");
    } else {
      const bool groups = interchange_groups_ > 0;
      check_count("unz-count", clean(parsed_.component(0, 0)), groups ? interchange_groups_ : interchange_messages_, "UNZ",
                  groups ? "groups" : "messages", "interchange", seg.offset);
      if (const std::string ref = clean(parsed_.component(1, 0)); ref != interchange_ref_) {
        problem(seg.offset, Severity::error, "unz-reference",
                "UNZ reference " + quoted(ref) + " does not match UNB reference " + quoted(interchange_ref_));
      }
      interchange_open_ = false;
    }
  } else {  // UNT outside a message
    problem(seg.offset, Severity::error, "unexpected-unt", "UNT without a message: expected UNH before it");
  }
}

void MessageSplitter::finish(Errc rc) {
  done_ = true;
  const std::uint64_t end = rc == Errc::end_of_input ? reader_.bytes_read() : reader_.error_offset();
  summary_.bytes = end;
  summary_.input = rc;
  if (!junk_checked_) {
    junk_checked_ = true;
    if (const std::size_t junk = reader_.state().leading_junk; junk > 0) {
      problem(0, Severity::error, "leading-junk",
              std::to_string(junk) + " bytes before the first segment are not EDIFACT and were skipped");
    }
  }
  if (rc != Errc::end_of_input) problem(end, Severity::error, errc_code(rc), std::string(describe(rc)));
  if (group_open_) problem(end, Severity::error, "missing-une", "group " + quoted(group_ref_) + " has no UNE before the end of input");
  if (interchange_open_) {
    problem(end, Severity::error, "missing-unz", "interchange " + quoted(interchange_ref_) + " has no UNZ before the end of input");
  }
  if (summary_.segments == 0 && rc == Errc::end_of_input) {
    problem(end, Severity::error, "empty", "no segments: expected UNA, UNB or a segment");
  }
  group_open_ = interchange_open_ = false;
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
