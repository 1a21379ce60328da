// SPDX-License-Identifier: Apache-2.0
#include "http/api_handler.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include "core/address.h"
#include "core/event_json.h"
#include "core/time_format.h"
#include "http/api_auth.h"
#include "http/query.h"
#include "store/suppression_format.h"
#include "store/suppression_import.h"

namespace bw::http {
namespace {

namespace json = boost::json;

constexpr size_t kMaxNoteLength = 1000;

Response JsonOk(int status, const json::value& v) {
  return Response::Json(status, json::serialize(v) + "\n");
}

using Params = QueryParams;

std::optional<std::string> One(const Params& p, const std::string& key) {
  auto it = p.find(key);
  if (it == p.end()) {
    return std::nullopt;
  }
  return it->second;
}

Result<size_t> Limit(const Params& p, size_t max) {
  auto v = One(p, "limit");
  if (!v) {
    return std::min<size_t>(100, max);
  }
  size_t n = 0;
  if (v->empty() || v->size() > 9 ||
      !std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidInput("limit must be a number from 1 to " + std::to_string(max));
  }
  n = std::stoul(*v);
  if (n < 1 || n > max) {
    return InvalidInput("limit must be a number from 1 to " + std::to_string(max));
  }
  return n;
}

// A JSON object body with only `allowed` members. Empty body = empty object when allow_empty.
Result<json::object> ParseBody(const Request& r, const std::set<std::string>& allowed,
                               bool allow_empty) {
  if (r.body.empty()) {
    if (allow_empty) {
      return json::object();
    }
    return InvalidInput("the request needs a JSON object body");
  }
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec, {}, opts);
  if (ec) {
    return InvalidInput("the body is not valid JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return InvalidInput("the body must be a JSON object");
  }
  for (const auto& [k, unused] : v.as_object()) {
    if (!allowed.count(std::string(k))) {
      return InvalidInput("unknown field \"" + std::string(k) + "\" in the body");
    }
  }
  return std::move(v.as_object());
}

json::value TimeOrNull(int64_t ms) {
  if (ms == 0) {
    return nullptr;
  }
  return json::value(FormatIso8601Ms(ms));
}

json::object SuppressionJson(const SuppressionState& s, int64_t now_ms) {
  json::array ids;
  for (const auto& id : s.event_ids) {
    ids.emplace_back(id);
  }
  bool active = IsSuppressedAt(s, now_ms);
  return json::object{
      {"address", s.address},
      {"key", s.address_key},
      {"suppressed", active},
      {"reason", active ? json::value(SuppressionReasonName(s.reason)) : json::value(nullptr)},
      {"detail", active ? json::value(s.detail) : json::value(nullptr)},
      {"suppressed_at", active ? TimeOrNull(s.suppressed_at_ms) : json::value(nullptr)},
      {"expires_at", active ? TimeOrNull(s.expires_at_ms) : json::value(nullptr)},
      {"first_seen", TimeOrNull(s.first_seen_ms)},
      {"last_seen", TimeOrNull(s.last_seen_ms)},
      {"counts",
       json::object{{"hard_bounces", s.hard_bounces},
                    {"soft_bounces", s.soft_bounces},
                    {"recent_soft_bounces", s.recent_soft_ms.size()},
                    {"complaints", s.complaints}}},
      {"note", s.note},
      {"event_ids", std::move(ids)},
  };
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

// Appends `s` (valid UTF-8) as a JSON string literal.
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kDigits[u >> 4];
      out += kDigits[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

// The JSON of SuppressionJson plus "\n", written directly (same members in the same order,
// without a json::object per request): the single GET answers many requests a second.
std::string SuppressionJsonText(const SuppressionState& s, int64_t now_ms) {
  const bool active = IsSuppressedAt(s, now_ms);
  std::string out;
  out.reserve(320 + s.note.size() + 40 * s.event_ids.size());
  auto time_or_null = [&out](int64_t ms) {
    if (ms == 0) {
      out += "null";
    } else {
      AppendJsonString(out, FormatIso8601Ms(ms));
    }
  };
  out += "{\"address\":";
  AppendJsonString(out, s.address);
  out += ",\"key\":";
  AppendJsonString(out, s.address_key);
  if (active) {
    out += ",\"suppressed\":true,\"reason\":";
    AppendJsonString(out, SuppressionReasonName(s.reason));
    out += ",\"detail\":";
    AppendJsonString(out, s.detail);
    out += ",\"suppressed_at\":";
    time_or_null(s.suppressed_at_ms);
    out += ",\"expires_at\":";
    time_or_null(s.expires_at_ms);
  } else {
    out += ",\"suppressed\":false,\"reason\":null,\"detail\":null,\"suppressed_at\":null,"
           "\"expires_at\":null";
  }
  out += ",\"first_seen\":";
  time_or_null(s.first_seen_ms);
  out += ",\"last_seen\":";
  time_or_null(s.last_seen_ms);
  out += ",\"counts\":{\"hard_bounces\":";
  out += std::to_string(s.hard_bounces);
  out += ",\"soft_bounces\":";
  out += std::to_string(s.soft_bounces);
  out += ",\"recent_soft_bounces\":";
  out += std::to_string(s.recent_soft_ms.size());
  out += ",\"complaints\":";
  out += std::to_string(s.complaints);
  out += "},\"note\":";
  AppendJsonString(out, s.note);
  out += ",\"event_ids\":[";
  for (size_t i = 0; i < s.event_ids.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    AppendJsonString(out, s.event_ids[i]);
  }
  out += "]}\n";
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Result<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return InvalidInput("bad cursor");
  }
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidInput("bad cursor");
    }
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Cursors: hex(position) "." hex(HMAC-SHA256(key, listing \n filters \n position)[0..16)).
class Cursors {
 public:
  explicit Cursors(const std::string& key) : key_(key) {}

  std::string Make(std::string_view listing, std::string_view filters,
                   std::string_view position) const {
    return Hex(position) + "." + Hex(Mac(listing, filters, position));
  }

  Result<std::string> Open(std::string_view listing, std::string_view filters,
                           std::string_view cursor) const {
    const Error bad = InvalidInput(
        "the cursor is not valid for this listing (altered, from another server, or used with "
        "other filters); start again without a cursor");
    size_t dot = cursor.find('.');
    if (dot == std::string_view::npos || cursor.size() > 2048) {
      return bad;
    }
    auto position = Unhex(cursor.substr(0, dot));
    auto mac = Unhex(cursor.substr(dot + 1));
    if (!position || !mac) {
      return bad;
    }
    std::string expected = Mac(listing, filters, *position);
    if (mac->size() != expected.size() ||
        CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0) {
      return bad;
    }
    return std::move(*position);
  }

 private:
  std::string Mac(std::string_view listing, std::string_view filters,
                  std::string_view position) const {
    std::string data = std::string(listing) + "\n" + std::string(filters) + "\n" +
                       std::string(position);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), std::min<unsigned int>(len, 16));
  }

