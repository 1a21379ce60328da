// SPDX-License-Identifier: Apache-2.0
#include "net/curl_http_client.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

#include <curl/curl.h>

#include "net/curl_handles.h"

namespace bw::net {

namespace {

// Response headers beyond this are an attack or a bug, not something we need.
constexpr size_t kMaxHeaderBytes = 64 * 1024;

bool GlobalInit() { return CurlGlobalInit(); }
using EasyHandle = CurlEasyHandle;
using Slist = CurlSlist;
using UrlHandle = CurlUrlHandle;
bool Append(Slist& list, const std::string& line) { return CurlSlistAppend(list, line); }
std::optional<std::string> GetPart(CURLU* url, CURLUPart what) { return CurlUrlPart(url, what); }

std::string Redacted(CURLU* url) {
  std::string out = GetPart(url, CURLUPART_SCHEME).value_or("?") + "://" +
                    GetPart(url, CURLUPART_HOST).value_or("");
  if (auto port = GetPart(url, CURLUPART_PORT)) {
    out += ":" + *port;
  }
  out += GetPart(url, CURLUPART_PATH).value_or("/");
  return out;
}

// Parses `url` with curl's own parser, so that what we check is exactly what curl fetches.
Result<UrlHandle> ParseUrl(const std::string& url) {
  UrlHandle handle(curl_url());
  if (!handle) {
    return Internal("out of memory parsing a URL");
  }
  CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK) {
    // The URL itself is not repeated: it could hold a secret we failed to locate.
    return InvalidInput(std::string("cannot parse URL: ") + curl_url_strerror(rc));
  }
  if (!GetPart(handle.get(), CURLUPART_HOST)) {
    return InvalidInput("URL has no host: " + Redacted(handle.get()));
  }
  return handle;
}

// Collects the response while curl receives it; aborts the transfer at the limits.
struct Transfer {
  explicit Transfer(size_t max_body) : max_body(max_body) {}
  HttpResponse response;
  size_t max_body;
  size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (n > t->max_body - std::min(t->max_body, t->response.body.size())) {
    t->body_too_large = true;
    return 0;  // any count other than n aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// curl calls this once per header line, status lines included.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 1xx or a proxy CONNECT): only the last one's headers count.
    t->response.headers.clear();
    return n;
  }
  if ((line.starts_with(" ") || line.starts_with("\t")) && !t->response.headers.empty()) {
    // RFC 9112 §5.2 obsolete line folding: a continuation of the previous value.
    std::string& value = t->response.headers.back().second;
    value += ' ';
    value += Trim(line);
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return n;  // the blank line that ends the block, or garbage we ignore
  }
  t->response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                   std::string(Trim(line.substr(colon + 1))));
  return n;
}

bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Remembers the first curl_easy_setopt failure, so that every return code is checked without
// an `if` per option.
class Options {
 public:
  explicit Options(CURL* h) : h_(h) {}
  template <class V>
  void Set(CURLoption option, V value) {
    if (rc_ == CURLE_OK) {
      rc_ = curl_easy_setopt(h_, option, value);
    }
  }
  CURLcode rc() const { return rc_; }

 private:
  CURL* h_;
  CURLcode rc_ = CURLE_OK;
};

long ClampMs(std::chrono::milliseconds ms) {
  // curl reads 0 as "no timeout"; a caller asking for 0 wants the shortest one instead.
  return static_cast<long>(std::clamp<int64_t>(ms.count(), 1, 24L * 3600 * 1000));
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  auto parsed = ParseUrl(url);
  if (!parsed) {
    return "<unparsable URL>";
  }
  return Redacted(parsed->get());
}

CurlHttpClient::CurlHttpClient(CurlClientOptions options)
    : options_(std::move(options)), init_ok_(GlobalInit()) {}

Result<HttpResponse> CurlHttpClient::Get(const std::string& url, const RequestOptions& options) {
  return Perform(url, nullptr, {}, options);
}

Result<HttpResponse> CurlHttpClient::Post(
    const std::string& url, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const RequestOptions& options) {
  return Perform(url, &body, headers, options);
}

