# edi_lesson(): everything one lesson builds, from one call in tests/NN-topic/CMakeLists.txt.
#
#   edi_lesson(
#     NUMBER 01 TOPIC memory-pooling          # the folder name is 01-memory-pooling
#     SOURCES segment_pool.cpp                # .cpp files of the exercise (same names in solutions/)
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
#   )
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
# of the others.
function(_edi_lesson_impl number dir impl root warnings exclude namespace reuse changed)
  set(lib lesson${number}_${impl})
  set(exclude_flag "")
  if(exclude)
    set(exclude_flag EXCLUDE_FROM_ALL)
  endif()
  # What compiling against this implementation needs: its headers and namespace, the core.
  add_library(${lib}_settings INTERFACE)
  target_include_directories(${lib}_settings INTERFACE "${root}")
  target_compile_definitions(${lib}_settings INTERFACE EDI_IMPL=${namespace})
  target_link_libraries(${lib}_settings INTERFACE edi::core Threads::Threads ${L_LIBRARIES})
  if(L_SOURCES)
    add_library(${lib} STATIC ${exclude_flag})
    foreach(source IN LISTS L_SOURCES)
      _edi_object_name(stem "${source}")
      if(impl STREQUAL "solutions")
        add_library(${lib}_s_${stem} OBJECT "${root}/${source}")
        target_link_libraries(${lib}_s_${stem} PRIVATE ${lib}_settings ${warnings})
        target_sources(${lib} PRIVATE "$<TARGET_OBJECTS:${lib}_s_${stem}>")
      elseif(reuse STREQUAL "ALL" AND NOT source IN_LIST changed)
        target_sources(${lib} PRIVATE "$<TARGET_OBJECTS:lesson${number}_solutions_s_${stem}>")
      else()
        target_sources(${lib} PRIVATE "${root}/${source}")
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
  target_include_directories(${grader}_objects INTERFACE "${tests_dir}")
  target_link_libraries(${grader}_objects INTERFACE ${lib} edi::test_support GTest::gtest GTest::gmock ${warnings})
  if(impl MATCHES "^mut_")
    # Nobody debugs a mutant, and debug info and -O2's passes are most of the compile time of a
    # grader file: make test builds two hundred of them. The graders are deterministic, and the
    # reference passes them at -O1 too (the asan and tsan presets build everything at -O1).
    target_compile_options(${grader}_objects INTERFACE -O1 -g0)
    if(L_SOURCES)
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
    target_link_libraries(workload${number}_${impl} PRIVATE ${lib} ${warnings})
    edi_link_gperftools(workload${number}_${impl})
  endif()
  # A glob, not if(EXISTS): adding the demo later makes the build reconfigure by itself.
  file(GLOB demo CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/lessons/${dir}/demo.cpp")
  if(demo AND NOT exclude)
    add_executable(demo${number}_${impl} "${demo}")
    target_link_libraries(demo${number}_${impl} PRIVATE ${lib} ${warnings})
  endif()
endfunction()

function(edi_lesson)
  cmake_parse_arguments(L "" "NUMBER;TOPIC;TIMEOUT"
                        "SOURCES;GRADERS;BENCHMARKS;SHARED_BENCHMARKS;WORKLOAD;LIBRARIES;STUB_PASSES;THREAD_GRADERS;ADDRESS_GRADERS;COMPILE_FAIL"
                        ${ARGN})
  set(number ${L_NUMBER})
  set(dir "${L_NUMBER}-${L_TOPIC}")
  set(timeout ${EDI_TEST_TIMEOUT})
  if(L_TIMEOUT AND NOT EDI_SANITIZE)
    set(timeout ${L_TIMEOUT})
  endif()
  set(tests_dir "${PROJECT_SOURCE_DIR}/tests/${dir}")

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
        target_include_directories(bench${number}_${impl}_objects PRIVATE "${tests_dir}")
        target_link_libraries(bench${number}_${impl}_objects PRIVATE lesson${number}_${impl} benchmark::benchmark
                              edi::test_support ${w})
        # The object library's private link to lessonNN_IMPL carries over as link-only, so the
        # binary links both implementations without compiling anything with both EDI_IMPL values.
        target_link_libraries(bench${number} PRIVATE bench${number}_${impl}_objects)
      endif()
    endforeach()
    if(benches)
      target_link_libraries(bench${number}_solutions PRIVATE bench${number}_solutions_objects)
    endif()
    foreach(b bench${number} bench${number}_solutions)
      target_include_directories(${b} PRIVATE "${tests_dir}")
      target_link_libraries(${b} PRIVATE benchmark::benchmark_main edi::test_support edi::core edi::strict)
    endforeach()
  endif()

  # Compile-fail cases: compile_fail.cpp built once per case, against the reference.
  set(misuse 0)
  foreach(case IN LISTS L_COMPILE_FAIL)
    set(target lesson${number}_compilefail_${misuse})
    add_library(${target} OBJECT EXCLUDE_FROM_ALL "${tests_dir}/compile_fail.cpp")
    target_compile_definitions(${target} PRIVATE EDI_MISUSE=${misuse})
    target_link_libraries(${target} PRIVATE lesson${number}_solutions edi::strict)
    set(will_fail TRUE)
    if(misuse EQUAL 0)
      set(will_fail FALSE)
    endif()
    set(name "lesson${number}.compilefail:${case}")
    add_test(NAME "${name}" COMMAND "${CMAKE_COMMAND}" --build "${CMAKE_BINARY_DIR}" --target ${target})
    # One build of the tree at a time: two ninja runs in one build directory trip over each other.
    set_tests_properties("${name}" PROPERTIES LABELS lesson${number}.compilefail WILL_FAIL ${will_fail}
                         RESOURCE_LOCK edi_build_tree TIMEOUT 120)
    math(EXPR misuse "${misuse} + 1")
  endforeach()

  # Mutants: the solution with one mistake put back, built only when `make test` asks.
  file(GLOB mutant_specs CONFIGURE_DEPENDS "${tests_dir}/mutants/*.mutant")
  file(GLOB solution_files CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}/solutions/${dir}"
       "${PROJECT_SOURCE_DIR}/solutions/${dir}/*")
  set(mutant_names "")
  if(EDI_MUTANTS)
    # What each grader file includes decides which of them a header mutant recompiles.
    set(search_dirs "${tests_dir}" "${PROJECT_SOURCE_DIR}/tests/support" "${PROJECT_SOURCE_DIR}/solutions/${dir}")
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
      list(TRANSFORM solution_files PREPEND "${root}/" OUTPUT_VARIABLE outputs)
      list(TRANSFORM solution_files PREPEND "${PROJECT_SOURCE_DIR}/solutions/${dir}/" OUTPUT_VARIABLE inputs)
      add_custom_command(
        OUTPUT ${outputs}
        COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/grade/mutate.py"
                "${PROJECT_SOURCE_DIR}/solutions/${dir}" "${spec}" "${root}"
        DEPENDS ${inputs} "${spec}" "${PROJECT_SOURCE_DIR}/tools/grade/mutate.py"
        COMMENT "Mutant ${dir}/${name}"
        VERBATIM)
      add_custom_target(mutant${number}_${name}_sources DEPENDS ${outputs})
      # Which files a spec changes decides how its grader is built: editing a spec reconfigures.
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${spec}")
      # A mutant that changes only .cpp files of a compiled lesson links the reference's grader
      # objects (same namespace, same headers): no GoogleTest code is compiled again for it. A
      # mutant of headers compiles, in its own namespace, only the grader files that include a
      # changed header (directly or not) and links the reference's objects of the others.
      file(STRINGS "${spec}" changed REGEX "^file:")
      set(cpp_only TRUE)
      set(changed_headers "")
      set(changed_sources "")
      foreach(line IN LISTS changed)
        string(REGEX REPLACE "^file:[ \t]*" "" changed_file "${line}")
        string(STRIP "${changed_file}" changed_file)
        if(changed_file MATCHES "\\.cpp$")
          list(APPEND changed_sources "${changed_file}")
        else()
          set(cpp_only FALSE)
          list(APPEND changed_headers "${changed_file}")
        endif()
      endforeach()
      if(cpp_only AND L_SOURCES)
        _edi_lesson_impl(${number} ${dir} mut_${name} "${root}" edi::learner TRUE solutions ALL "${changed_sources}")
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
        _edi_lesson_impl(${number} ${dir} mut_${name} "${root}" edi::learner TRUE mut_${name} "${unaffected}" "")
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
