# Compares two replay drivers of the tls_read target input by input: each
# prints one trace line per input with EVC_TLS_TRACE set (events in order,
# delivered length and hash); any difference fails, naming the input.
#   cmake -DA=<replay> -DB=<replay> -DCORPUS=<dir> -P tls_compare.cmake
file(GLOB inputs "${CORPUS}/*")
set(differ 0)
foreach(input IN LISTS inputs)
  foreach(side A B)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env EVC_TLS_TRACE=1 ${${side}} ${input}
      OUTPUT_VARIABLE out_${side} ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "${input}: ${${side}} failed (${rc}): ${err}")
    endif()
  endforeach()
  if(NOT out_A STREQUAL out_B)
    math(EXPR differ "${differ} + 1")
    message(SEND_ERROR "${input}:\n  ${A}: ${out_A}  ${B}: ${out_B}")
  endif()
endforeach()
list(LENGTH inputs n)
message(STATUS "tls_compare: ${n} inputs, ${differ} differ")
