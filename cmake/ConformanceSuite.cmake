# evconform_add_suite(<area> SOURCES <files...> [KIND <kind>] [PER_BACKEND])
#
# Compiles the same test sources once per implementation that claims <area>
# (binary <kind>_<area>_<impl>) and registers every GoogleTest case with CTest
# as "<column>.<Suite>.<Case>", run through the harness launcher
# (evconform/run_test.py): one process per case, a timeout, the result compared
# with the implementation's expectations, and a result record written for the
# report. The column is the implementation's name or, for a PER_BACKEND suite,
# "<impl>/<backend>" for each backend the implementation declares (the same
# binary, run with that method selected). Labels: impl:<impl>, area:<area>,
# kind:<kind>, column:<column>.

set(EVCONFORM_RESULTS_DIR "${CMAKE_BINARY_DIR}/results" CACHE PATH
    "Where the harness writes one result record per test and implementation")
set(EVCONFORM_EXPECTATIONS_DIR "${CMAKE_SOURCE_DIR}/harness/expectations" CACHE PATH
    "Folder holding <impl>.toml expectation files")

function(evconform_add_suite area)
  cmake_parse_arguments(PARSE_ARGV 1 SUITE "PER_BACKEND" "KIND" "SOURCES")
  if(NOT SUITE_KIND)
    set(SUITE_KIND conformance)
  endif()
  get_property(per_backend_areas GLOBAL PROPERTY EVCONFORM_PER_BACKEND_AREAS)
  if(SUITE_PER_BACKEND AND NOT area IN_LIST per_backend_areas)
    set_property(GLOBAL APPEND PROPERTY EVCONFORM_PER_BACKEND_AREAS ${area})
  endif()
  get_property(impls GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS)
  foreach(impl IN LISTS impls)
    evconform_claims(claimed ${impl} ${area})
    if(NOT claimed)
      continue()
    endif()
    get_property(env GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_ENVIRONMENT)
    set(exe ${SUITE_KIND}_${area}_${impl})
    add_executable(${exe} ${SUITE_SOURCES})
    evconform_use_implementation(${exe} ${impl})
    target_link_libraries(${exe} PRIVATE evc_common GTest::gtest)
    target_compile_definitions(${exe} PRIVATE EVC_IMPL_NAME="${impl}")
    get_property(backends GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_BACKENDS)
    if(SUITE_PER_BACKEND AND backends)
      foreach(backend IN LISTS backends)
        evconform_register_tests(${exe} ${impl} "${backend}" ${area} ${SUITE_KIND} "${env}")
      endforeach()
    else()
      evconform_register_tests(${exe} ${impl} "" ${area} ${SUITE_KIND} "${env}")
    endif()
  endforeach()
endfunction()

function(evconform_register_tests exe impl backend area kind env)
  if(backend)
    set(column "${impl}/${backend}")
    set(ctest_file "${CMAKE_CURRENT_BINARY_DIR}/${exe}_${backend}_tests.cmake")
  else()
    set(column "${impl}")
    set(ctest_file "${CMAKE_CURRENT_BINARY_DIR}/${exe}_tests.cmake")
  endif()
  get_property(expectations GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_EXPECTATIONS)
  set(launcher ${EVCONFORM_PYTHON} evconform.run_test
      --impl ${impl} --area ${area} --kind ${kind}
      --expectations "${expectations}"
      --results "${EVCONFORM_RESULTS_DIR}"
      --timeout ${EVCONFORM_TEST_TIMEOUT})
  if(EVCONFORM_VALGRIND)
    list(APPEND launcher --valgrind "${VALGRIND_EXECUTABLE}")
  endif()
  if(backend)
    list(APPEND launcher --backend ${backend})
  endif()
  foreach(kv IN LISTS env)
    list(APPEND launcher --env "${kv}")
  endforeach()
  math(EXPR ctest_timeout "${EVCONFORM_TEST_TIMEOUT} * 3")
  if(EVCONFORM_VALGRIND)
    math(EXPR ctest_timeout "${ctest_timeout} * 10")
  endif()
  # The tests are registered when the binary is linked (POST_BUILD below):
  # a stamp of how they are run, rewritten only when it changes, relinks the
  # binary, so an existing build tree picks up a new launcher command.
  file(CONFIGURE OUTPUT "${ctest_file}.launcher" @ONLY
    CONTENT "${launcher}\n${EVCONFORM_PYTHON_ENV}\n${ctest_timeout}\n")
  set_property(TARGET ${exe} APPEND PROPERTY LINK_DEPENDS "${ctest_file}.launcher")
  add_custom_command(TARGET ${exe} POST_BUILD
    COMMAND "${CMAKE_COMMAND}"
      -D "EXE=$<TARGET_FILE:${exe}>"
      -D "OUT=${ctest_file}"
      -D "PREFIX=${column}."
      -D "LABELS=impl:${impl};area:${area};kind:${kind};column:${column}"
      -D "TIMEOUT=${ctest_timeout}"
      -D "ENVIRONMENT=${EVCONFORM_PYTHON_ENV}"
      -D "LAUNCHER=${launcher}"
      -P "${CMAKE_SOURCE_DIR}/cmake/DiscoverTests.cmake"
    BYPRODUCTS "${ctest_file}"
    VERBATIM)
  string(REPLACE ".cmake" "_include.cmake" include_file "${ctest_file}")
  file(WRITE "${include_file}"
    "if(EXISTS \"${ctest_file}\")\n  include(\"${ctest_file}\")\n"
    "else()\n  add_test(${column}.${exe}_NOT_BUILT ${exe}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
