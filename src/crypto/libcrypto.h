// SPDX-License-Identifier: Apache-2.0
// OpenSSL's libcrypto for bouncewatch's modules: `<openssl/...>` calls as usual, linked through
// the CMake target bw_libcrypto, which gives each executable one of two implementations:
// - OpenSSL::Crypto (the library itself; tests, fuzz targets and bench programs), or
// - the lazy loader (libcrypto_loader.cc; executables with the target property
//   BW_LAZY_LIBCRYPTO, i.e. `bouncewatch`): definitions of the libcrypto functions bouncewatch
//   calls, with the same names and signatures, that load libcrypto.so.3 with dlopen the first
//   time any of them is called and forward to it. Linked statically, libcrypto's tables of
//   pointers cost ≈ 90 relocated pages (page faults) at every process start; the commands that
//   never hash or sign (parse-mail, events, stats, suppress) no longer pay for them
//   (docs/benchmarks.md, issue 6, "Session 10, start-up").
// Add a function to libcrypto_loader.cc when new code calls one that is not listed (the link of
// `bouncewatch` fails otherwise, naming it).
#pragma once

#include "core/result.h"

namespace bw::crypto {

// Loads libcrypto now when the lazy loader is linked (a no-op with OpenSSL::Crypto). Commands
// that will need it call this at start, so a missing or unusable libcrypto.so.3 is a clear
// error before any work instead of an abort at the first call. Thread-safe; loads once.
Status EnsureLibcrypto();

// Whether this executable loads libcrypto lazily (the loader is linked).
bool LibcryptoIsLazy();

}  // namespace bw::crypto
