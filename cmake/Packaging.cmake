# Install rules and the Debian package (CPack). The files themselves are in packaging/; what
# each one is for, and what removing or purging the package leaves, is in README.md ("Deploy",
# "Clean up") and docs/RELEASE.md.
#
# Layout (the same for `cmake --install build --prefix /usr` and the .deb, whose prefix is /usr):
#   <prefix>/bin/jobstream                      stripped in the .deb
#   /etc/jobstream/jobstream.toml               the default configuration (a conffile)
#   /etc/jobstream/request-model.json           the reference request model, to copy and edit (a conffile)
#   /lib/systemd/system/jobstream.service       the sandboxed unit (DynamicUser=, StateDirectory=)
#   <prefix>/share/man/man1/jobstream.1.gz
#   <prefix>/share/doc/jobstream/copyright      machine-readable (DEP-5)
#   <prefix>/share/doc/jobstream/changelog.gz   CHANGELOG.md's releases in Debian's format
# The configuration and the unit are system files with fixed absolute paths: the unit runs
# /usr/bin/jobstream, so a service install uses --prefix /usr (other prefixes get a warning).
#
# `cmake --build build --target deb` (or `cpack -G DEB` in the build directory once the binary
# is built) writes build/jobstream_<version>_<arch>.deb; scripts/package-check builds, lints,
# installs and purges it.

include(GNUInstallDirs)

set(JOBSTREAM_PACKAGING_DIR "${CMAKE_CURRENT_SOURCE_DIR}/packaging")
set(JOBSTREAM_PACKAGING_OUT "${CMAKE_CURRENT_BINARY_DIR}/packaging")
# A reserved .invalid domain until the project has an address that answers (lintian rejects
# .local); a real one is set with -DJOBSTREAM_PACKAGE_MAINTAINER="Name <address>".
set(JOBSTREAM_PACKAGE_MAINTAINER "jobstream maintainers <maintainers@jobstream.invalid>" CACHE STRING
    "Maintainer of the .deb and of its changelog entries")
set(JOBSTREAM_MAINTAINER "${JOBSTREAM_PACKAGE_MAINTAINER}")
file(MAKE_DIRECTORY "${JOBSTREAM_PACKAGING_OUT}")

# Files generated from the sources at configure time; editing a source re-runs the configure step.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${CMAKE_CURRENT_SOURCE_DIR}/CHANGELOG.md"
  "${CMAKE_CURRENT_SOURCE_DIR}/config/jobstream.example.toml"
  "${JOBSTREAM_PACKAGING_DIR}/jobstream.1")

find_program(JOBSTREAM_GZIP gzip)
if(NOT JOBSTREAM_GZIP)
  message(WARNING "gzip not found: jobstream's install rules and package are disabled")
  return()
endif()

# gzip -9n: no name or timestamp in the header, so the package is reproducible (lintian checks).
function(jobstream_gzip input output)
  execute_process(COMMAND "${JOBSTREAM_GZIP}" -9nc "${input}"
                  OUTPUT_FILE "${output}" COMMAND_ERROR_IS_FATAL ANY)
endfunction()

# The default configuration: the example with the service's data directory, which must be the
# unit's StateDirectory= (the only place the sandbox lets the server write).
file(READ "${CMAKE_CURRENT_SOURCE_DIR}/config/jobstream.example.toml" _example)
string(REGEX REPLACE "\ndata_dir = \"[^\"\n]*\"" "\ndata_dir = \"/var/lib/jobstream\"  # the unit's StateDirectory=; keep it"
       _config "${_example}")
if(_config STREQUAL _example)
  message(FATAL_ERROR "config/jobstream.example.toml has no top-level data_dir line to replace")
