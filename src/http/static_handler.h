// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "http/handler.h"

namespace bw::http {

// One file of the dashboard, embedded into the binary at build time (cmake/EmbedFiles.cmake).
// Plain data with static storage duration.
struct StaticAsset {
  const char* path;          // URL path, e.g. "/index.html", "/assets/app.js"
  const char* content_type;  // e.g. "text/javascript; charset=utf-8"
  const char* etag;          // strong ETag, quoted: "\"0123abcd...\""
  const char* data;
  size_t size;
};

// The headers every dashboard response carries: a Content-Security-Policy that allows scripts,
// styles and connections only from this origin (no inline script) and no framing
// (frame-ancestors 'none'), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer and
// X-Frame-Options: DENY for old browsers.
void AddSecurityHeaders(Response& r);

// Serves the dashboard's files: "/" is "/index.html"; other paths are served when an asset has
// that exact path. GET and HEAD only (405 with Allow otherwise). Every answer carries
// AddSecurityHeaders and `Cache-Control: no-cache` with the asset's ETag, so a browser
// revalidates and gets 304 while the binary is unchanged. Unknown paths get a small HTML
// 404 page that links back to the dashboard. Never blocks; thread-safe (immutable).
class StaticHandler final : public Handler {
 public:
  // `assets` must outlive the handler (embedded assets are static).
  explicit StaticHandler(std::span<const StaticAsset> assets) : assets_(assets) {}

  void Handle(Request request, Responder respond) override { respond(Serve(request)); }

  // The response to one request (for tests and Handle).
  Response Serve(const Request& request) const;

 private:
  std::span<const StaticAsset> assets_;
};

}  // namespace bw::http
