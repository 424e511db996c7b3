# edi_lesson(): everything one lesson builds, from one call in tests/NN-topic/CMakeLists.txt.
#
#   edi_lesson(
#     NUMBER 01 TOPIC memory-pooling          # the folder name is 01-memory-pooling
#     SOURCES segment_pool.cpp                # .cpp files of the exercise (same names in solutions/)
#     GIVEN_SOURCES store.cpp                 # .cpp files of given/<dir>/, compiled per implementation
#     GRADERS pool_test.cpp interner_test.cpp # GoogleTest graders in tests/01-memory-pooling/
#     BENCHMARKS pool_bench.cpp               # compiled once per implementation, one binary
#     SHARED_BENCHMARKS baseline_bench.cpp    # compiled once (baseline, floor)
#     WORKLOAD workload.cpp                   # the profiling workload of `make profile`
#     LIBRARIES SQLite::SQLite3               # extra libraries the implementation needs
#     TIMEOUT 30                              # seconds per graded test (default EDI_TEST_TIMEOUT)
#     STUB_PASSES "Pipeline.SameOutput"       # graded tests that pass on the stub by design
#     THREAD_GRADERS "BoundedQueue.*"         # tests graded again under ThreadSanitizer ("race-free")
#     ADDRESS_GRADERS "*"                     # tests graded again under ASan+UBSan ("memory-safe")
#     COMPILE_FAIL "Control.Compiles" "Lifetime.X"  # cases of tests/<dir>/compile_fail.cpp (below)
#
#     # What some lessons need besides (every path but INCLUDES and EMBED is in tests/<dir>/):
#     INCLUDES core/src                       # more include directories (from the repository root)
#                                             # for the tests' own code: graders, benchmarks, programs
#     EMBED lessons/04-caching/schema.sql     # the file as a raw string literal: `#include
#                                             # "schema_sql.inc"` (<name>_<ext>.inc) in the implementation
#     HARNESS subjects.cpp runner.cpp         # the tests' own code, compiled once (no EDI_IMPL) into
#                                             # lessonNN_harness, linked into everything of the lesson
#     GRADER_LIBRARIES nlohmann_json::nlohmann_json  # libraries the graders alone need
#     WHOLE_ARCHIVE                           # link the implementation library whole (code that only
#                                             # registers itself from static initializers)
#     DEMO_SOURCES naive_pipeline.cpp         # compiled into lessons/<dir>/demo.cpp's program too
#     DEMO_LIBRARIES edi::test_support        # libraries the demo alone needs
#     PROGRAMS "hit_ratio04: hit_ratio.cpp"   # programs (not tests); see "Programs" below
#              "capstone_pipeline_<impl>: driver.cpp naive_pipeline.cpp"
#     VALGRIND_PROGRAMS "cgdriver06_<impl>: callgrind_driver.cpp"  # programs the graders run
#     ASAN_PROGRAMS "lesson02_dangling_view: dangling_view.cpp"    # demonstrations of a memory error
#     CHECKS "bench05_subjects_test: subjects_test.cpp"            # tests of the lesson's HARNESS
#   )
#
# Provided code: given/<dir>/ holds the files of a lesson that are neither the learner's to write
# nor the reference's (headers and GIVEN_SOURCES), one copy for both. Every implementation
# compiles with its own folder first on the include path, then given/<dir>/. A mutant that names
# a given file in its spec gets its own changed copy; the other given files are used as they are.
#
# Programs are written "name: source.cpp ...". A name with <impl> is built once per
# implementation (capstone_pipeline_exercises, capstone_pipeline_solutions), linked with it; a
# name without, once, linked with the reference. VALGRIND_PROGRAMS are built for the mutants too
# (cgdriver06_mut_<name>), building a grader builds them, and sanitizer builds leave them out
# (valgrind cannot run those). ASAN_PROGRAMS are built on request only (EXCLUDE_FROM_ALL), with
# AddressSanitizer whatever the build, against their own instrumented copy of the reference.
# CHECKS are CTest tests "lessonNN-harness:Suite.Test" labelled core (not graded).
#
# COMPILE_FAIL names the cases of tests/<dir>/compile_fail.cpp, which is built against the reference
# once per case with EDI_MISUSE=<index>: case 0 is the control and must compile (the file is fine
# apart from the one misuse), every later case must not. They are CTest tests
# "lessonNN.compilefail:<case>" labelled lessonNN.compilefail (not graded).
#
# THREAD_GRADERS and ADDRESS_GRADERS are GoogleTest filter patterns (Suite.*, Suite.Test, *). The
# tests they match must provoke what the sanitizer looks for on every run: two threads really
# contending on each shared structure (latches, not sleeps), a read of each released object.
#
# Targets, for IMPL in exercises and solutions (and mut_<name> for each tests/<dir>/mutants/*.mutant):
#   lessonNN_IMPL    the implementation (compile definition EDI_IMPL=IMPL names its inline namespace)
#   gradeNN_IMPL     the graders; CTest tests "lessonNN.IMPL:Suite.Test", label lessonNN.IMPL
#   benchNN          benchmarks of both implementations and the shared ones ("exercises/BM_x",
#                    "solutions/BM_x", "baseline/BM_y"); benchNN_solutions without the exercise
#   workloadNN_IMPL  profiling workload;  demoNN_IMPL  lessons/<dir>/demo.cpp
#   lessonNN_harness the HARNESS;  lessonNN_test_settings  what the tests' own code compiles with
# Mutant targets are not built by default; `make test` builds them.
# A JSON manifest of all lessons is written to <build>/lessons.json for the scripts in tools/grade.

