// SPDX-License-Identifier: Apache-2.0
#include "core/result.h"

namespace bw {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kInvalidInput:
      return "invalid_input";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kTooLarge:
      return "too_large";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

}  // namespace bw