  const std::string& key_;
};

// GET /v1/suppressions/export: the list page by page (by key), each page read and formatted on
// `blocking` when the connection is ready for it, so memory stays at one page whatever the
// list's size. Pages are separate reads: an entry changed while the export runs may be given in
// its old or its new state, and every entry unchanged during it is given exactly once.
class ExportStream final : public BodyStream, public std::enable_shared_from_this<ExportStream> {
 public:
  static constexpr size_t kPage = 5000;

  ExportStream(store::Store& store, BlockingExecutor blocking, store::SuppressionFormat format,
               int64_t now_ms)
      : store_(store), blocking_(std::move(blocking)), format_(format), now_ms_(now_ms) {}

  // Reads the next page into `out`; returns whether it was the last.
  Result<bool> Page(std::string* out) {
    store::SuppressionQuery q;
    q.active_at_ms = now_ms_;
    q.limit = kPage;
    q.after_key = after_key_;
    auto page = store_.ListSuppressions(q);
    if (!page) {
      return page.error();
    }
    std::ostringstream text;
    store::WriteSuppressions(text, *page, format_, /*header=*/first_);
    first_ = false;
    *out = std::move(text).str();
    if (!page->empty()) {
      after_key_ = page->back().address_key;
    }
    return page->size() < q.limit;
  }

