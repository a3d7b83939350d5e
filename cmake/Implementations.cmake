# The implementation registry.
#
# An implementation is a name, the include directories that provide its
# <event2/...> headers, the libraries to link, and the feature areas it
# claims. Every conformance suite is compiled once per implementation that
# claims its area; unclaimed areas are reported UNSUPPORTED by the harness.
#
# EXPECTATIONS is its expectations file (default:
# ${EVCONFORM_EXPECTATIONS_DIR}/<name>.toml; a missing file expects PASS).
#
# LIBRARY_DIRS are linker search folders for LIBRARIES given by name, and
# the run path of every binary linked against it (so its tests run without
# LD_LIBRARY_PATH).
#
# BACKENDS names the kernel methods (epoll, poll, select, ...) to run the
# backend-dependent suites on, each as its own column "<impl>/<backend>",
# selected through libevent's EVENT_NO<METHOD> environment variables. Without
# BACKENDS those suites run once, on the implementation's default method.

set_property(GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS "")

# Stops the configure on a configuration error: the message is one line
# starting with "evconform: " at the start of a line (what the runner shows
# of a failed configure), unwrapped, then CMake's own error stops it.
function(evconform_config_error)
  string(JOIN "" msg ${ARGN})
  message(NOTICE "evconform: ${msg}")
  message(FATAL_ERROR "configuration stopped by the error above")
endfunction()

function(evconform_add_implementation name)
  cmake_parse_arguments(PARSE_ARGV 1 IMPL "" "EXPECTATIONS" "INCLUDE_DIRS;LIBRARY_DIRS;LIBRARIES;AREAS;ENVIRONMENT;BACKENDS")
  if(NOT name MATCHES "^[A-Za-z][A-Za-z0-9_-]*$")
    evconform_config_error("implementation name '${name}' must match [A-Za-z][A-Za-z0-9_-]*")
  endif()
  get_property(known GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS)
  if(name IN_LIST known)
    evconform_config_error("implementation '${name}' is defined twice")
  endif()
  if(NOT IMPL_AREAS)
    evconform_config_error("implementation '${name}' claims no AREAS")
  endif()
  set_property(GLOBAL APPEND PROPERTY EVCONFORM_IMPLEMENTATIONS ${name})
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_INCLUDE_DIRS "${IMPL_INCLUDE_DIRS}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_LIBRARIES "${IMPL_LIBRARIES}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_LIBRARY_DIRS "${IMPL_LIBRARY_DIRS}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_AREAS "${IMPL_AREAS}")
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_ENVIRONMENT "${IMPL_ENVIRONMENT}")
  if(NOT IMPL_EXPECTATIONS)
    set(IMPL_EXPECTATIONS "${EVCONFORM_EXPECTATIONS_DIR}/${name}.toml")
  endif()
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_EXPECTATIONS "${IMPL_EXPECTATIONS}")
  foreach(b IN LISTS IMPL_BACKENDS)
    if(NOT b MATCHES "^[a-z][a-z0-9]*$")
      evconform_config_error("implementation '${name}': backend '${b}' must match [a-z][a-z0-9]*")
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY EVCONFORM_IMPL_${name}_BACKENDS "${IMPL_BACKENDS}")
endfunction()

# Points a target at an implementation: its <event2/...> headers first (so
# they win over any other copy), its library folders (searched first, and
# the run path) and its libraries.
function(evconform_use_implementation target impl)
  get_property(incs GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_INCLUDE_DIRS)
  get_property(dirs GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_LIBRARY_DIRS)
  get_property(libs GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_LIBRARIES)
  target_include_directories(${target} BEFORE PRIVATE ${incs})
  if(dirs)
    target_link_directories(${target} BEFORE PRIVATE ${dirs})
    foreach(d IN LISTS dirs)
      target_link_options(${target} PRIVATE "LINKER:-rpath,${d}")
    endforeach()
  endif()
  target_link_libraries(${target} PRIVATE ${libs})
endfunction()

# Whether impl claims area (result in out).
function(evconform_claims out impl area)
  get_property(areas GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_AREAS)
  if(area IN_LIST areas)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

# A CMake string as a JSON string (quoted and escaped), for string(JSON).
function(_evconform_json_string out value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  string(REPLACE "\n" "\\n" value "${value}")
  string(REPLACE "\r" "\\r" value "${value}")
  string(REPLACE "\t" "\\t" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

# A CMake list as a JSON array of strings.
function(_evconform_json_list out)
  set(json "[]")
  set(i 0)
  foreach(item IN LISTS ARGN)
    _evconform_json_string(q "${item}")
    string(JSON json SET "${json}" ${i} "${q}")
    math(EXPR i "${i} + 1")
  endforeach()
  set(${out} "${json}" PARENT_SCOPE)
endfunction()

# Writes the registry as JSON for the toolkit (evconform/registry.py):
# implementations in definition order with their claimed areas, backends and
# expectations file, and the areas that run per backend. string(JSON) checks
# the document, so a name or path with quotes or backslashes stays valid.
# Call it after every suite has been added.
function(evconform_write_registry path)
  get_property(impls GLOBAL PROPERTY EVCONFORM_IMPLEMENTATIONS)
  get_property(per_backend GLOBAL PROPERTY EVCONFORM_PER_BACKEND_AREAS)
  set(list "[]")
  set(i 0)
  foreach(impl IN LISTS impls)
    get_property(areas GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_AREAS)
    get_property(backends GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_BACKENDS)
    get_property(expectations GLOBAL PROPERTY EVCONFORM_IMPL_${impl}_EXPECTATIONS)
    _evconform_json_string(name_q "${impl}")
    _evconform_json_string(expectations_q "${expectations}")
    _evconform_json_list(areas_q ${areas})
    _evconform_json_list(backends_q ${backends})
    set(item "{}")
    string(JSON item SET "${item}" name "${name_q}")
    string(JSON item SET "${item}" areas "${areas_q}")
    string(JSON item SET "${item}" backends "${backends_q}")
    string(JSON item SET "${item}" expectations "${expectations_q}")
    string(JSON list SET "${list}" ${i} "${item}")
    math(EXPR i "${i} + 1")
  endforeach()
  _evconform_json_list(per_backend_q ${per_backend})
  set(doc "{}")
  string(JSON doc SET "${doc}" implementations "${list}")
  string(JSON doc SET "${doc}" per_backend_areas "${per_backend_q}")
  file(WRITE "${path}" "${doc}\n")
endfunction()
