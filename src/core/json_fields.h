// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace bw {

// Lenient readers for fields of parsed JSON objects, shared by the JSON forms that tolerate
// missing fields (the stored event, alert payloads, SES content). A missing field, a null and a
// value of the wrong type all read as absent: nullptr, "" or 0. `o` may itself be nullptr (reads
// as absent), so lookups chain: JsonObjectAt(JsonObjectAt(&root, "mail"), "commonHeaders").
// Inline: the SES mapper calls them per field on the request path.

inline const boost::json::object* JsonObjectAt(const boost::json::object* o,
                                               std::string_view key) {
  const boost::json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  return v != nullptr ? v->if_object() : nullptr;
}

inline const boost::json::array* JsonArrayAt(const boost::json::object* o, std::string_view key) {
  const boost::json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  return v != nullptr ? v->if_array() : nullptr;
}

inline const boost::json::string* JsonStringAt(const boost::json::object* o,
                                               std::string_view key) {
  const boost::json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  return v != nullptr ? v->if_string() : nullptr;
}

// The string at `key`, or "".
inline std::string JsonStr(const boost::json::object* o, std::string_view key) {
  const boost::json::string* s = JsonStringAt(o, key);
  return s != nullptr ? std::string(s->data(), s->size()) : std::string();
}

// The number at `key` as an integer (a double is truncated; one out of int64 range, or NaN,
// reads as 0), or 0.
inline int64_t JsonInt(const boost::json::object* o, std::string_view key) {
  const boost::json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  if (v == nullptr) {
    return 0;
  }
  if (v->is_int64()) {
    return v->get_int64();
  }
  if (v->is_uint64()) {
    return static_cast<int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    const double d = v->get_double();
    // Out of range (or NaN) would be undefined behaviour in the cast.
    if (!(d > -9.2e18 && d < 9.2e18)) {
      return 0;
    }
    return static_cast<int64_t>(d);
  }
  return 0;
}

// The number at `key` as a double, or 0.
inline double JsonNumber(const boost::json::object* o, std::string_view key) {
  const boost::json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  if (v == nullptr) {
    return 0;
  }
  if (v->is_double()) {
    return v->get_double();
  }
  if (v->is_int64()) {
    return static_cast<double>(v->get_int64());
  }
  if (v->is_uint64()) {
    return static_cast<double>(v->get_uint64());
  }
  return 0;
}

// Appends the string items of `a` to `out`, in order; other items are skipped.
inline void AppendJsonStrings(const boost::json::array& a, std::vector<std::string>& out) {
  for (const boost::json::value& item : a) {
    if (const boost::json::string* s = item.if_string(); s != nullptr) {
      out.emplace_back(s->data(), s->size());
    }
  }
}

}  // namespace bw
