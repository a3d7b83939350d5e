# The toolkit's Python tools are modules of one package, evconform/ in the
# source tree: every command runs `python3 -m evconform.<tool>` with the
# source tree on PYTHONPATH (no tool changes its own import path).
set(EVCONFORM_PYTHON "${Python3_EXECUTABLE}" -m)
set(EVCONFORM_PYTHON_ENV "PYTHONPATH=${CMAKE_SOURCE_DIR}")
# For commands CMake runs itself (configure, custom targets), which take no
# environment property.
set(EVCONFORM_PYTHON_COMMAND "${CMAKE_COMMAND}" -E env "${EVCONFORM_PYTHON_ENV}" ${EVCONFORM_PYTHON})

# evconform_add_python_test(<name> <module> [ARGS ...] [LABELS ...] [TIMEOUT s] [ENVIRONMENT ...])
# A CTest test running a module of the package.
function(evconform_add_python_test name module)
  cmake_parse_arguments(PARSE_ARGV 2 TEST "" "TIMEOUT" "ARGS;LABELS;ENVIRONMENT")
  add_test(NAME ${name} COMMAND ${EVCONFORM_PYTHON} ${module} ${TEST_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${TEST_LABELS}" TIMEOUT ${TEST_TIMEOUT}
    ENVIRONMENT "${EVCONFORM_PYTHON_ENV};${TEST_ENVIRONMENT}")
endfunction()
