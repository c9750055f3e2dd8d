# Fails the build when the firmware can throw. With -fno-exceptions a throw in the
# standard library (std::string_view::substr past the end, at(), std::function, new)
# does not vanish: it becomes a call to std::__throw_* or __cxa_throw, i.e. abort(),
# on the board a reset. So nothing may refer to one.
#   cmake -DNM=<nm> -DFILES="<archive or elf>;..." [-DMAP=<link map>] -P no_throw.cmake
# FILES are searched with nm for any symbol (defined or undefined) naming a throw;
# MAP, the final image's link map, is searched for library members pulled in to
# satisfy such a reference, and names the object that asked for it.
set(pattern "(__throw_|__cxa_throw|__cxa_allocate_exception|__cxa_begin_catch|__cxa_rethrow|_Unwind_RaiseException)")
set(found "")
foreach(file ${FILES})
  execute_process(COMMAND ${NM} -A ${file} OUTPUT_VARIABLE symbols ERROR_VARIABLE nm_err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "no-throw check: ${NM} failed on ${file}: ${nm_err}")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line ${lines})
    if(line MATCHES "${pattern}")
      list(APPEND found "${line}")
    endif()
  endforeach()
endforeach()
if(MAP)
  # "Archive member included to satisfy reference by file (symbol)": the member on
  # one line, the referring object and the (demangled) symbol on the next.
  file(STRINGS ${MAP} map_lines)
  set(previous "")
  foreach(line ${map_lines})
    if(line MATCHES "^[ \t]+[^ \t].* \\(.*${pattern}.*\\)$")
      string(STRIP "${line}" referrer)
      list(APPEND found "map: ${previous} <- ${referrer}")
    endif()
    set(previous "${line}")
  endforeach()
endif()
if(found)
  list(REMOVE_DUPLICATES found)
  list(LENGTH found n)
  string(REPLACE ";" "\n  " listing "${found}")
  message(FATAL_ERROR "no-throw check: ${n} reference(s) to a throwing path (use core/view.h's first/after/slice "
          "instead of substr, index instead of at()):\n  ${listing}")
endif()
message("no-throw check: no __throw_*/__cxa_throw in ${FILES}")
