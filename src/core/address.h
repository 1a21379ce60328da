// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace bw {

// An e-mail address in the one form bouncewatch compares and stores. Made only by
// NormalizeAddress, so that every module (store, policy, API, CLI, import) agrees on which
// strings name the same mailbox.
struct NormalizedAddress {
  // The comparison key: ASCII-lower-cased local part, "@", ASCII (IDNA) lower-cased domain.
  // Two inputs name the same suppression entry exactly when their keys are equal.
  std::string key;
  // For display: the local part as given (case kept), "@", the ASCII domain.
  std::string display;
  std::string local;   // as given
  std::string domain;  // ASCII (A-label) form, lower case, no trailing dot
};

// Most octets an address may have (RFC 5321 §4.5.3.1.3 path limit minus the angle brackets).
inline constexpr size_t kMaxAddressLength = 254;

// Normalises one address as a user or a provider wrote it:
//  - surrounding whitespace is removed;
//  - a display name is removed: `"Jane Doe" <Jane@Example.COM>` and `<jane@example.com>` give
//    the address inside the angle brackets;
//  - the domain is lower-cased and converted to ASCII with IDNA 2008 (libidn2, non-transitional),
//    so `user@bücher.example` becomes `user@xn--bcher-kva.example`; a trailing dot is dropped;
//  - the local part is compared case-insensitively in its ASCII letters (the key lower-cases
//    them; other octets, e.g. UTF-8, are kept as given).
// Returns kInvalidInput, with a message naming what is wrong, for: empty input, no '@', an empty
// or over-long (64) local part, spaces or control characters outside a quoted local part, an
// unterminated '<', a domain that is not a valid host name with at least two labels (or a
// bracketed address literal), a domain IDNA rejects, or more than kMaxAddressLength octets.
// Pure; thread-safe.
Result<NormalizedAddress> NormalizeAddress(std::string_view input);

// The domain of a normalised key (text after the last '@'); empty when there is none.
std::string_view KeyDomain(std::string_view key);

}  // namespace bw
