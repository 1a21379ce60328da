// SPDX-License-Identifier: Apache-2.0
// bw_libcrypto's EnsureLibcrypto for executables linked with OpenSSL::Crypto itself.
#include "crypto/libcrypto.h"

namespace bw::crypto {

Status EnsureLibcrypto() { return {}; }

bool LibcryptoIsLazy() { return false; }

}  // namespace bw::crypto
