// Lesson 01: interning the small vocabulary of an interchange (tags, qualifiers, codes): every
// distinct string is stored once, in an arena, and handed out as a stable std::string_view or a
// small integer id.
//
//   edi::pooling::StringInterner names;
//   std::string_view a = names.intern("NAD");
//   std::string_view b = names.intern(std::string("NAD"));
//   a.data() == b.data();                 // true: one copy, so equal strings compare by pointer
//   names.intern_id("NAD");               // 0: ids are dense, in first-seen order
//   names.intern_id("DTM");               // 1
//   names.find("LIN");                    // std::nullopt: find() never inserts
//   counts[names.intern_id(tag)]++;       // count by id in a vector instead of by string in a map
//
// Lookup allocates nothing: intern() of a string already interned, and find(), hash the
// std::string_view they are given and compare it with the stored text in place. The hash set
// stores 4-byte ids; its hash and equality are transparent (they accept a std::string_view as well
// as an id), which is what C++20's heterogeneous lookup in unordered containers is for. Only a
// new string allocates: its bytes in the arena (a block at a time) and its entry in the set.
//
// Lifetime: views and ids stay valid, and keep their values, until the interner is destroyed;
// interning more strings never moves the stored text (the arena never reallocates).
//
// Thread-compatible: the const members (find, view, size, bytes) may run concurrently on several
// threads; intern() and intern_id() need exclusive access (a std::shared_mutex around the interner,
// or one interner per thread). Neither copyable nor movable: its hash functor points into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace edi::pooling {
inline namespace EDI_IMPL {

class StringInterner {
 public:
  using Id = std::uint32_t;

  // `arena_block_bytes`: the size of the arena's first block; later blocks grow geometrically.
  explicit StringInterner(std::size_t arena_block_bytes = 4096);
  StringInterner(const StringInterner&) = delete;
  StringInterner& operator=(const StringInterner&) = delete;

  // The stored copy of `text`, made on its first call. Equal strings give the identical view.
  [[nodiscard]] std::string_view intern(std::string_view text);
  // The id of `text`, interning it first when it is new: 0, 1, 2... in first-seen order.
  // Strong guarantee: if storing a new string throws (std::bad_alloc), nothing was interned.
  [[nodiscard]] Id intern_id(std::string_view text);
  // The id of `text` when it was interned before. Never inserts, never allocates.
  [[nodiscard]] std::optional<Id> find(std::string_view text) const noexcept;
  // The stored text of an id.  REQUIRES: id < size().
  [[nodiscard]] std::string_view view(Id id) const noexcept { return texts_[id]; }

  // Distinct strings interned.
  [[nodiscard]] std::size_t size() const noexcept { return texts_.size(); }
  // Bytes of text stored (each distinct string once).
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

 private:
  // Hash and equality over ids that also accept the text itself (is_transparent), so that a
  // std::string_view can be looked up in the set of ids without making an id or a string first.
  struct TextHash {
    using is_transparent = void;
    const std::vector<std::string_view>* texts;
    std::size_t operator()(std::string_view text) const noexcept;
    std::size_t operator()(Id id) const noexcept;
  };
  struct TextEqual {
    using is_transparent = void;
    const std::vector<std::string_view>* texts;
    bool operator()(Id a, Id b) const noexcept;
    bool operator()(std::string_view text, Id id) const noexcept;
    bool operator()(Id id, std::string_view text) const noexcept;
  };

  std::pmr::monotonic_buffer_resource arena_;  // the text; freed all at once, by the destructor
  std::vector<std::string_view> texts_;        // by id, into the arena
  std::unordered_set<Id, TextHash, TextEqual> ids_;
  std::size_t bytes_ = 0;
};

}  // namespace EDI_IMPL
}  // namespace edi::pooling
