# Sanitizer and static thread-safety builds with clang (docs/RELIABILITY.md, scripts/sanitize).
# Included before any target is defined, so the flags reach every object of the build.
#
#   -DJOBSTREAM_SANITIZE=address,undefined   ASan + UBSan (scripts/sanitize: build-asan/)
#   -DJOBSTREAM_SANITIZE=thread              TSan (scripts/sanitize: build-tsan/)
#   -DJOBSTREAM_FUZZ=ON                      libFuzzer targets in fuzz/ (cmake/Fuzz.cmake): every
#                                            object gets ASan + UBSan and libFuzzer's coverage
#                                            instrumentation (scripts/fuzz: build-fuzz/)
# Any clang build also runs the thread-safety analysis over the annotated classes
# (common/thread_annotations.h) and fails on its findings. The default build (g++) is unchanged.

set(JOBSTREAM_SANITIZE "" CACHE STRING
    "Sanitizers to build with (clang's -fsanitize= list, e.g. address,undefined or thread); empty: none")
option(JOBSTREAM_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

set(_jobstream_is_clang FALSE)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(_jobstream_is_clang TRUE)
endif()

if(_jobstream_is_clang)
  add_compile_options(-Wthread-safety -Werror=thread-safety)
endif()

set(_jobstream_sanitizers "${JOBSTREAM_SANITIZE}")
if(JOBSTREAM_FUZZ)
  if(_jobstream_sanitizers STREQUAL "")
    set(_jobstream_sanitizers "address,undefined")
  endif()
  if(_jobstream_sanitizers MATCHES "thread")
    message(FATAL_ERROR "JOBSTREAM_FUZZ runs with ASan/UBSan; build TSan separately")
  endif()
endif()

if(NOT _jobstream_sanitizers STREQUAL "")
  if(NOT _jobstream_is_clang)
    message(FATAL_ERROR "JOBSTREAM_SANITIZE/JOBSTREAM_FUZZ need clang: -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  # -fno-sanitize-recover: every UBSan finding aborts, so a test or fuzz run cannot pass over one.
  set(_jobstream_sanitize_flags -fsanitize=${_jobstream_sanitizers} -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options(${_jobstream_sanitize_flags})
  add_link_options(${_jobstream_sanitize_flags})
  message(STATUS "jobstream: sanitizers ${_jobstream_sanitizers}")
endif()

if(JOBSTREAM_FUZZ)
  # Coverage feedback for libFuzzer in every object; the fuzz targets add -fsanitize=fuzzer at
  # link time (its main()).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
