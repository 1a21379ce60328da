// SPDX-License-Identifier: Apache-2.0
#include "http/reputation_handler.h"

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "http/api_auth.h"
#include "http/query.h"
#include "metrics/reputation_json.h"

namespace bw::http {
namespace {

namespace json = boost::json;

constexpr std::string_view kReputationPath = "/v1/reputation";
constexpr std::string_view kSeriesPath = "/v1/reputation/series";
constexpr std::string_view kSendsPath = "/v1/sends";
constexpr int64_t kMaxReportedSends = 1000000000;
constexpr size_t kMaxKeyBytes = 255;

Response JsonOk(const json::value& v) { return Response::Json(200, json::serialize(v)); }

}  // namespace

ReputationHandler::ReputationHandler(ReputationHandlerOptions options, store::Store& store,
                                     const metrics::ReputationCounter& counter,
                                     const Clock& clock, BlockingExecutor blocking)
    : options_(options), store_(store), counter_(counter), clock_(clock),
      blocking_(std::move(blocking)) {}

void ReputationHandler::Handle(Request request, Responder respond) {
  blocking_([this, request = std::move(request), respond = std::move(respond)]() mutable {
    Response r;
    try {
      r = Serve(request);
    } catch (const std::exception& e) {
      spdlog::error("reputation: unexpected exception: {}", e.what());
      r = ErrorResponse(Internal("internal error"));
      r.close = true;
    }
    respond(std::move(r));
  });
}

Response ReputationHandler::Serve(const Request& req) {
  const bool sends = req.path == kSendsPath;
  const std::string allowed = sends ? "POST" : "GET";
  if (req.method != allowed && !(allowed == "GET" && req.method == "HEAD")) {
    Response r = ErrorResponse(
        InvalidInput(req.method + " is not allowed on " + req.path + "; use " + allowed));
    r.status = 405;
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  auto token =
      Authenticate(store_, options_.sessions, req, sends ? Scope::kWrite : Scope::kRead);
  if (!token) {
    return ErrorResponse(token.error());
  }
  if (sends) {
    return PostSends(req);
  }
  if (req.path == kSeriesPath) {
    return GetSeries(req);
  }
  if (req.path == kReputationPath) {
    return GetReputation(req);
  }
  return ErrorResponse(NotFound("no such resource " + req.path));
}

Response ReputationHandler::GetReputation(const Request& req) {
  auto params = ParseQuery(req.query, {"by", "limit"}, /*repeats_allowed=*/false);
  if (!params) {
    return ErrorResponse(params.error());
  }
  std::optional<metrics::Dimension> by;
  if (auto it = params->find("by"); it != params->end()) {
    by = metrics::ParseDimension(it->second);
    if (!by || *by == metrics::Dimension::kAll) {
      return ErrorResponse(InvalidInput(
          "by must be identity, configuration_set or recipient_domain, not \"" + it->second +
          "\""));
    }
  }
  size_t limit = 20;
  if (auto it = params->find("limit"); it != params->end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 4 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoul(v) < 1 || std::stoul(v) > 1000) {
      return ErrorResponse(InvalidInput("limit must be a number from 1 to 1000"));
    }
    limit = std::stoul(v);
  }
  return JsonOk(metrics::ReputationDocument(counter_, by, limit));
}

Response ReputationHandler::GetSeries(const Request& req) {
  auto params = ParseQuery(req.query, {"bucket", "since"}, /*repeats_allowed=*/false);
  if (!params) {
    return ErrorResponse(params.error());
  }
  std::chrono::milliseconds bucket = std::chrono::hours(1);
  if (auto it = params->find("bucket"); it != params->end()) {
    auto d = ParseDuration(it->second);
    if (!d || d->count() <= 0) {
      return ErrorResponse(
          InvalidInput("bucket must be a duration such as 1h, 6h or 1d, not \"" + it->second +
                       "\""));
    }
    bucket = *d;
  }
  const int64_t now_ms = ToUnixMs(clock_.Now());
  int64_t since_ms = now_ms - std::chrono::milliseconds(std::chrono::hours(24 * 7)).count();
  if (auto it = params->find("since"); it != params->end()) {
    auto s = ParseSinceMs(it->second, now_ms);
    if (!s) {
      return ErrorResponse(InvalidInput(
          "since must be a duration back from now (24h, 7d) or an ISO-8601 time, not \"" +
          it->second + "\""));
    }
    since_ms = *s;
  }
  auto doc = metrics::SeriesDocument(counter_, bucket, since_ms);
  if (!doc) {
    return ErrorResponse(doc.error());
  }
  return JsonOk(*doc);
}

Result<ReportedSends> ParseReportedSends(std::string_view text) {
  constexpr size_t kMaxBody = 64 * 1024;
  if (text.size() > kMaxBody) {
    return InvalidInput("the body of POST /v1/sends must be at most 64 KiB");
  }
  boost::system::error_code ec;
  json::value body = json::parse(text, ec);
  if (ec || !body.is_object()) {
    return InvalidInput("the body must be a JSON object such as {\"count\": 1000}" +
                        (ec ? std::string(" (") + ec.message() + ")" : std::string()));
  }
  const json::object& o = body.as_object();
  ReportedSends out;
  bool has_count = false;
  for (const auto& [k, v] : o) {
    if (k == "count") {
      if (!v.is_int64() && !v.is_uint64()) {
        return InvalidInput("count must be an integer");
      }
      out.count = v.is_int64() ? v.as_int64()
                               : static_cast<int64_t>(std::min<uint64_t>(v.as_uint64(), INT64_MAX));
      has_count = true;
    } else if (k == "at") {
      if (v.is_null()) {
        continue;
      }
      if (!v.is_string()) {
        return InvalidInput("at must be an ISO-8601 time string");
      }
      out.at_ms = ParseIso8601Ms(std::string_view(v.as_string()));
      if (!out.at_ms) {
        return InvalidInput("at must be an ISO-8601 time such as 2026-11-30T06:00:00Z");
      }
    } else if (k == "identity" || k == "configuration_set") {
      if (v.is_null()) {
        continue;
      }
      if (!v.is_string() || v.as_string().size() > kMaxKeyBytes) {
        return InvalidInput(std::string(k) + " must be a string of at most " +
                            std::to_string(kMaxKeyBytes) + " bytes");
      }
      (k == "identity" ? out.identity : out.configuration_set) = std::string(v.as_string());
    } else {
      return InvalidInput("unknown field \"" + std::string(k).substr(0, 64) +
                          "\"; known: count, at, identity, configuration_set");
    }
  }
  if (!has_count) {
    return InvalidInput("count is required");
  }
  if (out.count < 1 || out.count > kMaxReportedSends) {
    return InvalidInput("count must be from 1 to 1000000000");
  }
  return out;
}

Response ReputationHandler::PostSends(const Request& req) {
  if (!req.query.empty()) {
    return ErrorResponse(InvalidInput("POST /v1/sends takes no query parameters"));
  }
  auto sends = ParseReportedSends(req.body);
  if (!sends) {
    return ErrorResponse(sends.error());
  }
  const int64_t now_ms = ToUnixMs(clock_.Now());
  auto rows = metrics::RowsForReportedSends(sends->at_ms.value_or(now_ms), sends->count,
                                            sends->identity, sends->configuration_set,
                                            counter_.config(), now_ms);
  if (rows.empty()) {
    return ErrorResponse(InvalidInput("at is older than [reputation] retention (" +
                                      FormatDuration(counter_.config().retention) + ")"));
  }
  if (Status s = store_.AddReputationRows(rows); !s) {
    return ErrorResponse(s.error());
  }
  return JsonOk(json::object{{"accepted", sends->count}});
}

void MetricsHandler::Handle(Request request, Responder respond) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = ErrorResponse(InvalidInput(request.method + " is not allowed on /metrics"));
    r.status = 405;
    r.headers.emplace_back("Allow", "GET, HEAD");
    respond(std::move(r));
    return;
  }
  blocking_([this, respond = std::move(respond)]() mutable {
    Response r;
    try {
      r.status = 200;
      r.content_type = std::string(metrics::ExpositionWriter::kContentType);
      r.body = registry_.Render();
    } catch (const std::exception& e) {
      spdlog::error("metrics: unexpected exception: {}", e.what());
      r = ErrorResponse(Internal("internal error"));
    }
    respond(std::move(r));
  });
}

}  // namespace bw::http
