// Lesson 04, exercise 3: write-through and write-behind. The contract of every member is in
// write_cache.hpp; `make check LESSON=04` grades them, `make hint LESSON=04` helps.
#include "write_cache.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <utility>

#include "edi/error.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

// --- WriteThroughCache ------------------------------------------------------------------------

WriteThroughCache::WriteThroughCache(StatusStore& store, std::size_t capacity) : store_(store), capacity_(capacity) {
  // FIXME: create the LruCache (it rejects a capacity of 0 itself).
}

void WriteThroughCache::put(const std::string& key, const MessageStatus& status) {
  // FIXME: the store first; the cache only once the store took the write.
  (void)key;
  (void)status;
  throw NotImplemented("WriteThroughCache::put");
}

std::optional<MessageStatus> WriteThroughCache::get(const std::string& key) {
  // FIXME: the cache, else the store (and cache what it returns).
  (void)key;
  throw NotImplemented("WriteThroughCache::get");
}

bool WriteThroughCache::invalidate(const std::string& key) {
  // FIXME
  (void)key;
  throw NotImplemented("WriteThroughCache::invalidate");
}

CacheStats WriteThroughCache::stats() const {
  // FIXME
  throw NotImplemented("WriteThroughCache::stats");
}

// --- WriteBehindCache -------------------------------------------------------------------------

WriteBehindCache::WriteBehindCache(StatusStore& store, WriteBehindOptions options, NowFunction now)
    : store_(store), options_(std::move(options)), now_(std::move(now)) {
  // FIXME: check the options (see the REQUIRES line); start the flusher thread when
  // options_.background is set.
}

WriteBehindCache::~WriteBehindCache() {
  // FIXME: stop the flusher thread, then flush; if that fails, hand the unwritten writes to
  // options_.on_unwritten (or report them on std::cerr). A destructor must not throw.
}

void WriteBehindCache::put(const std::string& key, const MessageStatus& status) {
  // FIXME
  (void)key;
  (void)status;
  throw NotImplemented("WriteBehindCache::put");
}

std::optional<MessageStatus> WriteBehindCache::get(const std::string& key) {
  // FIXME
  (void)key;
  throw NotImplemented("WriteBehindCache::get");
}

void WriteBehindCache::flush() {
  // FIXME
  throw NotImplemented("WriteBehindCache::flush");
}

bool WriteBehindCache::flush_if_due() {
  // FIXME
  throw NotImplemented("WriteBehindCache::flush_if_due");
}

std::size_t WriteBehindCache::dirty() const {
  // FIXME
  throw NotImplemented("WriteBehindCache::dirty");
}

WriteBehindStats WriteBehindCache::stats() const {
  // FIXME
  throw NotImplemented("WriteBehindCache::stats");
}

CacheStats WriteBehindCache::cache_stats() const {
  // FIXME
  throw NotImplemented("WriteBehindCache::cache_stats");
}

}  // namespace EDI_IMPL
}  // namespace edi::caching
