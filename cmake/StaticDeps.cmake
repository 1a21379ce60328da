# SPDX-License-Identifier: Apache-2.0
# Static dependencies (issue 6, "start-up"): the executables link the third-party libraries from
# the .a archives of the Debian -dev packages (scripts/install-deps) instead of their shared
# objects, so a process start maps and relocates no shared library but libc, libm and ld.so.
# On the Firecracker VM a page fault costs 25-30 us, and each shared library costs a dozen or
# more of them at start (docs/benchmarks.md, issue 6, "Session 6, start-up").
#
# Included by the top-level CMakeLists.txt after the find_package/pkg_check_modules calls and
# before add_subdirectory(src). It rewrites the imported targets (SQLite::SQLite3, OpenSSL::*,
# Boost::*, PkgConfig::*) to point at the archives, so every module keeps linking them by the
# same names; spdlog, fmt and toml++ (Debian ships no archive) switch to their header-only modes.
# libcurl and GMime stay shared and are still loaded with dlopen on first use (curl_loader.cc,
# gmime_api.cc); `bouncewatch` loads libcrypto the same way (src/crypto, BW_LAZY_LIBCRYPTO), while
# the tests link this archive.
# Off under the sanitizers and libFuzzer, which bring their own runtime link rules.

# On by default since session 7: the whole test suite passes with it (fresh-clone .ci/run), and
# it removes about a third of the start of every command (docs/benchmarks.md, issue 6).
# -DBW_STATIC_DEPS=OFF links the shared objects as before.
option(BW_STATIC_DEPS "Link third-party libraries statically into the executables" ON)

if(NOT BW_STATIC_DEPS)
  return()
endif()
if(BW_SANITIZE OR BW_LIBFUZZER)
  message(STATUS "BW_STATIC_DEPS: off under BW_SANITIZE/BW_LIBFUZZER (shared dependencies)")
  return()
endif()

# bw_static_archive(<var> <archive file name> <Debian package>): the archive's path or a clear
# configuration error naming the package that ships it.
function(bw_static_archive var file package)
  find_library(${var} NAMES ${file})
  if(NOT ${var})
    message(FATAL_ERROR "BW_STATIC_DEPS: ${file} not found (Debian package ${package}; "
                        "run scripts/install-deps, or configure with -DBW_STATIC_DEPS=OFF)")
  endif()
endfunction()

# Points an imported library target (UNKNOWN/SHARED IMPORTED, with IMPORTED_LOCATION or
# IMPORTED_LOCATION_<CONFIG>) at an archive.
function(bw_use_archive target archive)
  set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION "${archive}")
  get_target_property(_configs ${target} IMPORTED_CONFIGURATIONS)
  if(_configs)
    foreach(_config IN LISTS _configs)
      string(TOUPPER "${_config}" _config)
      set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION_${_config} "${archive}")
    endforeach()
  endif()
endfunction()

bw_static_archive(BW_STATIC_SQLITE3 libsqlite3.a libsqlite3-dev)
bw_static_archive(BW_STATIC_CRYPTO libcrypto.a libssl-dev)
bw_static_archive(BW_STATIC_SSL libssl.a libssl-dev)
bw_static_archive(BW_STATIC_BOOST_JSON libboost_json.a libboost-json1.81-dev)
bw_static_archive(BW_STATIC_BOOST_URL libboost_url.a libboost-url1.81-dev)
bw_static_archive(BW_STATIC_IDN2 libidn2.a libidn2-dev)
bw_static_archive(BW_STATIC_UNISTRING libunistring.a libunistring-dev)
bw_static_archive(BW_STATIC_PCRE2 libpcre2-8.a libpcre2-dev)
bw_static_archive(BW_STATIC_ZSTD libzstd.a libzstd-dev)
bw_static_archive(BW_STATIC_NETTLE libnettle.a nettle-dev)

bw_use_archive(SQLite::SQLite3 "${BW_STATIC_SQLITE3}")
set_property(TARGET SQLite::SQLite3 APPEND PROPERTY INTERFACE_LINK_LIBRARIES m)

bw_use_archive(OpenSSL::Crypto "${BW_STATIC_CRYPTO}")
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES
             ${CMAKE_DL_LIBS} Threads::Threads)
bw_use_archive(OpenSSL::SSL "${BW_STATIC_SSL}")

# Boost.JSON and Boost.URL (Boost.System is header-only). The shared variant's compile
# definitions (BOOST_*_DYN_LINK) only select visibility attributes on ELF: kept as they are.
bw_use_archive(Boost::json "${BW_STATIC_BOOST_JSON}")
bw_use_archive(Boost::url "${BW_STATIC_BOOST_URL}")

set_property(TARGET PkgConfig::NETTLE PROPERTY INTERFACE_LINK_LIBRARIES "${BW_STATIC_NETTLE}")

set_property(TARGET PkgConfig::IDN2 PROPERTY INTERFACE_LINK_LIBRARIES
             "${BW_STATIC_IDN2};${BW_STATIC_UNISTRING}")

# The modules below find these with pkg_check_modules themselves; an imported target that
# exists already is left as it is (FindPkgConfig), so this global one is what they link.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET GLOBAL libpcre2-8)
set_property(TARGET PkgConfig::PCRE2 PROPERTY INTERFACE_LINK_LIBRARIES "${BW_STATIC_PCRE2}")
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET GLOBAL libzstd)
set_property(TARGET PkgConfig::ZSTD PROPERTY INTERFACE_LINK_LIBRARIES
             "${BW_STATIC_ZSTD};Threads::Threads")

if(TARGET PkgConfig::JEMALLOC)
  bw_static_archive(BW_STATIC_JEMALLOC libjemalloc_pic.a libjemalloc-dev)
  set_property(TARGET PkgConfig::JEMALLOC PROPERTY INTERFACE_LINK_LIBRARIES
               "${BW_STATIC_JEMALLOC};m;${CMAKE_DL_LIBS};Threads::Threads")
endif()

# Header-only modes: the code is compiled into the translation units that use it. The shared
# objects stay on the link line of the imported targets but are not recorded as needed
# (--as-needed below), as no symbol of theirs is referenced any more.
set_property(TARGET fmt::fmt PROPERTY INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1")
set_property(TARGET spdlog::spdlog PROPERTY INTERFACE_COMPILE_DEFINITIONS "SPDLOG_FMT_EXTERNAL")
set_property(TARGET PkgConfig::TOMLPP PROPERTY INTERFACE_COMPILE_OPTIONS "-DTOML_HEADER_ONLY=1")
set_property(TARGET PkgConfig::TOMLPP PROPERTY INTERFACE_LINK_LIBRARIES "")

add_link_options(LINKER:--as-needed)

# libstdc++ and libgcc_s: linked statically into the product's executables only (bouncewatch,
# bw_parse_mail_tool). Tests and benchmarks keep the shared C++ runtime: the benchmarks load
# the shared libbenchmark, which needs it, and two C++ runtimes in one process are best avoided.
function(bw_static_cxx_runtime)
  foreach(_target bouncewatch bw_parse_mail_tool)
    if(TARGET ${_target})
      target_link_options(${_target} PRIVATE -static-libstdc++ -static-libgcc)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL bw_static_cxx_runtime)