set_property(GLOBAL PROPERTY EDI_LESSON_MANIFEST "")

# A JSON string literal of `text`, quotes and backslashes escaped (string(JSON) stores but
# does not quote).
function(_edi_json_string out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()

# A JSON array of the strings in ARGN.
function(_edi_json_list out)
  set(array "[]")
  set(index 0)
  foreach(item IN LISTS ARGN)
    _edi_json_string(quoted "${item}")
    string(JSON array SET "${array}" ${index} "${quoted}")
    math(EXPR index "${index} + 1")
  endforeach()
  set(${out} "${array}" PARENT_SCOPE)
endfunction()

# The names of the files `file` includes, directly or through other files found in `search_dirs`
# (quoted includes only: the workbook's own headers).
function(_edi_include_closure out file search_dirs)
  set(seen "")
  set(todo "${file}")
  while(todo)
    list(POP_FRONT todo current)
    file(STRINGS "${current}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" name "${line}")
      if(name IN_LIST seen)
        continue()
      endif()
      list(APPEND seen "${name}")
      foreach(d IN LISTS search_dirs)
        if(EXISTS "${d}/${name}")
          list(APPEND todo "${d}/${name}")
          break()
        endif()
      endforeach()
    endforeach()
  endwhile()
  set(${out} "${seen}" PARENT_SCOPE)
endfunction()

# An identifier for the object library of one grader file.
function(_edi_object_name out file)
  get_filename_component(stem "${file}" NAME_WE)
  string(MAKE_C_IDENTIFIER "${stem}" stem)
  set(${out} "${stem}" PARENT_SCOPE)
endfunction()

# The implementation library and its graders for one implementation living in `root`.
# `namespace` is the EDI_IMPL value. Each grader file is its own object library
# (gradeNN_IMPL_o_<file>), so a mutant compiles only the grader files that include what it
# changes: `reuse` lists the grader files whose reference objects (gradeNN_solutions_o_<file>)
# the mutant links instead ("ALL" for a mutant of .cpp files only, which keeps the reference's
# namespace). Every grader's objects compile with the settings of gradeNN_IMPL_objects.
# Likewise each source of the reference is its own object library (lessonNN_solutions_s_<file>):
# a mutant of .cpp files only compiles the files in `changed` and links the reference's objects
# of the others. `changed` lists the files a mutant's spec changes: a given source among them is
# compiled from the mutant's folder, the others from given/<dir>/.
function(_edi_lesson_impl number dir impl root warnings exclude namespace reuse changed)
  set(lib lesson${number}_${impl})
  set(given_dir "${PROJECT_SOURCE_DIR}/given/${dir}")
  set(exclude_flag "")
  if(exclude)
    set(exclude_flag EXCLUDE_FROM_ALL)
  endif()
  # What compiling against this implementation needs: its headers and namespace, the core.
  add_library(${lib}_settings INTERFACE)
  # The implementation's folder first: a mutant's copy of a given header is found before the original.
  target_include_directories(${lib}_settings INTERFACE "${root}")
  if(EXISTS "${given_dir}")
    target_include_directories(${lib}_settings INTERFACE "${given_dir}")
  endif()
  target_compile_definitions(${lib}_settings INTERFACE EDI_IMPL=${namespace})
  target_link_libraries(${lib}_settings INTERFACE edi::core Threads::Threads ${L_LIBRARIES})
  if(L_EMBED)
    target_include_directories(${lib}_settings INTERFACE "${CMAKE_CURRENT_BINARY_DIR}/generated")
  endif()
  if(L_HARNESS)
    target_link_libraries(${lib}_settings INTERFACE lesson${number}_harness)
  endif()
  if(L_SOURCES OR L_GIVEN_SOURCES)
    add_library(${lib} STATIC ${exclude_flag})
    foreach(source IN LISTS L_SOURCES L_GIVEN_SOURCES)
      _edi_object_name(stem "${source}")
      # A given source is compiled from given/, unless this is a mutant of it (mutate.py copied
      # it into the mutant's folder).
      set(path "${root}/${source}")
      if(source IN_LIST L_GIVEN_SOURCES AND NOT source IN_LIST changed)
        set(path "${given_dir}/${source}")
      endif()
      if(impl STREQUAL "solutions")
        add_library(${lib}_s_${stem} OBJECT "${path}")
        target_link_libraries(${lib}_s_${stem} PRIVATE ${lib}_settings ${warnings})
        target_sources(${lib} PRIVATE "$<TARGET_OBJECTS:${lib}_s_${stem}>")
      elseif(reuse STREQUAL "ALL" AND NOT source IN_LIST changed)
        target_sources(${lib} PRIVATE "$<TARGET_OBJECTS:lesson${number}_solutions_s_${stem}>")
      else()
        target_sources(${lib} PRIVATE "${path}")
      endif()
    endforeach()
    target_link_libraries(${lib} PUBLIC ${lib}_settings)
    target_link_libraries(${lib} PRIVATE ${warnings})
  else()
    add_library(${lib} INTERFACE)
    target_link_libraries(${lib} INTERFACE ${lib}_settings)
  endif()

  set(tests_dir "${PROJECT_SOURCE_DIR}/tests/${dir}")
  set(grader grade${number}_${impl})
  add_library(${grader}_objects INTERFACE)
  target_link_libraries(${grader}_objects INTERFACE ${lib} lesson${number}_test_settings edi::test_support GTest::gtest
                        GTest::gmock ${L_GRADER_LIBRARIES} ${warnings})
  if(impl MATCHES "^mut_")
    # Nobody debugs a mutant, and debug info and -O2's passes are most of the compile time of a
    # grader file: make test builds two hundred of them. The graders are deterministic, and the
    # reference passes them at -O1 too (the asan and tsan presets build everything at -O1).
    target_compile_options(${grader}_objects INTERFACE -O1 -g0)
    if(L_SOURCES OR L_GIVEN_SOURCES)
      target_compile_options(${lib} PRIVATE -O1 -g0)
    endif()
  endif()
  set(objects "")
  set(reused FALSE)
  # grader_main.cpp includes no lesson header: a mutant always links the reference's.
  foreach(file IN LISTS L_GRADERS ITEMS "../support/grader_main.cpp")
    _edi_object_name(oname "${file}")
    if(impl MATCHES "^mut_" AND (reuse STREQUAL "ALL" OR file IN_LIST reuse OR oname STREQUAL "grader_main"))
      list(APPEND objects "$<TARGET_OBJECTS:grade${number}_solutions_o_${oname}>")
      set(reused TRUE)
    else()
      add_library(${grader}_o_${oname} OBJECT ${exclude_flag} "${tests_dir}/${file}")
      target_link_libraries(${grader}_o_${oname} PRIVATE ${grader}_objects)
      target_precompile_headers(${grader}_o_${oname} REUSE_FROM edi_gtest_pch)
      list(APPEND objects "$<TARGET_OBJECTS:${grader}_o_${oname}>")
    endif()
  endforeach()
  add_executable(${grader} ${exclude_flag} ${objects})
  target_link_libraries(${grader} PRIVATE ${grader}_objects)
  _edi_link_whole(${grader} ${lib})
  if(reused AND NOT reuse STREQUAL "ALL" AND NOT namespace STREQUAL "solutions")
    # The reused objects test the reference (its own namespace) on what the mutant left alone.
    target_link_libraries(${grader} PRIVATE lesson${number}_solutions)
  endif()
  if(NOT exclude)
    gtest_discover_tests(${grader}
      TEST_PREFIX "lesson${number}.${impl}:"
      DISCOVERY_MODE PRE_TEST
      DISCOVERY_TIMEOUT 30
      PROPERTIES LABELS "lesson${number}.${impl}" TIMEOUT ${timeout})
  endif()

  if(L_WORKLOAD AND NOT impl MATCHES "^mut_")
    add_executable(workload${number}_${impl} ${exclude_flag} "${tests_dir}/${L_WORKLOAD}")
    target_link_libraries(workload${number}_${impl} PRIVATE ${lib} lesson${number}_test_settings ${warnings})
    edi_link_gperftools(workload${number}_${impl})
    _edi_link_whole(workload${number}_${impl} ${lib})
  endif()
  # A glob, not if(EXISTS): adding the demo later makes the build reconfigure by itself.
  file(GLOB demo CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/lessons/${dir}/demo.cpp")
  if(demo AND NOT exclude)
    list(TRANSFORM L_DEMO_SOURCES PREPEND "${tests_dir}/" OUTPUT_VARIABLE demo_sources)
    add_executable(demo${number}_${impl} "${demo}" ${demo_sources})
    target_link_libraries(demo${number}_${impl} PRIVATE ${lib} lesson${number}_test_settings ${L_DEMO_LIBRARIES}
                          ${warnings})
    _edi_link_whole(demo${number}_${impl} ${lib})
  endif()

  # PROGRAMS and VALGRIND_PROGRAMS named with <impl>: one per implementation.
  set(programs "")
  if(NOT impl MATCHES "^mut_")
    list(APPEND programs ${L_PROGRAMS})
  endif()
  if(NOT EDI_SANITIZE)
    list(APPEND programs ${L_VALGRIND_PROGRAMS})
  endif()
  foreach(spec IN LISTS programs)
    _edi_program_spec("${spec}" name sources)
    if(NOT name MATCHES "<impl>")
      continue()
    endif()
    string(REPLACE "<impl>" "${impl}" name "${name}")
    add_executable(${name} ${exclude_flag} ${sources})
    target_link_libraries(${name} PRIVATE ${lib} lesson${number}_test_settings ${warnings})
  endforeach()
  # The graders run the valgrind programs: building a grader builds them (a mutant's too).
  if(NOT EDI_SANITIZE)
    foreach(spec IN LISTS L_VALGRIND_PROGRAMS)
      _edi_program_spec("${spec}" name sources)
      string(REPLACE "<impl>" "${impl}" name "${name}")
      add_dependencies(${grader} ${name})
    endforeach()
  endif()
endfunction()

# "name: a.cpp b.cpp" (a program of PROGRAMS, VALGRIND_PROGRAMS, ASAN_PROGRAMS or CHECKS): its
# name, and its sources as paths in tests/<dir>.
function(_edi_program_spec spec name_out sources_out)
  if(NOT spec MATCHES "^([^:]+):(.+)$")
    message(FATAL_ERROR "edi_lesson: a program is written \"name: source.cpp ...\", not \"${spec}\"")
  endif()
  string(STRIP "${CMAKE_MATCH_1}" name)
  separate_arguments(sources UNIX_COMMAND "${CMAKE_MATCH_2}")
  list(TRANSFORM sources PREPEND "${tests_dir}/")
  set(${name_out} "${name}" PARENT_SCOPE)
  set(${sources_out} "${sources}" PARENT_SCOPE)
endfunction()

# WHOLE_ARCHIVE: `target` links every object of the static library `lib`, used or not.
function(_edi_link_whole target lib)
  if(L_WHOLE_ARCHIVE AND TARGET ${lib})
    get_target_property(type ${lib} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      target_link_options(${target} PRIVATE "SHELL:-Wl,--whole-archive $<TARGET_FILE:${lib}> -Wl,--no-whole-archive")
      add_dependencies(${target} ${lib})
    endif()
  endif()
endfunction()

# EMBED: <build>/tests/<dir>/generated/<stem>_<ext>.inc, the file as one raw string literal.
# Rewritten only when the text changed, so a re-run of CMake recompiles nothing.
function(_edi_embed file)
  set(source "${PROJECT_SOURCE_DIR}/${file}")
  get_filename_component(name "${file}" NAME)
  string(MAKE_C_IDENTIFIER "${name}" name)
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/generated/${name}.inc")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${source}")
  file(READ "${source}" text)
  if(text MATCHES "\\)embedded\"")
    message(FATAL_ERROR "${file} must not contain the raw string delimiter )embedded\"")
  endif()
  file(WRITE "${generated}.new"
       "// Generated from ${file} by edi_lesson(EMBED) in cmake/EdiLesson.cmake.\nR\"embedded(${text})embedded\"\n")
  file(COPY_FILE "${generated}.new" "${generated}" ONLY_IF_DIFFERENT)
endfunction()

# edi_compile_fail_cases(PREFIX p SOURCE file LIBRARIES libs... LABEL label CASES names...):
# `file` built once per case as an EXCLUDE_FROM_ALL object target <p>_compilefail_<index> with
# EDI_MISUSE=<index>, linked to `libs`. Case 0 is the control and must compile; every later case
# must not. Each is a CTest test "<p>.compilefail:<name>" labelled `label` that runs the build.
function(edi_compile_fail_cases)
  cmake_parse_arguments(C "" "PREFIX;SOURCE;LABEL" "LIBRARIES;CASES" ${ARGN})
  set(misuse 0)
  foreach(case IN LISTS C_CASES)
    set(target ${C_PREFIX}_compilefail_${misuse})
    add_library(${target} OBJECT EXCLUDE_FROM_ALL "${C_SOURCE}")
    target_compile_definitions(${target} PRIVATE EDI_MISUSE=${misuse})
    target_link_libraries(${target} PRIVATE ${C_LIBRARIES} edi::strict)
    set(will_fail TRUE)
    if(misuse EQUAL 0)
      set(will_fail FALSE)
    endif()
    set(name "${C_PREFIX}.compilefail:${case}")
    add_test(NAME "${name}" COMMAND "${CMAKE_COMMAND}" --build "${CMAKE_BINARY_DIR}" --target ${target})
    # One build of the tree at a time: two ninja runs in one build directory trip over each other.
    set_tests_properties("${name}" PROPERTIES LABELS ${C_LABEL} WILL_FAIL ${will_fail}
                         RESOURCE_LOCK edi_build_tree TIMEOUT 120)
    math(EXPR misuse "${misuse} + 1")
  endforeach()
endfunction()

function(edi_lesson)
  cmake_parse_arguments(L "WHOLE_ARCHIVE" "NUMBER;TOPIC;TIMEOUT"
                        "SOURCES;GIVEN_SOURCES;GRADERS;BENCHMARKS;SHARED_BENCHMARKS;WORKLOAD;LIBRARIES;STUB_PASSES;THREAD_GRADERS;ADDRESS_GRADERS;COMPILE_FAIL;INCLUDES;EMBED;HARNESS;GRADER_LIBRARIES;DEMO_SOURCES;DEMO_LIBRARIES;PROGRAMS;VALGRIND_PROGRAMS;ASAN_PROGRAMS;CHECKS"
                        ${ARGN})
  if(L_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "edi_lesson(${L_NUMBER}): unknown arguments ${L_UNPARSED_ARGUMENTS}")
  endif()
  set(number ${L_NUMBER})
  set(dir "${L_NUMBER}-${L_TOPIC}")
  set(timeout ${EDI_TEST_TIMEOUT})
  if(L_TIMEOUT AND NOT EDI_SANITIZE)
    set(timeout ${L_TIMEOUT})
  endif()
  set(tests_dir "${PROJECT_SOURCE_DIR}/tests/${dir}")
  set(given_dir "${PROJECT_SOURCE_DIR}/given/${dir}")

  foreach(file IN LISTS L_EMBED)
    _edi_embed("${file}")
  endforeach()

  # What the tests' own code sees (graders, benchmarks, workload, demo, programs): tests/<dir>
  # and the INCLUDES.
  list(TRANSFORM L_INCLUDES PREPEND "${PROJECT_SOURCE_DIR}/" OUTPUT_VARIABLE includes)
  add_library(lesson${number}_test_settings INTERFACE)
  target_include_directories(lesson${number}_test_settings INTERFACE "${tests_dir}" ${includes})

  # HARNESS: the tests' own code, compiled once (no EDI_IMPL) and linked into everything.
  if(L_HARNESS)
    list(TRANSFORM L_HARNESS PREPEND "${tests_dir}/" OUTPUT_VARIABLE harness_sources)
    add_library(lesson${number}_harness STATIC ${harness_sources})
    # tests/support for its headers only: the harness does not link the counting operator new.
    target_include_directories(lesson${number}_harness PUBLIC "${tests_dir}" "${PROJECT_SOURCE_DIR}/tests/support")
    target_link_libraries(lesson${number}_harness PUBLIC edi::core Threads::Threads ${L_LIBRARIES} PRIVATE edi::strict)
  endif()

  # PROGRAMS and VALGRIND_PROGRAMS without <impl> in their name: one program, against the reference.
  set(programs ${L_PROGRAMS})
  if(NOT EDI_SANITIZE)
    list(APPEND programs ${L_VALGRIND_PROGRAMS})
  endif()
  foreach(spec IN LISTS programs)
    _edi_program_spec("${spec}" name sources)
    if(NOT name MATCHES "<impl>")
      add_executable(${name} ${sources})
      target_link_libraries(${name} PRIVATE lesson${number}_solutions lesson${number}_test_settings edi::strict)
    endif()
  endforeach()

  # ASAN_PROGRAMS: built with AddressSanitizer whatever the build, together with their own copy
  # of the reference (an uninstrumented library would hide the bad read). Not in the thread
  # sanitizer's build (the two cannot be combined) nor the profile build.
  if(NOT EDI_PROFILE AND NOT EDI_SANITIZE MATCHES "thread")
    foreach(spec IN LISTS L_ASAN_PROGRAMS)
      _edi_program_spec("${spec}" name sources)
      list(TRANSFORM L_SOURCES PREPEND "${PROJECT_SOURCE_DIR}/solutions/${dir}/" OUTPUT_VARIABLE reference)
      list(TRANSFORM L_GIVEN_SOURCES PREPEND "${given_dir}/" OUTPUT_VARIABLE given)
      add_executable(${name} EXCLUDE_FROM_ALL ${sources} ${reference} ${given})
      target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/solutions/${dir}" "${given_dir}")
      target_compile_definitions(${name} PRIVATE EDI_IMPL=solutions)
      target_compile_options(${name} PRIVATE -fsanitize=address -fno-omit-frame-pointer -O1 -g)
      target_link_options(${name} PRIVATE -fsanitize=address)
      target_link_libraries(${name} PRIVATE edi::core lesson${number}_test_settings ${L_LIBRARIES} edi::strict)
    endforeach()
  endif()

  # CHECKS: GoogleTest programs that check the lesson's harness, not the learner's code: CTest
  # tests "lessonNN-harness:Suite.Test", labelled core (not graded).
  foreach(spec IN LISTS L_CHECKS)
    _edi_program_spec("${spec}" name sources)
    add_executable(${name} ${sources})
    target_link_libraries(${name} PRIVATE lesson${number}_test_settings edi::test_support GTest::gtest_main edi::strict)
    if(L_HARNESS)
      target_link_libraries(${name} PRIVATE lesson${number}_harness)
    endif()
    gtest_discover_tests(${name}
      TEST_PREFIX "lesson${number}-harness:"
      DISCOVERY_MODE PRE_TEST
      DISCOVERY_TIMEOUT 30
      PROPERTIES LABELS "core" TIMEOUT ${EDI_TEST_TIMEOUT})
  endforeach()

  _edi_lesson_impl(${number} ${dir} exercises "${EDI_EXERCISES_ROOT}/${dir}" edi::learner FALSE exercises "" "")
  _edi_lesson_impl(${number} ${dir} solutions "${PROJECT_SOURCE_DIR}/solutions/${dir}" edi::strict FALSE solutions "" "")

  # Benchmarks: one object library per implementation, linked together into one binary.
  set(has_bench FALSE)
  if(EDI_BENCHMARKS AND (L_BENCHMARKS OR L_SHARED_BENCHMARKS))
    set(has_bench TRUE)
    list(TRANSFORM L_BENCHMARKS PREPEND "${tests_dir}/" OUTPUT_VARIABLE benches)
    list(TRANSFORM L_SHARED_BENCHMARKS PREPEND "${tests_dir}/" OUTPUT_VARIABLE shared)
    add_executable(bench${number} ${shared})
    add_executable(bench${number}_solutions ${shared})
    foreach(impl exercises solutions)
      if(benches)
        add_library(bench${number}_${impl}_objects OBJECT ${benches})
        set(w edi::strict)
        if(impl STREQUAL "exercises")
          set(w edi::learner)
        endif()
        target_link_libraries(bench${number}_${impl}_objects PRIVATE lesson${number}_${impl} benchmark::benchmark
                              lesson${number}_test_settings edi::test_support ${w})
        # The object library's private link to lessonNN_IMPL carries over as link-only, so the
        # binary links both implementations without compiling anything with both EDI_IMPL values.
        target_link_libraries(bench${number} PRIVATE bench${number}_${impl}_objects)
      endif()
    endforeach()
    if(benches)
      target_link_libraries(bench${number}_solutions PRIVATE bench${number}_solutions_objects)
    endif()
    foreach(b bench${number} bench${number}_solutions)
      # The shared benchmarks compile without EDI_IMPL but may use the lesson's libraries.
      target_link_libraries(${b} PRIVATE lesson${number}_test_settings benchmark::benchmark_main edi::test_support
                            edi::core ${L_LIBRARIES} edi::strict)
      if(L_HARNESS)
        target_link_libraries(${b} PRIVATE lesson${number}_harness)
      endif()
    endforeach()
    # WHOLE_ARCHIVE: the implementations are the benchmarks (LINK_ONLY: their EDI_IMPL
    # definitions must not reach the shared benchmarks).
    if(L_WHOLE_ARCHIVE)
      target_link_libraries(bench${number} PRIVATE $<LINK_ONLY:lesson${number}_exercises>
                            $<LINK_ONLY:lesson${number}_solutions>)
      _edi_link_whole(bench${number} lesson${number}_exercises)
      _edi_link_whole(bench${number} lesson${number}_solutions)
      target_link_libraries(bench${number}_solutions PRIVATE $<LINK_ONLY:lesson${number}_solutions>)
      _edi_link_whole(bench${number}_solutions lesson${number}_solutions)
    endif()
  endif()

  # Compile-fail cases: compile_fail.cpp built once per case, against the reference.
  if(L_COMPILE_FAIL)
    edi_compile_fail_cases(PREFIX lesson${number} SOURCE "${tests_dir}/compile_fail.cpp"
                           LIBRARIES lesson${number}_solutions LABEL lesson${number}.compilefail
                           CASES ${L_COMPILE_FAIL})
  endif()

  # Mutants: the solution with one mistake put back, built only when `make test` asks.
  file(GLOB mutant_specs CONFIGURE_DEPENDS "${tests_dir}/mutants/*.mutant")
  file(GLOB solution_files CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}/solutions/${dir}"
       "${PROJECT_SOURCE_DIR}/solutions/${dir}/*")
  set(mutant_names "")
  if(EDI_MUTANTS)
    # What each grader file includes decides which of them a header mutant recompiles.
    set(search_dirs "${tests_dir}" "${PROJECT_SOURCE_DIR}/tests/support" "${PROJECT_SOURCE_DIR}/solutions/${dir}"
                    "${given_dir}")
    foreach(file IN LISTS L_GRADERS)
      _edi_include_closure(closure "${tests_dir}/${file}" "${search_dirs}")
      set_property(GLOBAL PROPERTY "EDI_INCLUDES_${number}_${file}" "${closure}")
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${tests_dir}/${file}")
    endforeach()
    foreach(spec IN LISTS mutant_specs)
      get_filename_component(name "${spec}" NAME_WE)
      string(MAKE_C_IDENTIFIER "${name}" name)
      list(APPEND mutant_names ${name})
      set(root "${CMAKE_BINARY_DIR}/mutants/${dir}/${name}")
      # The files the spec changes ("file:" lines). A given file it names is copied into the
      # mutant's folder and changed there; the other given files are used from given/ as they are.
      file(STRINGS "${spec}" changed_lines REGEX "^file:")
      set(changed "")
      set(changed_given "")
      foreach(line IN LISTS changed_lines)
        string(REGEX REPLACE "^file:[ \t]*" "" changed_file "${line}")
        string(STRIP "${changed_file}" changed_file)
        list(APPEND changed "${changed_file}")
        if(NOT changed_file IN_LIST solution_files AND EXISTS "${given_dir}/${changed_file}")
          list(APPEND changed_given "${changed_file}")
        endif()
      endforeach()
      list(REMOVE_DUPLICATES changed)
      list(REMOVE_DUPLICATES changed_given)
      set(copied ${solution_files} ${changed_given})
      list(TRANSFORM copied PREPEND "${root}/" OUTPUT_VARIABLE outputs)
      list(TRANSFORM solution_files PREPEND "${PROJECT_SOURCE_DIR}/solutions/${dir}/" OUTPUT_VARIABLE inputs)
      list(TRANSFORM changed_given PREPEND "${given_dir}/" OUTPUT_VARIABLE given_inputs)
      add_custom_command(
        OUTPUT ${outputs}
        COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/grade/mutate.py"
                "${PROJECT_SOURCE_DIR}/solutions/${dir}" "${spec}" "${root}" "${given_dir}"
        DEPENDS ${inputs} ${given_inputs} "${spec}" "${PROJECT_SOURCE_DIR}/tools/grade/mutate.py"
        COMMENT "Mutant ${dir}/${name}"
        VERBATIM)
      add_custom_target(mutant${number}_${name}_sources DEPENDS ${outputs})
      # Which files a spec changes decides how its grader is built: editing a spec reconfigures.
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${spec}")
      # A mutant that changes only .cpp files of a compiled lesson links the reference's grader
      # objects (same namespace, same headers): no GoogleTest code is compiled again for it. A
      # mutant of headers compiles, in its own namespace, only the grader files that include a
      # changed header (directly or not) and links the reference's objects of the others.
      set(cpp_only TRUE)
      set(changed_headers "")
      foreach(changed_file IN LISTS changed)
        if(NOT changed_file MATCHES "\\.cpp$")
          set(cpp_only FALSE)
          list(APPEND changed_headers "${changed_file}")
        endif()
      endforeach()
      if(cpp_only AND (L_SOURCES OR L_GIVEN_SOURCES))
        _edi_lesson_impl(${number} ${dir} mut_${name} "${root}" edi::learner TRUE solutions ALL "${changed}")
      else()
        # "graders: a_test.cpp ..." in a spec names the grader files that must catch it; the
        # others test the reference (a header included by a big grader file only through another
        # header need not cost that file's compile for every mutant of it).
        file(STRINGS "${spec}" only REGEX "^graders:")
        string(REGEX REPLACE "^graders:[ \t]*" "" only "${only}")
        separate_arguments(only UNIX_COMMAND "${only}")
        set(unaffected "")
        foreach(file IN LISTS L_GRADERS)
          get_property(closure GLOBAL PROPERTY "EDI_INCLUDES_${number}_${file}")
          set(hit FALSE)
          foreach(header IN LISTS changed_headers)
            if(header IN_LIST closure)
              set(hit TRUE)
            endif()
          endforeach()
          if(only AND NOT file IN_LIST only)
            set(hit FALSE)
          endif()
          if(NOT hit)
            list(APPEND unaffected "${file}")
          endif()
        endforeach()
        _edi_lesson_impl(${number} ${dir} mut_${name} "${root}" edi::learner TRUE mut_${name} "${unaffected}" "${changed}")
      endif()
      add_dependencies(lesson${number}_mut_${name} mutant${number}_${name}_sources)
      add_dependencies(grade${number}_mut_${name} mutant${number}_${name}_sources)
    endforeach()
  endif()

  # The manifest entry the grading scripts read, built with CMake's JSON support.
  set(entry "{}")
  foreach(key number dir topic)
    if(key STREQUAL "number")
      _edi_json_string(value "${number}")
    elseif(key STREQUAL "dir")
      _edi_json_string(value "${dir}")
    else()
      _edi_json_string(value "${L_TOPIC}")
    endif()
    string(JSON entry SET "${entry}" ${key} "${value}")
  endforeach()
  string(JSON entry SET "${entry}" timeout "${timeout}")
  foreach(pair "sources;L_SOURCES" "stub_passes;L_STUB_PASSES" "thread_graders;L_THREAD_GRADERS"
               "address_graders;L_ADDRESS_GRADERS" "mutants;mutant_names")
    list(GET pair 0 key)
    list(GET pair 1 var)
    _edi_json_list(value ${${var}})
    string(JSON entry SET "${entry}" ${key} "${value}")
  endforeach()
  foreach(pair "benchmarks;has_bench" "workload;L_WORKLOAD")
    list(GET pair 0 key)
    list(GET pair 1 var)
    if(${var})
      string(JSON entry SET "${entry}" ${key} true)
    else()
      string(JSON entry SET "${entry}" ${key} false)
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY EDI_LESSON_MANIFEST "${entry}")
endfunction()

