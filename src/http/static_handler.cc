// SPDX-License-Identifier: Apache-2.0
#include "http/static_handler.h"

#include <string_view>

namespace bw::http {
namespace {

constexpr std::string_view kNotFoundPage =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>Not found - bouncewatch</title></head>\n"
    "<body><h1>Not found</h1><p>There is no page here. "
    "<a href=\"/\">Open the bouncewatch dashboard</a>.</p></body></html>\n";

// RFC 9110 §13.1.2: If-None-Match is "*" or a list of entity tags (weak ones compare weakly).
bool EtagMatches(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item =
        header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? header.size() : comma + 1;
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (item.substr(0, 2) == "W/") {
      item.remove_prefix(2);
    }
    if (item == "*" || item == etag) {
      return true;
    }
  }
  return false;
}

}  // namespace

void AddSecurityHeaders(Response& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; "
                         "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                         "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

Response StaticHandler::Serve(const Request& request) const {
  std::string_view path = request.path;
  if (path == "/") {
    path = "/index.html";
  }
  const StaticAsset* asset = nullptr;
  for (const StaticAsset& a : assets_) {
    if (path == a.path) {
      asset = &a;
      break;
    }
  }
  Response r;
  AddSecurityHeaders(r);
  if (asset == nullptr) {
    r.status = 404;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(kNotFoundPage);
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    r.status = 405;
    r.body = request.method + " is not allowed on " + request.path + "; use GET\n";
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  r.headers.emplace_back("ETag", asset->etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.content_type = asset->content_type;
  if (auto inm = request.Header("if-none-match"); inm && EtagMatches(*inm, asset->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  if (request.method == "GET") {
    r.body.assign(asset->data, asset->size);
  }
  return r;
}

}  // namespace bw::http
