# Compares two replay drivers of the tls_read target input by input: each
# prints one trace line per input with EVC_TLS_TRACE set, "events=...
# delivered=N fnv=H | order=...". The part before " | " (the events in
# order and the delivered bytes) must agree, except for the inputs named in
# KNOWN (a file of "input: reason" lines: known divergences, which must
# still differ -- a listed input that agrees fails too, so the list is
# kept true); a different order (where data came among the events) is
# printed as a note.
#   cmake -DA=<replay> -DB=<replay> -DCORPUS=<dir> [-DKNOWN=<file>] -P tls_compare.cmake
cmake_minimum_required(VERSION 3.25)
file(GLOB inputs "${CORPUS}/*")
set(known "")
if(KNOWN)
  file(STRINGS "${KNOWN}" lines REGEX "^[^#].*: ")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE ":.*" "" name "${line}")
    list(APPEND known "${name}")
  endforeach()
endif()
set(differ 0)
foreach(input IN LISTS inputs)
  foreach(side A B)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env EVC_TLS_TRACE=1 ${${side}} ${input}
      OUTPUT_VARIABLE out_${side} ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "${input}: ${${side}} failed (${rc}): ${err}")
    endif()
    string(REGEX MATCH "events=[^\n]*" line_${side} "${out_${side}}")
    string(REGEX REPLACE " \\| .*" "" strict_${side} "${line_${side}}")
  endforeach()
  get_filename_component(name "${input}" NAME)
  if(NOT strict_A STREQUAL strict_B)
    math(EXPR differ "${differ} + 1")
    if(name IN_LIST known)
      message(STATUS "${name}: known divergence:\n  A: ${line_A}\n  B: ${line_B}")
    else()
      message(SEND_ERROR "${name}:\n  A ${A}: ${line_A}\n  B ${B}: ${line_B}")
    endif()
  elseif(name IN_LIST known)
    message(SEND_ERROR "${name}: listed in ${KNOWN} but both agree now: remove it")
  elseif(NOT line_A STREQUAL line_B)
    message(STATUS "${name}: same events and bytes, another order:\n  A: ${line_A}\n  B: ${line_B}")
  endif()
endforeach()
list(LENGTH inputs n)
message(STATUS "tls_compare: ${n} inputs, ${differ} with other events or bytes")
