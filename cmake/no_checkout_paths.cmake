# Fails when the image's loadable bytes hold a path of the checkout: with
# -fmacro-prefix-map (CMakeLists.txt) the source files' names are relative, so the
# same sources give the same image wherever they are cloned. A target built without
# the flag, or a path baked in some other way, would make the image depend on it again.
execute_process(COMMAND ${OBJCOPY} -O binary ${ELF} ${ELF}.paths.bin RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "no_checkout_paths: ${OBJCOPY} failed on ${ELF}")
endif()
file(STRINGS ${ELF}.paths.bin strings)
file(REMOVE ${ELF}.paths.bin)
foreach(s IN LISTS strings)
  string(FIND "${s}" "${SOURCE_DIR}/" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "no_checkout_paths: the image holds a path of the checkout: ${s}")
  endif()
endforeach()