# Writes <build>/lessons.json; call once after every lesson was added.
function(edi_write_lesson_manifest)
  get_property(entries GLOBAL PROPERTY EDI_LESSON_MANIFEST)
  set(manifest "{\"lessons\": []}")
  set(index 0)
  foreach(entry IN LISTS entries)
    string(JSON manifest SET "${manifest}" lessons ${index} "${entry}")
    math(EXPR index "${index} + 1")
  endforeach()
  if(EDI_SANITIZE)
    _edi_json_string(sanitize "${EDI_SANITIZE}")
  else()
    set(sanitize null)
  endif()
  string(JSON manifest SET "${manifest}" sanitize "${sanitize}")
  if(EDI_PROFILE)
    string(JSON manifest SET "${manifest}" profile true)
  else()
    string(JSON manifest SET "${manifest}" profile false)
  endif()
  _edi_json_string(root "${EDI_EXERCISES_ROOT}")
  string(JSON manifest SET "${manifest}" exercises_root "${root}")
  file(WRITE "${CMAKE_BINARY_DIR}/lessons.json.new" "${manifest}\n")
  file(COPY_FILE "${CMAKE_BINARY_DIR}/lessons.json.new" "${CMAKE_BINARY_DIR}/lessons.json" ONLY_IF_DIFFERENT)
endfunction()
