# The workbook's commands. Each target installs what it needs first (tools/setup.sh; `make help`
# lists what) and drives CMake presets and the scripts in tools/.
#
# `make help` prints the "## " comments of this file: the line above a target is its usage and
# what it does; the lines above a variable say what it means (its default is the value after ?=).

## LESSON: a lesson number (00-07); empty means every lesson (make profile: lesson 00)
LESSON ?=
## IMPL: exercises (your code) or solutions (the reference)
IMPL ?= exercises
## PERF: the performance panel of make check: auto (lessons that pass), on (every lesson), off
PERF ?= auto
## SANITIZE: empty: make check also grades the race-free (TSan) and memory-safe (ASan) parts;
## off: skips them (faster, a partial grade); thread or address: every test under that sanitizer
SANITIZE ?=
## RESET: make hint RESET=1 starts the hints of a lesson over
RESET ?=
## FUZZ_SECONDS: how long make fuzz runs each fuzzer
FUZZ_SECONDS ?= 60
## BENCH_REPETITIONS: repetitions of each benchmark in make bench (compare.py's U-test wants 9+)
BENCH_REPETITIONS ?= 9
## BENCH_MIN_TIME: seconds each repetition of a benchmark runs at least (make bench)
BENCH_MIN_TIME ?= 0.2
## PYTHON: the Python 3 that runs the scripts in tools/
PYTHON ?= python3
export BENCH_REPETITIONS BENCH_MIN_TIME

SETUP := tools/setup.sh
BUILD := build/default

.PHONY: help check test status run hint watch bench profile fuzz compare-peers clean configure

## make help                                  this list: targets, variables and their defaults
help:
	@awk -f tools/make_help.awk Makefile
	@echo
	@echo "What each target installs on first use (Debian packages through apt, asking first on a terminal"
	@echo "when it is more than 50 MB; CI=true or EDI_YES=1 never asks):"
	@tools/setup.sh --list | sed 's/^/  /'

# Configures a preset once; afterwards ninja re-runs CMake by itself when a CMakeLists.txt changes.
build/%/build.ninja:
	@echo "configuring build/$* (first time only, about a minute)"
	@( n=0; while sleep 10; do n=$$((n + 10)); echo "  configuring build/$*: $$n s"; done ) & ticker=$$!; \
	  cmake --preset $* > build-$*.log 2>&1; status=$$?; kill $$ticker 2>/dev/null; \
	  if [ $$status -ne 0 ]; then cat build-$*.log; fi; rm -f build-$*.log; exit $$status

configure: $(BUILD)/build.ninja
	@:

# make check grades each lesson's THREAD_GRADERS under ThreadSanitizer and ADDRESS_GRADERS under
# ASan+UBSan as graded parts ("race-free", "memory-safe"). SANITIZE=off skips those parts (a
# partial grade); SANITIZE=thread|address grades every test under that sanitizer (build/tsan,
# build/asan), without the performance panel.
SANITIZE_PRESET := $(if $(filter thread,$(SANITIZE)),tsan,$(if $(filter address,$(SANITIZE)),asan,))
GRADE_SANITIZE := $(if $(filter off,$(SANITIZE)),off,auto)

## make check [LESSON=NN] [IMPL=...] [PERF=...] [SANITIZE=...]   grade your work (the main loop)
check:
	@$(SETUP) build
ifeq ($(filter-out off,$(SANITIZE)),)
	@$(MAKE) --no-print-directory configure
	@status=0; $(PYTHON) -m tools.grade check --lesson "$(LESSON)" --impl "$(IMPL)" --perf "$(PERF)" \
	  --sanitize $(GRADE_SANITIZE) || status=$$?; \
	  $(PYTHON) tools/status.py --record --impl "$(IMPL)" >/dev/null 2>&1; exit $$status
else ifeq ($(SANITIZE_PRESET),)
	@echo "SANITIZE is 'off', 'thread' or 'address', not '$(SANITIZE)'" >&2; exit 2
else
	@$(MAKE) --no-print-directory build/$(SANITIZE_PRESET)/build.ninja
	@status=0; $(PYTHON) -m tools.grade check --build build/$(SANITIZE_PRESET) --lesson "$(LESSON)" --impl "$(IMPL)" \
	  --perf off || status=$$?; \
	  $(PYTHON) tools/status.py --record --impl "$(IMPL)" >/dev/null 2>&1; exit $$status
endif

## make test                                  the workbook's own self-test (what CI runs)
test:
	@$(SETUP) test
	@$(PYTHON) tools/selftest.py

## make status [IMPL=...]                     your progress from the last make check: lessons done, points, what next
status:
	@$(PYTHON) tools/status.py --impl "$(IMPL)"

## make run LESSON=NN [IMPL=...]              the lesson's demo
run:
	@$(SETUP) build
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) tools/study.py run --lesson "$(LESSON)" --impl "$(IMPL)"

## make hint LESSON=NN [RESET=1]              the next hint of the lesson
hint:
	@$(PYTHON) tools/study.py hint --lesson "$(LESSON)" $(if $(RESET),--reset,)

## make watch LESSON=NN [IMPL=...]            regrade on every save
watch:
	@$(SETUP) build
	@$(SETUP) watch || echo "inotify-tools could not be installed: watch will poll"
	@$(MAKE) --no-print-directory configure
	@tools/watch.sh "$(LESSON)" "$(IMPL)"

## make bench [LESSON=NN] [IMPL=...] [BENCH_REPETITIONS=9] [BENCH_MIN_TIME=0.2]   benchmarks, comparisons, charts
bench:
	@$(SETUP) bench
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) tools/bench.py --lesson "$(LESSON)" --impl "$(IMPL)"

## make profile [LESSON=NN] [IMPL=...]        CPU and heap profiles, call graph, flame graph, leak check
profile:
	@$(SETUP) profile
	@$(SETUP) flame || echo "the flame graph renderer could not be installed: no flame graph this time"
	@$(MAKE) --no-print-directory build/profile/build.ninja
	@$(PYTHON) tools/profile.py --lesson "$(LESSON)" --impl "$(IMPL)"

## make fuzz [FUZZ_SECONDS=60]                libFuzzer on the core's tokenizer and envelope
fuzz:
	@$(SETUP) fuzz
	@$(PYTHON) tools/fuzz.py --seconds "$(FUZZ_SECONDS)"

## make compare-peers                         the core against other EDIFACT parsers
compare-peers:
	@$(SETUP) build peers
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) tools/compare_peers.py

## make clean                                 remove build/ (the flame graph renderer in .cache/ stays)
clean:
	rm -rf build