  // The first page is read by the handler itself, so that an error is still a normal response.
  void SetFirst(std::string piece, bool last) {
    pending_ = std::move(piece);
    has_pending_ = true;
    done_ = last;
  }

  void Next(Ready ready) override {
    if (has_pending_) {
      has_pending_ = false;
      ready(std::move(pending_), done_);
      return;
    }
    blocking_([self = shared_from_this(), ready = std::move(ready)]() mutable {
      std::string piece;
      Result<bool> last = Internal("export failed");
      try {
        last = self->Page(&piece);
      } catch (const std::exception& e) {
        last = Internal(std::string("export failed: ") + e.what());
      }
      if (!last) {
        ready(last.error(), true);
        return;
      }
      ready(std::move(piece), *last);
    });
  }

 private:
  store::Store& store_;
  BlockingExecutor blocking_;
  const store::SuppressionFormat format_;
  const int64_t now_ms_;
  std::string after_key_;
  bool first_ = true;
  std::string pending_;
  bool has_pending_ = false;
  bool done_ = false;
};

}  // namespace

ApiHandler::ApiHandler(ApiOptions options, store::Store& store, const Clock& clock,
                       BlockingExecutor blocking)
    : options_(std::move(options)),
      store_(store),
      clock_(clock),
      blocking_(std::move(blocking)),
      tokens_(std::make_unique<TokenCache>(store, clock, options_.token_cache_ttl)) {}

std::optional<store::ApiToken> ApiHandler::InlineToken(const Request& req) {
  if (!options_.suppression_reads_in_memory) {
    return std::nullopt;
  }
  constexpr std::string_view kOne = "/v1/suppressions/";
  std::string_view path = req.path;
  bool check = req.method == "POST" && path == "/v1/suppressions/check";
  bool one = req.method == "GET" && path.size() > kOne.size() && path.substr(0, kOne.size()) == kOne &&
             path != "/v1/suppressions/export" && path != "/v1/suppressions/check" &&
             path != "/v1/suppressions/import";
  if (!check && !one) {
    return std::nullopt;
  }
  auto hash = BearerTokenHash(req);
  if (!hash) {
    return std::nullopt;
  }
  return tokens_->FindFresh(*hash);
}

Response ApiHandler::ServeCatching(const Request& request, const store::ApiToken* bearer) {
  try {
    return Serve(request, bearer);
  } catch (const std::exception& e) {
    spdlog::error("api: unexpected exception for {} {}: {}", request.method, request.path,
                  e.what());
    Response r = ErrorResponse(Internal("internal error"));
    r.close = true;
    return r;
  }
}

void ApiHandler::Handle(Request request, Responder respond) {
  if (auto token = InlineToken(request)) {
    respond(ServeCatching(request, &*token));  // authenticated once, here
    return;
  }
  blocking_([this, request = std::move(request), respond = std::move(respond)]() mutable {
    respond(ServeCatching(request));
  });
}

