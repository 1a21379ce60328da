// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <curl/curl.h>

namespace bw::net {

// The one place that owns libcurl's C handles (HTTP client, SMTP mailer, IMAP/POP3 reader).

// curl_global_init is not thread-safe in every libcurl build; a function-local static is
// initialised exactly once even when several threads start at once. Never cleaned up: other
// threads may still be using curl at exit. False when initialisation failed.
inline bool CurlGlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using CurlEasyHandle = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using CurlUrlHandle = std::unique_ptr<CURLU, CurlUrlDeleter>;

// Appends a copy of `line`; false on allocation failure (the list is unchanged then).
inline bool CurlSlistAppend(CurlSlist& list, const std::string& line) {
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) {
    return false;
  }
  if (!list) {
    list.reset(head);
  }
  return true;
}

// One part of a parsed URL, or nullopt when the URL has none.
inline std::optional<std::string> CurlUrlPart(CURLU* url, CURLUPart what) {
  char* part = nullptr;
  if (curl_url_get(url, what, &part, 0) != CURLUE_OK || part == nullptr) {
    return std::nullopt;
  }
  std::string out(part);
  curl_free(part);
  return out;
}

}  // namespace bw::net
