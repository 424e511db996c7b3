// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
//
// The sequential reference: what happens to each message, one after another. Pipeline::run
// (pipeline.cpp) must produce the same report with the work spread over threads.
#include <exception>
#include <stdexcept>

#include "pipeline.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

Pipeline::Pipeline(const PartnerDirectory& directory, Options options)
    : directory_(directory),
      options_(options),
      pool_(options.max_in_flight),
      partners_(directory, options.partner_cache_capacity, options.partner_cache_shards) {}

Report Pipeline::run_sequential(ByteSource& source) {
  PipelineObserver no_observer;
  PipelineObserver& observer = options_.observer != nullptr ? *options_.observer : no_observer;
  MessageSplitter splitter(source, pool_, {options_.chunk_size, options_.max_message_bytes, options_.max_problems});
  MessageAnalyzer analyzer(partners_);
  DedupCache dedup(options_.dedup_capacity);
  ReportBuilder builder(options_.max_problems);

  Message message;
  while (splitter.next(message)) {
    // 1. Analyse (validate, sum, look up partners). A failure stays with its message; a
    //    std::logic_error is a bug in the program, not in the message, and stops the run.
    MessageResult result;
    try {
      observer.before_process(message.sequence);
      result = analyzer.analyze(message);
    } catch (const std::logic_error&) {
      throw;
    } catch (const std::exception& e) {
      result = MessageResult::failure(message, e.what());
    }
    observer.after_process(message.sequence);
    message.release();  // the bytes are no longer needed: the buffer goes back to the pool

    // 2. Merge, in message order: a retransmission is a copy of a message merged before it.
    if (result.deduplicable && dedup.seen_before(result.content)) {
      builder.add_duplicate(result);
    } else {
      builder.add(std::move(result));
    }
  }
  return builder.finish(splitter.take_summary());
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
