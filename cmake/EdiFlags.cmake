# Compiler flags shared by every target.
#
# edi::strict  - the core, solutions, tests and tools: -Wall -Wextra -Wpedantic, errors when EDI_WERROR
# edi::learner - exercises: the same warnings, never errors (a warning should not stop a learner)

add_library(edi_strict INTERFACE)
add_library(edi::strict ALIAS edi_strict)
target_compile_options(edi_strict INTERFACE -Wall -Wextra -Wpedantic $<$<BOOL:${EDI_WERROR}>:-Werror>)

add_library(edi_learner INTERFACE)
add_library(edi::learner ALIAS edi_learner)
target_compile_options(edi_learner INTERFACE -Wall -Wextra -Wpedantic)

# x86-64-v2 (SSE4.2 and POPCNT, every x86-64 CPU since 2009): without it std::popcount is a
# library call, and the tokenizer counts separators with popcounts.
set(EDI_ARCH_FLAGS "" CACHE STRING "Target flags (default on x86-64: -march=x86-64-v2)")
if(NOT EDI_ARCH_FLAGS AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(EDI_ARCH_FLAGS "-march=x86-64-v2")
endif()
separate_arguments(_edi_arch UNIX_COMMAND "${EDI_ARCH_FLAGS}")
add_compile_options(${_edi_arch})

if(EDI_SANITIZE)
  # Everything is instrumented, so containers and callbacks crossing library borders are checked too.
  add_compile_options(-fsanitize=${EDI_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${EDI_SANITIZE})
  if(EDI_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
  endif()
  if(EDI_SANITIZE MATCHES "address" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 at -O1 with AddressSanitizer reports -Wmaybe-uninitialized inside libstdc++'s own
    # std::stop_token and <regex> (false positives on the instrumented code), which -Werror makes
    # fatal. The normal build keeps the warning.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()

if(EDI_PROFILE)
  # Frame pointers give the sampling profiler whole call stacks without unwinding tables.
  add_compile_options(-fno-omit-frame-pointer)
endif()

# Links gperftools into TARGET so that it cannot be dropped: Debian links with --as-needed, which
# removes libprofiler when no code calls ProfilerStart, and CPUPROFILE= then writes nothing.
function(edi_link_gperftools target)
  if(EDI_PROFILE)
    target_link_options(${target} PRIVATE "LINKER:--no-as-needed")
    target_link_libraries(${target} PRIVATE PkgConfig::GPERFTOOLS)
  endif()
endfunction()
