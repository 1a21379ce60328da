// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

namespace bw {

// What went wrong, as a small closed set. The HTTP layer maps codes to status codes in exactly
// one place (http/status_map.h); CLI maps them to exit codes.
enum class Code {
  kInvalidInput,      // malformed or semantically invalid input; never retried (HTTP 400)
  kUnauthenticated,   // no or bad credentials (API token) (HTTP 401)
  kPermissionDenied,  // authenticated but not allowed: bad SNS signature, topic, scope (HTTP 403)
  kNotFound,          // the thing asked for does not exist (HTTP 404)
  kConflict,          // duplicate or conflicting write (HTTP 409)
  kTooLarge,          // input over a configured limit (HTTP 413)
  kUnavailable,       // a dependency (database, SMTP, network) is down; retry later (HTTP 503)
  kInternal,          // a bug or an unexpected state (HTTP 500)
};

std::string_view CodeName(Code code);

// An error value: a code plus one human sentence saying what is wrong and, where possible, what
// to change. Cheap to copy; immutable by convention.
class Error {
 public:
  // A default Error exists only because boost::system::result needs one; it is kInternal.
  Error() : code_(Code::kInternal) {}
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "<code name>: <message>", for logs.
  std::string ToString() const;

 private:
  Code code_;
  std::string message_;
};

inline Error InvalidInput(std::string m) { return Error(Code::kInvalidInput, std::move(m)); }
inline Error PermissionDenied(std::string m) {
  return Error(Code::kPermissionDenied, std::move(m));
}
inline Error Unauthenticated(std::string m) { return Error(Code::kUnauthenticated, std::move(m)); }
inline Error NotFound(std::string m) { return Error(Code::kNotFound, std::move(m)); }
inline Error Conflict(std::string m) { return Error(Code::kConflict, std::move(m)); }
inline Error TooLarge(std::string m) { return Error(Code::kTooLarge, std::move(m)); }
inline Error Unavailable(std::string m) { return Error(Code::kUnavailable, std::move(m)); }
inline Error Internal(std::string m) { return Error(Code::kInternal, std::move(m)); }

// The result of a fallible operation on the request path: a value or an Error. Never throws
// unless .value() is called on an error (which throws bw::ErrorException).
template <class T>
using Result = boost::system::result<T, Error>;
using Status = Result<void>;

// Thrown only by Result::value() on an error, and at startup (configuration).
class ErrorException : public std::exception {
 public:
  explicit ErrorException(Error e) : error_(std::move(e)), what_(error_.ToString()) {}
  const char* what() const noexcept override { return what_.c_str(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  std::string what_;
};

// Boost.System customisation point, found by ADL: what result<T, Error>::value() throws.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace bw
