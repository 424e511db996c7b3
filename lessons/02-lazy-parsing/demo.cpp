// Lesson 02 demo (`make run LESSON=02`, or `make run LESSON=02 IMPL=solutions`): the lazy view on
// one annotated segment, then the question "what are the document numbers?" answered lazily and
// eagerly over a generated interchange, with the time each takes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edi/edi.hpp"
#include "lazy_segment.hpp"

namespace {

// The shortest of `rounds` runs of `work`, in seconds: the run least disturbed by other programs.
template <class Work>
double best_of(int rounds, Work&& work) {
  double best = 1e300;
  for (int i = 0; i < rounds; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

void show(const char* what, std::string_view value) {
  std::printf("  %-36s \"%.*s\"\n", what, static_cast<int>(value.size()), value.data());
}

void tour() {
  const std::string text = "NAD+BY+5412345000013::9++Dunmore ?& Sons+Quay 4?+5";
  std::printf("== One segment, read lazily: %s ==\n", text.c_str());
  const edi::lazy::LazySegment nad(text);
  show("tag()", nad.tag());
  std::printf("  %-36s %zu\n", "element_count()", nad.element_count());
  show("component(1, 0)", nad.component(1, 0));
  show("component(1, 2)", nad.component(1, 2));
  show("component(3, 0)  (raw)", nad.component(3, 0));
  show("unescaped_string(3, 0)", nad.unescaped_string(3, 0));
  show("component(9, 0)  (out of range)", nad.component(9, 0));
  std::printf("  %-36s %s\n", "element(2).present() (empty)", nad.element(2).present() ? "true" : "false");
  std::printf("  %-36s %s\n", "element(9).present() (absent)", nad.element(9).present() ? "true" : "false");
  const std::string_view raw = nad.component(1, 0);
  std::printf("  component(1, 0) is %zu bytes at offset %td of the input: a view, nothing copied\n", raw.size(),
              raw.data() - text.data());
  std::printf("  elements():");
  for (const edi::lazy::LazyElement element : nad.elements()) {
    std::printf(" [%.*s]", static_cast<int>(element.raw().size()), element.raw().data());
  }
  std::printf("\n");

  const edi::lazy::LazySegment ali("ALI+DE*NL*FR", edi::ServiceChars::defaults(4));
  std::printf("  syntax 4, ALI+DE*NL*FR: element(0).repetition_count() = %zu, component(0, 0, 2) = \"%.*s\"\n\n",
              ali.element(0).repetition_count(), static_cast<int>(ali.component(0, 0, 2).size()),
              ali.component(0, 0, 2).data());
}

}  // namespace

int main() {
  try {
    tour();
  } catch (const edi::NotImplemented& e) {
    std::printf("  %s\n\n", e.what());
  }

  const bool quick = std::getenv("EDI_DEMO_QUICK") != nullptr;
  edi::GeneratorOptions opt;
  opt.seed = 2;
  opt.target_bytes = quick ? (1 << 20) : (32 << 20);
  const std::string text = edi::generate(opt);
  const double mb = static_cast<double>(text.size()) / 1e6;
  constexpr int kRounds = 5;
  std::printf("== The document number of every BGM segment of %.1f MB (best of %d runs; make bench measures properly) ==\n",
              mb, kRounds);

  std::size_t segments = 0;
  const double tokenize_s = best_of(kRounds, [&] {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    segments = 0;
    while (tok.next(raw) == edi::Errc::ok) ++segments;
  });
  std::printf("  tokenizer alone (the floor):      %8.1f ms  %6.0f MB/s  %zu segments\n", 1e3 * tokenize_s,
              mb / tokenize_s, segments);

  std::size_t eager_documents = 0;
  std::string eager_last;
  edi::Segment seg;
  const double eager_s = best_of(kRounds, [&] {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    eager_documents = 0;
    while (tok.next(raw) == edi::Errc::ok) {
      edi::parse_segment(raw, seg);  // every segment split and unescaped, then looked at
      if (seg.tag() == "BGM") {
        ++eager_documents;
        eager_last = seg.component(1, 0);
      }
    }
  });
  std::printf("  eager (parse_segment, reused):    %8.1f ms  %6.0f MB/s  %zu documents, last %s\n", 1e3 * eager_s,
              mb / eager_s, eager_documents, eager_last.c_str());

  try {
    std::size_t lazy_documents = 0;
    std::string lazy_last;
    std::string scratch;
    const double lazy_s = best_of(kRounds, [&] {
      edi::Tokenizer tok(text);
      edi::RawSegment raw;
      lazy_documents = 0;
      while (tok.next(raw) == edi::Errc::ok) {
        if (raw.tag != "BGM") continue;  // the other segments are never split
        const edi::lazy::LazySegment bgm(raw);
        ++lazy_documents;
        lazy_last = bgm.unescaped(1, 0, scratch);
      }
    });
    std::printf("  lazy (your LazySegment):          %8.1f ms  %6.0f MB/s  %zu documents, last %s  %s\n", 1e3 * lazy_s,
                mb / lazy_s, lazy_documents, lazy_last.c_str(),
                lazy_documents == eager_documents && lazy_last == eager_last ? "(same answer)" : "(DIFFERENT ANSWER)");
    std::printf("  eager time / lazy time: %.1fx; the tokenizer alone takes %.0f%% of the lazy time\n", eager_s / lazy_s,
                100.0 * tokenize_s / lazy_s);
  } catch (const edi::NotImplemented& e) {
    std::printf("  lazy (your LazySegment): %s\n", e.what());
  }
  std::puts("\nNext: make check LESSON=02 grades the view; make bench LESSON=02 measures it properly.");
  return 0;
}
