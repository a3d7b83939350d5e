# The implementation registry.
#
# An implementation is a name, the include directories that provide its
# <event2/...> headers, the libraries to link, and the feature areas it
# claims. Every conformance suite is compiled once per implementation that
# claims its area; unclaimed areas are reported UNSUPPORTED by the harness.

set_property(GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS "")

function(evconform_add_implementation name)
  cmake_parse_arguments(PARSE_ARGV 1 IMPL "" "" "INCLUDE_DIRS;LIBRARIES;AREAS;ENVIRONMENT")
  if(NOT name MATCHES "^[A-Za-z][A-Za-z0-9_-]*$")
    message(FATAL_ERROR "evconform: implementation name '${name}' must match [A-Za-z][A-Za-z0-9_-]*")
  endif()
  get_property(known GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS)
  if(name IN_LIST known)
    message(FATAL_ERROR "evconform: implementation '${name}' is defined twice")
  endif()
  if(NOT IMPL_AREAS)
    message(FATAL_ERROR "evconform: implementation '${name}' claims no AREAS")
  endif()
  set_property(GLOBAL APPEND PROPERTY EVCONFORM_IMPLEMENTATIONS ${name})
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_INCLUDE_DIRS "${IMPL_INCLUDE_DIRS}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_LIBRARIES "${IMPL_LIBRARIES}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_AREAS "${IMPL_AREAS}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_ENVIRONMENT "${IMPL_ENVIRONMENT}")
endfunction()

# Writes the registry (names and claimed areas, in definition order) as JSON
# for the report generator, which marks unclaimed areas UNSUPPORTED.
function(evconform_write_registry path)
  get_property(impls GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS)
  set(items "")
  foreach(impl IN LISTS impls)
    get_property(areas GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_AREAS)
    list(JOIN areas "\", \"" joined)
    list(APPEND items "  {\"name\": \"${impl}\", \"areas\": [\"${joined}\"]}")
  endforeach()
  list(JOIN items ",\n" body)
  file(WRITE "${path}" "{\"implementations\": [\n${body}\n]}\n")
endfunction()
