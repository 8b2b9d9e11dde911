# Every C source and header of the project must be as clang-format (with the committed
# .clang-format) writes it.  Run by ctest as clang_format; fix with
#   clang-format -i $(git ls-files '*.c' '*.h')
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/src/*.c ${SOURCE_DIR}/src/*.h ${SOURCE_DIR}/include/*.h
  ${SOURCE_DIR}/cli/*.c ${SOURCE_DIR}/cli/*.h
  ${SOURCE_DIR}/tests/*.c ${SOURCE_DIR}/tests/*.h
  ${SOURCE_DIR}/fuzz/*.c ${SOURCE_DIR}/fuzz/*.h ${SOURCE_DIR}/bench/*.c)
set(unformatted "")
foreach(f ${sources})
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${f}
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    string(APPEND unformatted "  ${f}\n")
  endif()
endforeach()
list(LENGTH sources count)
if(unformatted)
  message(FATAL_ERROR "not clang-formatted (clang-format -i FILE):\n${unformatted}")
endif()
message(STATUS "${count} files clang-formatted")