Result<HttpResponse> CurlHttpClient::Perform(
    const std::string& url, const std::string* body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const RequestOptions& options) {
  if (!init_ok_) {
    return Internal("libcurl could not be initialised");
  }
  auto parsed = ParseUrl(url);
  if (!parsed) {
    return parsed.error();
  }
  UrlHandle& curl_url_handle = *parsed;
  const std::string shown = Redacted(curl_url_handle.get());
  const std::string method = body != nullptr ? "POST" : "GET";

  const std::string scheme = GetPart(curl_url_handle.get(), CURLUPART_SCHEME).value_or("");
  if (scheme != "https" && !(options_.allow_http && scheme == "http")) {
    return InvalidInput("refusing to fetch " + shown + ": only https:// URLs are allowed");
  }
  if (GetPart(curl_url_handle.get(), CURLUPART_USER) ||
      GetPart(curl_url_handle.get(), CURLUPART_PASSWORD) ||
      GetPart(curl_url_handle.get(), CURLUPART_OPTIONS)) {
    return InvalidInput("refusing to fetch " + shown +
                        ": the URL holds user credentials; pass them as a header");
  }

  Slist header_list;
  if (body != nullptr) {
    // Without this curl may wait for a "100 Continue" the server never sends.
    if (!Append(header_list, "Expect:")) {
      return Internal("out of memory building request headers");
    }
  }
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.find(':') != std::string::npos || HasLineBreakOrNul(name) ||
        HasLineBreakOrNul(value)) {
      return InvalidInput("invalid request header for " + shown);
    }
    // "Name;" is curl's spelling of a header with an empty value ("Name:" would delete it).
    if (!Append(header_list, value.empty() ? name + ";" : name + ": " + value)) {
      return Internal("out of memory building request headers");
    }
  }
  Slist resolve_list;
  for (const std::string& entry : options_.resolve) {
    if (!Append(resolve_list, entry)) {
      return Internal("out of memory building the resolve list");
    }
  }

  Slist connect_to_list;
  for (const std::string& entry : options_.connect_to) {
    if (!Append(connect_to_list, entry)) {
      return Internal("out of memory building the connect-to list");
    }
  }

  EasyHandle easy(curl_easy_init());
  if (!easy) {
    return Internal("curl_easy_init failed");
  }
  Transfer transfer(options.max_body_bytes);
  char error_text[CURL_ERROR_SIZE] = {0};

  Options set(easy.get());
  set.Set(CURLOPT_ERRORBUFFER, error_text);
  set.Set(CURLOPT_CURLU, curl_url_handle.get());
  set.Set(CURLOPT_PROTOCOLS_STR, options_.allow_http ? "http,https" : "https");
  set.Set(CURLOPT_FOLLOWLOCATION, 0L);
  set.Set(CURLOPT_MAXREDIRS, 0L);
  set.Set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  set.Set(CURLOPT_SSL_VERIFYPEER, 1L);
  set.Set(CURLOPT_SSL_VERIFYHOST, 2L);
  set.Set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options_.ca_file.empty()) {
    set.Set(CURLOPT_CAINFO, options_.ca_file.c_str());
    // Trust only the given bundle, not also the system directory.
    set.Set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  }
  if (resolve_list) {
    set.Set(CURLOPT_RESOLVE, resolve_list.get());
  }
  if (connect_to_list) {
    set.Set(CURLOPT_CONNECT_TO, connect_to_list.get());
  }
  set.Set(CURLOPT_CONNECTTIMEOUT_MS, ClampMs(options.connect_timeout));
  set.Set(CURLOPT_TIMEOUT_MS, ClampMs(options.total_timeout));
  // Refuses early when Content-Length announces too much; OnBody catches the rest.
  set.Set(CURLOPT_MAXFILESIZE_LARGE,
          static_cast<curl_off_t>(
              std::min<uint64_t>(options.max_body_bytes, std::numeric_limits<curl_off_t>::max())));
  set.Set(CURLOPT_WRITEFUNCTION, &OnBody);
  set.Set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set.Set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set.Set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
  set.Set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (body != nullptr) {
    set.Set(CURLOPT_POST, 1L);
    set.Set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    set.Set(CURLOPT_POSTFIELDS, body->data());
  } else {
    set.Set(CURLOPT_HTTPGET, 1L);
  }
  if (header_list) {
    set.Set(CURLOPT_HTTPHEADER, header_list.get());
  }
  if (set.rc() != CURLE_OK) {
    return Internal(std::string("cannot configure curl for ") + shown + ": " +
                    curl_easy_strerror(set.rc()));
  }

  const CURLcode rc = curl_easy_perform(easy.get());
  if (transfer.body_too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return TooLarge(method + " " + shown + ": response body exceeds " +
                    std::to_string(options.max_body_bytes) + " bytes");
  }
  if (transfer.headers_too_large) {
    return TooLarge(method + " " + shown + ": response headers exceed " +
                    std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    std::string why = error_text[0] != '\0' ? std::string(error_text) : curl_easy_strerror(rc);
    std::string message = method + " " + shown + " failed: " + why;
    switch (rc) {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return InvalidInput(std::move(message));
      case CURLE_OUT_OF_MEMORY:
        return Internal(std::move(message));
      default:
        return Unavailable(std::move(message));
    }
  }
  long status = 0;
  if (curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status <= 0) {
    return Unavailable(method + " " + shown + " failed: no HTTP status received");
  }
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

}  // namespace bw::net