endif()
file(WRITE "${JOBSTREAM_PACKAGING_OUT}/jobstream.toml"
"# /etc/jobstream/jobstream.toml: the configuration of jobstream.service. After an edit,
# `systemctl restart jobstream`. The package keeps local changes on upgrade (a conffile).
#
${_config}")

# Day of the week (0 = Sunday) of a date, by Zeller's congruence.
function(jobstream_weekday year month day out)
  if(month LESS 3)
    math(EXPR month "${month} + 12")
    math(EXPR year "${year} - 1")
  endif()
  math(EXPR h "(${day} + (13 * (${month} + 1)) / 5 + ${year} % 100 + (${year} % 100) / 4
              + (${year} / 100) / 4 + 5 * (${year} / 100)) % 7")
  # Zeller counts from Saturday.
  math(EXPR weekday "(${h} + 6) % 7")
  set(${out} ${weekday} PARENT_SCOPE)
endfunction()

# CHANGELOG.md (Keep a Changelog) -> Debian changelog, which lintian requires of a native
# package in /usr/share/doc/jobstream/changelog.gz. Each released version becomes one entry
# ("## [1.2.3] - 2026-11-27"), each section ("### Added") a line "  Added:" above its items, each
# list item a "  * " item; Unreleased is left out.
function(jobstream_debian_changelog markdown output)
  # One list element per line. ";" would split a line and "[" "]" would glue lines together
  # (CMake lists do not split inside brackets): they travel as placeholders.
  file(READ "${markdown}" text)
  string(REPLACE ";" "<SC>" text "${text}")
  string(REPLACE "[" "<LB>" text "${text}")
  string(REPLACE "]" "<RB>" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(weekdays Sun Mon Tue Wed Thu Fri Sat)
  set(months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
  set(result "")
  set(entry "")        # the entry being built; "" while outside a released version
  set(trailer "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^## ")
      string(APPEND result "${entry}${trailer}")
      set(entry "")
      set(trailer "")
      if(line MATCHES "^## <LB>([0-9][0-9A-Za-z.+~-]*)<RB> - ([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])$")
        set(version "${CMAKE_MATCH_1}")
        set(year "${CMAKE_MATCH_2}")
        math(EXPR month "${CMAKE_MATCH_3}")
        math(EXPR day "${CMAKE_MATCH_4}")
        jobstream_weekday(${year} ${month} ${day} weekday)
        list(GET weekdays ${weekday} weekday_name)
        math(EXPR month_index "${month} - 1")
        list(GET months ${month_index} month_name)
        if(day LESS 10)
          set(day "0${day}")
        endif()
        set(entry "jobstream (${version}) stable; urgency=medium\n")
        set(trailer "\n\n -- ${JOBSTREAM_MAINTAINER}  ${weekday_name}, ${day} ${month_name} ${year} 00:00:00 +0000\n\n")
      elseif(NOT line MATCHES "^## <LB>Unreleased<RB>")
        message(FATAL_ERROR "${markdown}: a version heading must read \"## [1.2.3] - YYYY-MM-DD\": ${line}")
      endif()
    elseif(entry STREQUAL "")
      # The introduction, or the Unreleased section.
    elseif(line MATCHES "^### (.+)$")
      set(section "${CMAKE_MATCH_1}")
      if(entry MATCHES "urgency=medium\n$")
        string(APPEND entry "\n  ${section}:")
      else()
        string(APPEND entry "\n\n  ${section}:")
      endif()
    elseif(line MATCHES "^- (.*)$")
      string(APPEND entry "\n  * ${CMAKE_MATCH_1}")
    elseif(line MATCHES "^  +(.*)$")
      string(APPEND entry "\n    ${CMAKE_MATCH_1}")
    endif()
  endforeach()
  string(APPEND result "${entry}${trailer}")
  string(REPLACE "<SC>" ";" result "${result}")
  string(REPLACE "<LB>" "[" result "${result}")
  string(REPLACE "<RB>" "]" result "${result}")
  string(STRIP "${result}" result)
  if(result STREQUAL "")
    message(FATAL_ERROR "${markdown} has no released version (\"## [1.2.3] - YYYY-MM-DD\")")
  endif()
  file(WRITE "${output}" "${result}\n")
endfunction()

jobstream_debian_changelog("${CMAKE_CURRENT_SOURCE_DIR}/CHANGELOG.md" "${JOBSTREAM_PACKAGING_OUT}/changelog")
jobstream_gzip("${JOBSTREAM_PACKAGING_OUT}/changelog" "${JOBSTREAM_PACKAGING_OUT}/changelog.gz")
jobstream_gzip("${JOBSTREAM_PACKAGING_DIR}/jobstream.1" "${JOBSTREAM_PACKAGING_OUT}/jobstream.1.gz")

# Full RELRO for the packaged binary (lintian's hardening check): link flags only, so nothing
# is recompiled.
target_link_options(jobstream PRIVATE "LINKER:-z,relro" "LINKER:-z,now")

# Install rules. `install` and `cpack` do not build `all` first (tests and benchmarks have no
# place in the package): build the binary, then package it, e.g. with the `deb` target below.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(TARGETS jobstream RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES "${JOBSTREAM_PACKAGING_OUT}/jobstream.toml" DESTINATION /etc/jobstream)
install(FILES "${CMAKE_CURRENT_SOURCE_DIR}/config/request-model.json" DESTINATION /etc/jobstream)
install(FILES "${JOBSTREAM_PACKAGING_DIR}/jobstream.service" DESTINATION /lib/systemd/system)
install(FILES "${JOBSTREAM_PACKAGING_OUT}/jobstream.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES "${JOBSTREAM_PACKAGING_DIR}/copyright" "${JOBSTREAM_PACKAGING_OUT}/changelog.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")
# Lintian overrides, if the package ever needs one: each preceded by a "# reason" comment line.
if(EXISTS "${JOBSTREAM_PACKAGING_DIR}/lintian-overrides")
  install(FILES "${JOBSTREAM_PACKAGING_DIR}/lintian-overrides"
          DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides" RENAME jobstream)
endif()
install(CODE "
  if(NOT CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    message(WARNING \"jobstream.service runs /usr/bin/jobstream, but the prefix is \${CMAKE_INSTALL_PREFIX}: use --prefix /usr to install the service\")
  endif()")

# The Debian package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME jobstream)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${JOBSTREAM_MAINTAINER}")
set(CPACK_PACKAGE_VENDOR "jobstream")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "asynchronous job API with SigV4 auth and a change stream")
set(CPACK_PACKAGE_DESCRIPTION
"jobstream is the asynchronous job API pattern in one self-hosted binary.
It verifies AWS Signature Version 4 signatures as API Gateway does, stores
every job durably in an embedded SQLite database before it answers, appends
a DynamoDB-Streams-shaped record for every change, and runs consumers that
read that stream, invoke functions and write the outcome back onto the job.
.
This package runs it as a sandboxed systemd service listening on
127.0.0.1:8080, with its data in /var/lib/jobstream.")
# Everything under the /usr prefix, whatever the build directory was configured with; the
# absolute paths (/etc, /lib) go into the package too, not onto the build machine.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${JOBSTREAM_PACKAGING_DIR}/deb/conffiles"
  "${JOBSTREAM_PACKAGING_DIR}/deb/postinst"
  "${JOBSTREAM_PACKAGING_DIR}/deb/prerm"
  "${JOBSTREAM_PACKAGING_DIR}/deb/postrm")
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS ${CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS})
include(CPack)

# `cmake --build build --target deb`: the binary, then build/jobstream_<version>_<arch>.deb.
add_custom_target(deb
  COMMAND "${CMAKE_CPACK_COMMAND}" -G DEB --config "${CMAKE_CURRENT_BINARY_DIR}/CPackConfig.cmake"
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}"
  COMMENT "Building the Debian package"
  VERBATIM)
add_dependencies(deb jobstream)
