// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.h"

namespace bw::sns::testing {

// An HttpClient that answers GETs from a table and counts them. Unknown URLs answer 404.
// Thread-safe.
class FakeHttpClient final : public net::HttpClient {
 public:
  void SetResponse(const std::string& url, Result<net::HttpResponse> response) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_.insert_or_assign(url, std::move(response));
  }
  void SetBody(const std::string& url, int status, std::string body) {
    net::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    SetResponse(url, std::move(r));
  }

  Result<net::HttpResponse> Get(const std::string& url,
                                const net::RequestOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++gets_;
    last_options_ = options;
    if (auto it = responses_.find(url); it != responses_.end()) {
      return it->second;
    }
    net::HttpResponse r;
    r.status = 404;
    r.body = "not found";
    return r;
  }
  Result<net::HttpResponse> Post(const std::string&, const std::string&,
                                 const std::vector<std::pair<std::string, std::string>>&,
                                 const net::RequestOptions&) override {
    return Internal("FakeHttpClient does not POST");
  }

  int gets() const {
    std::lock_guard<std::mutex> lock(mu_);
    return gets_;
  }
  net::RequestOptions last_options() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_options_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Result<net::HttpResponse>> responses_;  // GUARDED_BY(mu_)
  int gets_ = 0;                                                // GUARDED_BY(mu_)
  net::RequestOptions last_options_;                            // GUARDED_BY(mu_)
};

}  // namespace bw::sns::testing
