# evconform_add_suite(<area> SOURCES <files...> [KIND <kind>] [PER_BACKEND])
#
# Compiles the same test sources once per implementation that claims <area>
# (binary <kind>_<area>_<impl>) and describes each binary, once per column,
# in <build>/evconform-suites.json, the engine's manifest
# (evconform/engine.py): the column is the implementation's name or, for a
# PER_BACKEND suite, "<impl>/<backend>" for each backend the implementation
# declares (the same binary, run with that method selected). The engine
# lists the tests from the binary and runs them in batches with per-test
# timeouts and exact crash isolation (tools/evconform). CTest gets one test
# per binary and column, "<column>.<binary>", which runs that binary's
# tests through the same engine (python3 -m evconform.batch) and fails when
# any result differs from the expectations. Labels: impl:<impl>,
# area:<area>, kind:<kind>, column:<column> (CTest's -L is a regular
# expression: anchor it, -L '^impl:libevent$').
#
# Each implementation also gets a probe, evc_probe_<impl>
# (harness/probe/probe.c), which reports its version and library for the
# report's metadata.

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
    _evconform_add_probe(${impl})
    target_compile_definitions(${exe} PRIVATE EVC_IMPL_NAME="${impl}")
    # Test code needs no optimiser: -O0 halves the suites' compile time
    # (the largest part of a build). The implementation under test keeps
    # its own flags.
    target_compile_options(${exe} PRIVATE -O0)
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
  else()
    set(column "${impl}")
  endif()
  get_property(expectations GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_EXPECTATIONS)
  set(doc "{}")
  foreach(key_value "target;${exe}" "binary;$<TARGET_FILE:${exe}>" "impl;${impl}"
                    "backend;${backend}" "column;${column}" "area;${area}" "kind;${kind}"
                    "expectations;${expectations}" "timeout;${EVCONFORM_TEST_TIMEOUT}")
    list(GET key_value 0 key)
    list(SUBLIST key_value 1 -1 value)
    _evconform_json_string(q "${value}")
    string(JSON doc SET "${doc}" ${key} "${q}")
  endforeach()
  _evconform_json_list(env_q ${env})
  string(JSON doc SET "${doc}" env "${env_q}")
  set_property(GLOBAL APPEND PROPERTY EVCONFORM_SUITE_DOCS "${doc}")

  add_test(NAME "${column}.${exe}"
    COMMAND ${EVCONFORM_PYTHON} evconform.batch --build "${CMAKE_BINARY_DIR}"
            --column "${column}" --target "${exe}")
  set_tests_properties("${column}.${exe}" PROPERTIES
    LABELS "impl:${impl};area:${area};kind:${kind};column:${column}"
    TIMEOUT 3600 ENVIRONMENT "${EVCONFORM_PYTHON_ENV}")
endfunction()

# The probe of an implementation: one small program built against it.
function(_evconform_add_probe impl)
  if(TARGET evc_probe_${impl})
    return()
  endif()
  add_executable(evc_probe_${impl} "${CMAKE_SOURCE_DIR}/harness/probe/probe.c")
  evconform_use_implementation(evc_probe_${impl} ${impl})
  target_link_libraries(evc_probe_${impl} PRIVATE ${CMAKE_DL_LIBS})
  _evconform_json_string(q "$<TARGET_FILE:evc_probe_${impl}>")
  set_property(GLOBAL APPEND PROPERTY EVCONFORM_PROBE_DOCS "${impl};${q}")
  # The API probe: which of libevent's public functions the implementation's
  # libraries provide (-u per name pulls archive members, exported again for
  # dlsym); its compile command also gives the report the implementation's
  # header search path (evconform/api.py).
  add_executable(evc_api_${impl} "${EVCONFORM_API_DIR}/api_probe.c")
  set_target_properties(evc_api_${impl} PROPERTIES ENABLE_EXPORTS ON)
  evconform_use_implementation(evc_api_${impl} ${impl})
  target_link_libraries(evc_api_${impl} PRIVATE ${CMAKE_DL_LIBS})
  target_link_options(evc_api_${impl} PRIVATE "@${EVCONFORM_API_DIR}/api_probe.ld")
  set_property(TARGET evc_api_${impl} APPEND PROPERTY LINK_DEPENDS "${EVCONFORM_API_DIR}/api_probe.ld")
  _evconform_json_string(q "$<TARGET_FILE:evc_api_${impl}>")
  set_property(GLOBAL APPEND PROPERTY EVCONFORM_API_PROBE_DOCS "${impl};${q}")
endfunction()

# Writes the manifest once every suite is known (deferred to the end of the
# top directory). Binary paths are generator expressions: file(GENERATE).
function(_evconform_write_suites)
  get_property(docs GLOBAL PROPERTY EVCONFORM_SUITE_DOCS)
  get_property(probes GLOBAL PROPERTY EVCONFORM_PROBE_DOCS)
  set(list "[]")
  set(i 0)
  foreach(doc IN LISTS docs)
    string(JSON list SET "${list}" ${i} "${doc}")
    math(EXPR i "${i} + 1")
  endforeach()
  set(probe_map "{}")
  while(probes)
    list(POP_FRONT probes impl q)
    string(JSON probe_map SET "${probe_map}" "${impl}" "${q}")
  endwhile()
  get_property(api_probes GLOBAL PROPERTY EVCONFORM_API_PROBE_DOCS)
  set(api_map "{}")
  while(api_probes)
    list(POP_FRONT api_probes impl q)
    string(JSON api_map SET "${api_map}" "${impl}" "${q}")
  endwhile()
  _evconform_json_string(results_q "${EVCONFORM_RESULTS_DIR}")
  set(valgrind "")
  if(EVCONFORM_VALGRIND)
    set(valgrind "${VALGRIND_EXECUTABLE}")
  endif()
  _evconform_json_string(valgrind_q "${valgrind}")
  set(asan false)
  if("${CMAKE_CXX_FLAGS}" MATCHES "-fsanitize=[^ ]*address")
    set(asan true)
  endif()
  set(tsan false)
  if("${CMAKE_CXX_FLAGS}" MATCHES "-fsanitize=[^ ]*thread")
    set(tsan true)
  endif()
  _evconform_json_string(type_q "${CMAKE_BUILD_TYPE}")
  set(build "{}")
  string(JSON build SET "${build}" asan ${asan})
  string(JSON build SET "${build}" tsan ${tsan})
  string(JSON build SET "${build}" build_type "${type_q}")
  set(doc "{}")
  string(JSON doc SET "${doc}" suites "${list}")
  string(JSON doc SET "${doc}" probes "${probe_map}")
  string(JSON doc SET "${doc}" api_probes "${api_map}")
  string(JSON doc SET "${doc}" results_dir "${results_q}")
  string(JSON doc SET "${doc}" valgrind "${valgrind_q}")
  string(JSON doc SET "${doc}" build "${build}")
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/evconform-suites.json" CONTENT "${doc}\n")
endfunction()
cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _evconform_write_suites)
