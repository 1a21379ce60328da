// SPDX-License-Identifier: Apache-2.0
// Fuzzes what the dashboard parses from requests: the Cookie header (http/session_store.h) and
// If-None-Match (http/static_handler.h). Any bytes must give an answer without crashing; a
// cookie value found must be a substring of the header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/session_store.h"
#include "http/static_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto v = bw::http::CookieValue(text, bw::http::kSessionCookie)) {
    if (!v->empty() && text.find(*v) == std::string::npos) {
      std::abort();
    }
  }
  static const bw::http::StaticAsset kAssets[] = {
      {"/index.html", "text/html; charset=utf-8", "\"0123456789abcdef\"", "<p>x</p>", 8}};
  bw::http::StaticHandler handler(kAssets);
  bw::http::Request r;
  r.method = "GET";
  r.path = "/";
  r.target = "/";
  r.headers["if-none-match"] = text;
  bw::http::Response res = handler.Serve(r);
  if (res.status != 200 && res.status != 304) {
    std::abort();
  }
  return 0;
}
