# libFuzzer targets: one executable per fuzz/<name>_fuzz.cc, all built by the `fuzz` target.
# Needs -DJOBSTREAM_FUZZ=ON and clang (cmake/Sanitizers.cmake instruments jobstream_core).
# Seed corpora: fuzz/corpus/<name>/; scripts/fuzz builds and runs them.
if(NOT JOBSTREAM_FUZZ)
  return()
endif()

file(GLOB JOBSTREAM_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/*_fuzz.cc)
add_custom_target(fuzz)
foreach(source IN LISTS JOBSTREAM_FUZZ_SOURCES)
  get_filename_component(name "${source}" NAME_WE)
  add_executable(${name} "${source}")
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE jobstream_core)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
  add_dependencies(fuzz ${name})
endforeach()