Response ApiHandler::Serve(const Request& req, const store::ApiToken* bearer) {
  const int64_t now_ms = ToUnixMs(clock_.Now());
  const Cursors cursors(options_.cursor_key);
  std::string_view path = req.path;
  constexpr std::string_view kPrefix = "/v1/";
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    return ErrorResponse(NotFound("no such endpoint " + req.path));
  }
  path.remove_prefix(kPrefix.size());
  auto method_not_allowed = [&](std::string allow) {
    Response r = ErrorResponse(Error(Code::kInvalidInput, req.method + " is not allowed on " +
                                                              req.path + "; allowed: " + allow));
    r.status = 405;
    r.headers.emplace_back("Allow", allow);
    return r;
  };
  auto auth = [&](Scope needed) -> Result<store::ApiToken> {
    if (bearer != nullptr) {
      return CheckFoundToken(*bearer, bearer->hash, needed);
    }
    if (auto hash = BearerTokenHash(req)) {
      return AuthenticateTokenHash(*tokens_, *hash, needed);
    }
    return Authenticate(store_, options_.sessions, req, needed);
  };

  // --- /v1/suppressions
  if (path == "suppressions") {
    if (req.method != "GET") {
      return method_not_allowed("GET");
    }
    auto token = auth(Scope::kRead);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto params = ParseQuery(req.query, {"reason", "since", "domain", "limit", "cursor"});
    if (!params) {
      return ErrorResponse(params.error());
    }
    store::SuppressionQuery q;
    q.active_at_ms = now_ms;
    if (auto r = One(*params, "reason")) {
      q.reason = ParseSuppressionReason(*r);
      if (!q.reason) {
        return ErrorResponse(
            InvalidInput("reason must be bounce, complaint, manual or import, not \"" + *r + "\""));
      }
    }
    if (auto s = One(*params, "since")) {
      auto since = ParseSinceMs(*s, now_ms);
      if (!since) {
        return ErrorResponse(InvalidInput("since must be a duration such as 24h or an ISO-8601 "
                                          "time, not \"" + *s + "\""));
      }
      q.since_ms = *since;
    }
    if (auto d = One(*params, "domain")) {
      auto a = NormalizeAddress("x@" + *d);
      if (!a) {
        return ErrorResponse(InvalidInput("domain \"" + *d + "\" is not a valid domain"));
      }
      q.domain = a->domain;
    }
    auto limit = Limit(*params, options_.max_page);
    if (!limit) {
      return ErrorResponse(limit.error());
    }
    q.limit = *limit;
    std::string filters = "reason=" + (q.reason ? std::string(SuppressionReasonName(*q.reason)) : "") +
                          "&since=" + std::to_string(q.since_ms) + "&domain=" + q.domain;
    if (auto c = One(*params, "cursor")) {
      auto position = cursors.Open("suppressions", filters, *c);
      if (!position) {
        return ErrorResponse(position.error());
      }
      q.after_key = *position;
    }
    auto page = store_.ListSuppressions(q);
    if (!page) {
      return ErrorResponse(page.error());
    }
    json::array items;
    for (const auto& s : *page) {
      items.push_back(SuppressionJson(s, now_ms));
    }
    json::value next = nullptr;
    if (page->size() == q.limit) {
      next = json::value(cursors.Make("suppressions", filters, page->back().address_key));
    }
    return JsonOk(200, json::object{{"suppressions", std::move(items)}, {"next_cursor", next}});
  }

  if (path == "suppressions/check") {
    if (req.method != "POST") {
      return method_not_allowed("POST");
    }
    auto token = auth(Scope::kRead);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto body = ParseBody(req, {"addresses"}, false);
    if (!body) {
      return ErrorResponse(body.error());
    }
    const json::value* list = body->if_contains("addresses");
    if (list == nullptr || !list->is_array()) {
      return ErrorResponse(InvalidInput("\"addresses\" must be an array of strings"));
    }
    const json::array& arr = list->as_array();
    if (arr.size() > options_.max_check_addresses) {
      return ErrorResponse(TooLarge("at most " + std::to_string(options_.max_check_addresses) +
                                    " addresses per check, not " + std::to_string(arr.size())));
    }
    // Up to 10,000 addresses: no per-address JSON objects or ordered containers; the answer is
    // written directly (same members and order as before).
    std::vector<std::string> keys;
    keys.reserve(arr.size());
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        return ErrorResponse(InvalidInput("addresses[" + std::to_string(i) + "] is not a string"));
      }
      auto a = NormalizeAddress(std::string_view(arr[i].as_string()));
      if (!a) {
        return ErrorResponse(
            InvalidInput("addresses[" + std::to_string(i) + "]: " + a.error().message()));
      }
      keys.push_back(std::move(a->key));
    }
    auto briefs = store_.CheckSuppressions(keys);
    if (!briefs) {
      return ErrorResponse(briefs.error());
    }
    std::string out;
    out.reserve(arr.size() * 96 + 64);
    out += "{\"results\":[";
    size_t suppressed = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::optional<store::SuppressionBrief>& brief = (*briefs)[i];
      bool active = brief && brief->suppressed &&
                    (brief->expires_at_ms == 0 || brief->expires_at_ms > now_ms);
      out += i == 0 ? "{\"address\":" : ",{\"address\":";
      AppendJsonString(out, arr[i].as_string());
      out += ",\"key\":";
      AppendJsonString(out, keys[i]);
      out += active ? ",\"suppressed\":true" : ",\"suppressed\":false";
      if (active) {
        ++suppressed;
        out += ",\"reason\":";
        AppendJsonString(out, SuppressionReasonName(brief->reason));
        out += ",\"detail\":";
        AppendJsonString(out, brief->detail);
        out += ",\"expires_at\":";
        if (brief->expires_at_ms == 0) {
          out += "null";
        } else {
          AppendJsonString(out, FormatIso8601Ms(brief->expires_at_ms));
        }
      }
      out += '}';
    }
    out += "],\"suppressed_count\":" + std::to_string(suppressed) + "}\n";
    return Response::Json(200, std::move(out));
  }

  if (path == "suppressions/import") {
    if (req.method != "POST") {
      return method_not_allowed("POST");
    }
    auto token = auth(Scope::kWrite);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto params = ParseQuery(req.query, {"format", "skip_invalid"});
    if (!params) {
      return ErrorResponse(params.error());
    }
    std::string format_name = One(*params, "format").value_or("");
    if (format_name.empty()) {
      std::string type = req.Header("content-type").value_or("");
      format_name = type.find("json") != std::string::npos ? "jsonl" : "csv";
    }
    auto format = store::ParseSuppressionFormat(format_name);
    if (!format) {
      return ErrorResponse(InvalidInput("format must be csv or jsonl"));
    }
    std::string skip = One(*params, "skip_invalid").value_or("false");
    if (skip != "true" && skip != "false") {
      return ErrorResponse(InvalidInput("skip_invalid must be true or false"));
    }
    // Parsed piece by piece on a second thread while the store writes the batches before
    // (store/suppression_import.h); one transaction, rolled back at the first invalid line
    // unless skip_invalid.
    store::ImportOptions import_options;
    import_options.format = *format;
    import_options.skip_invalid = skip == "true";
    auto report = store::ImportSuppressionStream(store_, store::ImportTextReader(req.body),
                                                 import_options, {"api:" + token->name, "import"});
    if (!report) {
      return ErrorResponse(report.error());
    }
    json::array invalid;
    for (const auto& [line, why] : report->invalid) {
      invalid.push_back(json::object{{"line", line}, {"message", why}});
    }
    if (!report->stored) {
      Response r = ErrorResponse(InvalidInput(
          std::to_string(report->invalid.size()) + " invalid line(s), the first is line " +
          std::to_string(report->invalid.front().first) + ": " + report->invalid.front().second +
          "; nothing was imported (skip_invalid=true imports the rest)"));
      boost::system::error_code ec;
      json::value body = json::parse(r.body, ec);
      if (!ec && body.is_object()) {
        body.as_object()["error"].as_object()["invalid"] = std::move(invalid);
        r.body = json::serialize(body) + "\n";
      }
      return r;
    }
    return JsonOk(200, json::object{{"imported", report->imported},
                                    {"invalid", std::move(invalid)}});
  }

  if (path == "suppressions/export") {
    if (req.method != "GET") {
      return method_not_allowed("GET");
    }
    auto token = auth(Scope::kRead);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto params = ParseQuery(req.query, {"format"});
    if (!params) {
      return ErrorResponse(params.error());
    }
    auto format = store::ParseSuppressionFormat(One(*params, "format").value_or("csv"));
    if (!format) {
      return ErrorResponse(InvalidInput("format must be csv or jsonl"));
    }
    // Streamed: one page in memory at a time (ExportStream).
    auto stream = std::make_shared<ExportStream>(store_, blocking_, *format, now_ms);
    std::string first;
    auto last = stream->Page(&first);
    if (!last) {
      return ErrorResponse(last.error());
    }
    stream->SetFirst(std::move(first), *last);
    Response r;
    r.status = 200;
    r.content_type = *format == store::SuppressionFormat::kCsv ? "text/csv; charset=utf-8"
                                                               : "application/x-ndjson";
    r.stream = std::move(stream);
    return r;
  }

  constexpr std::string_view kSuppressionsSlash = "suppressions/";
  if (path.substr(0, kSuppressionsSlash.size()) == kSuppressionsSlash) {
    auto raw = PercentDecode(path.substr(kSuppressionsSlash.size()), false);
    if (!raw) {
      return ErrorResponse(raw.error());
    }
    if (req.method != "GET" && req.method != "PUT" && req.method != "DELETE") {
      return method_not_allowed("GET, PUT, DELETE");
    }
    auto token = auth(req.method == "GET" ? Scope::kRead : Scope::kWrite);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto address = NormalizeAddress(*raw);
    if (!address) {
      return ErrorResponse(address.error());
    }
    const std::string actor = "api:" + token->name;
    if (req.method == "PUT") {
      auto body = ParseBody(req, {"note"}, true);
      if (!body) {
        return ErrorResponse(body.error());
      }
      std::string note;
      if (const json::value* n = body->if_contains("note")) {
        if (!n->is_string()) {
          return ErrorResponse(InvalidInput("\"note\" must be a string"));
        }
        note = std::string(n->as_string());
        if (note.size() > kMaxNoteLength) {
          return ErrorResponse(
              InvalidInput("\"note\" is longer than " + std::to_string(kMaxNoteLength) + " bytes"));
        }
      }
      store::ManualSuppression m{*address, SuppressionReason::kManual, note, /*detail=*/""};
      if (auto s = store_.AddSuppressions({m}, {actor, ""}); !s) {
        return ErrorResponse(s.error());
      }
    } else if (req.method == "DELETE") {
      if (!req.body.empty()) {
        return ErrorResponse(InvalidInput("DELETE takes no body"));
      }
      if (auto s = store_.RemoveSuppression(address->key, now_ms, {actor, ""}); !s) {
        return ErrorResponse(s.error());
      }
      return JsonOk(200, json::object{{"address", address->display},
                                      {"key", address->key},
                                      {"removed", true}});
    }
    auto state = store_.GetSuppression(address->key);
    if (!state || !IsSuppressedAt(*state, now_ms)) {
      if (state || state.error().code() == Code::kNotFound) {
        return ErrorResponse(NotFound(address->display + " is not suppressed"));
      }
      return ErrorResponse(state.error());
    }
    return Response::Json(200, SuppressionJsonText(*state, now_ms));
  }

  // --- /v1/events
  if (path == "events") {
    if (req.method != "GET") {
      return method_not_allowed("GET");
    }
    auto token = auth(Scope::kRead);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto params = ParseQuery(req.query,
                             {"type", "recipient", "domain", "since", "until", "limit", "cursor"});
    if (!params) {
      return ErrorResponse(params.error());
    }
    store::EventQuery q;
    std::string filters;
    auto [tb, te] = params->equal_range("type");
    for (auto it = tb; it != te; ++it) {
      std::string_view list = it->second;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view name = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        auto t = ParseEventType(name);
        if (!t) {
          return ErrorResponse(InvalidInput("unknown event type \"" + std::string(name) + "\""));
        }
        q.types.push_back(*t);
      }
    }
    std::sort(q.types.begin(), q.types.end());
    q.types.erase(std::unique(q.types.begin(), q.types.end()), q.types.end());
    for (EventType t : q.types) {
      filters += std::string(EventTypeName(t)) + ",";
    }
    if (auto r = One(*params, "recipient")) {
      auto a = NormalizeAddress(*r);
      q.recipient = a ? a->local + "@" + a->domain : *r;
    }
    if (auto d = One(*params, "domain")) {
      auto a = NormalizeAddress("x@" + *d);
      if (!a) {
        return ErrorResponse(InvalidInput("domain \"" + *d + "\" is not a valid domain"));
      }
      q.recipient_domain = a->domain;
    }
    for (const char* key : {"since", "until"}) {
      if (auto s = One(*params, key)) {
        auto ms = ParseSinceMs(*s, now_ms);
        if (!ms) {
          return ErrorResponse(InvalidInput(std::string(key) +
                                            " must be a duration such as 24h or an ISO-8601 time"));
        }
        (std::string_view(key) == "since" ? q.since_ms : q.until_ms) = *ms;
      }
    }
    filters += "&recipient=" + q.recipient + "&domain=" + q.recipient_domain +
               "&since=" + std::to_string(q.since_ms) +
               "&until=" + std::to_string(q.until_ms);
    auto limit = Limit(*params, options_.max_page);
    if (!limit) {
      return ErrorResponse(limit.error());
    }
    q.limit = *limit;
    if (auto c = One(*params, "cursor")) {
      auto position = cursors.Open("events", filters, *c);
      if (!position) {
        return ErrorResponse(position.error());
      }
      q.before_id = *position;
    }
    auto events = store_.QueryEvents(q);
    if (!events) {
      return ErrorResponse(events.error());
    }
    json::array items;
    for (const auto& e : *events) {
      items.push_back(EventToJson(e));
    }
    json::value next = nullptr;
    if (events->size() == q.limit) {
      next = json::value(cursors.Make("events", filters, events->back().id));
    }
    return JsonOk(200, json::object{{"events", std::move(items)}, {"next_cursor", next}});
  }

  constexpr std::string_view kEventsSlash = "events/";
  if (path.substr(0, kEventsSlash.size()) == kEventsSlash) {
    if (req.method != "GET") {
      return method_not_allowed("GET");
    }
    auto token = auth(Scope::kRead);
    if (!token) {
      return ErrorResponse(token.error());
    }
    auto id = PercentDecode(path.substr(kEventsSlash.size()), false);
    if (!id) {
      return ErrorResponse(id.error());
    }
    auto e = store_.GetEvent(*id);
    if (!e) {
      return ErrorResponse(e.error());
    }
    // The message the event came from, whatever its source (SNS notification, bounce mail).
    json::value raw = nullptr;
    auto m = store_.GetEventRawMessage(e->id);
    if (m) {
      json::object o{{"source", m->source},
                     {"dedup_key", m->dedup_key},
                     {"kind", m->kind},
                     {"topic_arn", m->topic_arn},
                     {"received_at", FormatIso8601Ms(m->received_at_ms)}};
      // JSON strings are UTF-8: a mail in another charset or 8-bit encoding comes as base64.
      if (IsValidUtf8(m->raw)) {
        o["body"] = m->raw;
      } else {
        o["body_base64"] = Base64(m->raw);
      }
      raw = std::move(o);
    } else if (m.error().code() != Code::kNotFound) {
      return ErrorResponse(m.error());
    }
    return JsonOk(200, json::object{{"event", EventToJson(*e)}, {"raw", std::move(raw)}});
  }

  return ErrorResponse(NotFound("no such endpoint " + req.path));
}

}  // namespace bw::http
