# Fails when a function the build puts in front of mbedTLS's with --wrap
# (cmake/third_party.cmake, probebox_wrap_mbedtls) is called from nowhere in the image:
# then mbedTLS calls its own function, and what the wrap adds is gone without a sign.
# For the RSA public exponent that is a bound a hostile server's key could exceed
# (firmware/net/mbedtls_public_exp.c). Link-time optimisation, an mbedTLS upgrade that
# moves a call next to its callee, or a compiler that inlines it across the archive
# would each do that; the unit tests see it on the host, the system tests see only the
# exponent bound on the image and only when they run, and this sees every wrap at every
# link of the image.
# It asks for one call to each wrap, not that every call of mbedTLS's goes through it:
# a wrap reached from some callers and not others passes here (the unit tests of each
# wrap say what it must give).
#   cmake -DOBJDUMP=<objdump> -DELF=<image> -DWRAPS="<symbol>;..." -P wraps_in_force.cmake
if(NOT WRAPS)
  message(FATAL_ERROR "wraps_in_force: no wrapped symbol given")
endif()
execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn ${ELF}
                OUTPUT_VARIABLE disassembly RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "wraps_in_force: ${OBJDUMP} failed on ${ELF}")
endif()
set(missing "")
foreach(symbol IN LISTS WRAPS)
  # A branch or call names its target as "<symbol>" at the end of its line; the
  # function's own label ends in ">:".
  string(FIND "${disassembly}" "<__wrap_${symbol}>\n" at)
  if(at EQUAL -1)
    list(APPEND missing ${symbol})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "wraps_in_force: nothing in ${ELF} calls the wrap of: ${missing} "
                      "(mbedTLS calls its own function instead)")
endif()
list(LENGTH WRAPS count)
message(STATUS "wraps check: ${ELF} calls each of its ${count} wraps of mbedTLS functions")
