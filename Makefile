# The workbook's commands. Each target installs the Debian packages it needs first (tools/setup.sh)
# and drives CMake presets and the scripts in tools/.
#
#   make check [LESSON=NN] [IMPL=exercises|solutions] [PERF=off|on] [SANITIZE=thread|address]
#                                                     grade your work (the main loop)
#   make test                                         the workbook's own self-test (what CI runs)
#   make run LESSON=NN [IMPL=...]                     the lesson's demo
#   make hint LESSON=NN [RESET=1]                     the next hint
#   make watch LESSON=NN                              regrade on every save
#   make bench [LESSON=NN] [IMPL=...]                 benchmarks, comparisons, charts
#   make profile [LESSON=NN] [IMPL=...]               gperftools CPU and heap profiles, leak check
#   make fuzz [FUZZ_SECONDS=60]                       libFuzzer on the core's tokenizer and envelope
#   make compare-peers                                the core against other EDIFACT parsers
#   make clean                                        remove build/

LESSON ?=
IMPL ?= exercises
PERF ?= auto
SANITIZE ?=
RESET ?=
FUZZ_SECONDS ?= 60
PYTHON ?= python3

SETUP := tools/setup.sh
BUILD := build/default

.PHONY: help check test run hint watch bench profile fuzz compare-peers clean configure

help:
	@sed -n '3,15p' Makefile | sed 's/^# \{0,1\}//'

# Configures a preset once; afterwards ninja re-runs CMake by itself when a CMakeLists.txt changes.
build/%/build.ninja:
	@cmake --preset $* > build-$*.log 2>&1 || { cat build-$*.log; rm -f build-$*.log; exit 1; }
	@rm -f build-$*.log

configure: $(BUILD)/build.ninja

# make check grades each lesson's THREAD_GRADERS under ThreadSanitizer and ADDRESS_GRADERS under
# ASan+UBSan as graded parts ("race-free", "memory-safe"). SANITIZE=off skips those parts (a
# partial grade); SANITIZE=thread|address grades every test under that sanitizer (build/tsan,
# build/asan), without the performance panel.
SANITIZE_PRESET := $(if $(filter thread,$(SANITIZE)),tsan,$(if $(filter address,$(SANITIZE)),asan,))
GRADE_SANITIZE := $(if $(filter off,$(SANITIZE)),off,auto)

check:
	@$(SETUP) build
ifeq ($(filter-out off,$(SANITIZE)),)
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) -m tools.grade check --lesson "$(LESSON)" --impl "$(IMPL)" --perf "$(PERF)" --sanitize $(GRADE_SANITIZE)
else ifeq ($(SANITIZE_PRESET),)
	@echo "SANITIZE is 'off', 'thread' or 'address', not '$(SANITIZE)'" >&2; exit 2
else
	@$(MAKE) --no-print-directory build/$(SANITIZE_PRESET)/build.ninja
	@$(PYTHON) -m tools.grade check --build build/$(SANITIZE_PRESET) --lesson "$(LESSON)" --impl "$(IMPL)" --perf off
endif

test:
	@$(SETUP) test
	@$(PYTHON) tools/selftest.py

run:
	@$(SETUP) build
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) tools/study.py run --lesson "$(LESSON)" --impl "$(IMPL)"

hint:
	@$(PYTHON) tools/study.py hint --lesson "$(LESSON)" $(if $(RESET),--reset,)

watch:
	@$(SETUP) build
	@$(SETUP) watch || echo "inotify-tools could not be installed: watch will poll"
	@$(MAKE) --no-print-directory configure
	@tools/watch.sh "$(LESSON)" "$(IMPL)"

bench:
	@$(SETUP) bench
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) tools/bench.py --lesson "$(LESSON)" --impl "$(IMPL)"

profile:
	@$(SETUP) profile
	@$(MAKE) --no-print-directory build/profile/build.ninja
	@$(PYTHON) tools/profile.py --lesson "$(LESSON)" --impl "$(IMPL)"

fuzz:
	@$(SETUP) fuzz
	@$(PYTHON) tools/fuzz.py --seconds "$(FUZZ_SECONDS)"

compare-peers:
	@$(SETUP) build peers
	@$(MAKE) --no-print-directory configure
	@$(PYTHON) tools/compare_peers.py

clean:
	rm -rf build
