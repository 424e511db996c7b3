#include "string_interner.hpp"

#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>

namespace edi::pooling {
inline namespace EDI_IMPL {

std::size_t StringInterner::TextHash::operator()(std::string_view text) const noexcept {
  return std::hash<std::string_view>{}(text);
}

std::size_t StringInterner::TextHash::operator()(Id id) const noexcept { return (*this)((*texts)[id]); }

bool StringInterner::TextEqual::operator()(Id a, Id b) const noexcept { return a == b; }

bool StringInterner::TextEqual::operator()(std::string_view text, Id id) const noexcept {
  return (*texts)[id] == text;
}

bool StringInterner::TextEqual::operator()(Id id, std::string_view text) const noexcept {
  return (*texts)[id] == text;
}

StringInterner::StringInterner(std::size_t arena_block_bytes)
    : arena_(arena_block_bytes), ids_(0, TextHash{&texts_}, TextEqual{&texts_}) {}

std::string_view StringInterner::intern(std::string_view text) { return texts_[intern_id(text)]; }

StringInterner::Id StringInterner::intern_id(std::string_view text) {
  if (const auto found = ids_.find(text); found != ids_.end()) return *found;

  if (texts_.size() > std::numeric_limits<Id>::max()) throw std::length_error("StringInterner: too many strings");
  const auto id = static_cast<Id>(texts_.size());
  char* copy = static_cast<char*>(arena_.allocate(text.size(), 1));
  if (!text.empty()) std::memcpy(copy, text.data(), text.size());
  texts_.emplace_back(copy, text.size());
  try {
    ids_.insert(id);
  } catch (...) {
    texts_.pop_back();  // keep ids dense; the arena bytes are lost until destruction, which is harmless
    throw;
  }
  bytes_ += text.size();
  return id;
}

std::optional<StringInterner::Id> StringInterner::find(std::string_view text) const noexcept {
  const auto found = ids_.find(text);
  if (found == ids_.end()) return std::nullopt;
  return *found;
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
