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

if(EDI_SANITIZE)
  # Everything is instrumented, so containers and callbacks crossing library borders are checked too.
  add_compile_options(-fsanitize=${EDI_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${EDI_SANITIZE})
  if(EDI_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
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
