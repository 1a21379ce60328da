// SPDX-License-Identifier: Apache-2.0
#include "store/suppression_format.h"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/address.h"
#include "core/time_format.h"

namespace bw::store {
namespace {

namespace json = boost::json;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// RFC 4180 fields of one line; nullopt for an unterminated quote.
std::optional<std::vector<std::string>> CsvFields(std::string_view line) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && TrimSpace(cur).empty()) {
      quoted = true;
      was_quoted = true;
      cur.clear();
    } else if (c == ',') {
      fields.push_back(was_quoted ? cur : std::string(TrimSpace(cur)));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) {
    return std::nullopt;
  }
  fields.push_back(was_quoted ? cur : std::string(TrimSpace(cur)));
  return fields;
}

// "ses_bounce" / "ses_complaint" from an SES or bouncewatch reason name.
std::optional<std::string> ImportDetail(std::string_view reason) {
  std::string r = Upper(TrimSpace(reason));
  if (r.empty() || r == "BOUNCE") {
    return std::string("ses_bounce");
  }
  if (r == "COMPLAINT") {
    return std::string("ses_complaint");
  }
  return std::nullopt;
}

std::string CsvQuote(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(s);
  }
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

bool IsComplaint(const SuppressionState& s) {
  return s.reason == SuppressionReason::kComplaint || s.detail == "ses_complaint";
}

}  // namespace

std::optional<SuppressionFormat> ParseSuppressionFormat(std::string_view name) {
  if (name == "csv") {
    return SuppressionFormat::kCsv;
  }
  if (name == "jsonl") {
    return SuppressionFormat::kJsonl;
  }
  return std::nullopt;
}

ImportParse ParseSuppressionImport(std::string_view text, SuppressionFormat format,
                                   size_t max_entries) {
  ImportParse out;
  // One entry per line at most: reserving avoids re-allocating (and moving) a million entries.
  out.entries.reserve(std::min<size_t>(
      max_entries, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1));
  size_t number = 0;
  bool first_content = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (first_content && number == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
      line.remove_prefix(3);  // UTF-8 BOM (spreadsheets)
    }
    if (TrimSpace(line).empty()) {
      continue;
    }
    auto invalid = [&](std::string why) { out.invalid.emplace_back(number, std::move(why)); };
    std::string address;
    std::string reason;
    std::string note;
    if (format == SuppressionFormat::kCsv) {
      auto fields = CsvFields(line);
      if (!fields) {
        invalid("unterminated quote");
        first_content = false;
        continue;
      }
      if (first_content && Upper((*fields)[0]) == "EMAILADDRESS") {
        first_content = false;
        continue;  // the SES header line
      }
      first_content = false;
      if (fields->size() > 2) {
        invalid("expected EmailAddress,Reason but found " + std::to_string(fields->size()) +
                " fields");
        continue;
      }
      address = (*fields)[0];
      reason = fields->size() > 1 ? (*fields)[1] : "";
    } else {
      first_content = false;
      boost::system::error_code ec;
      json::parse_options opts;
      opts.max_depth = 8;
      json::value v = json::parse(line, ec, {}, opts);
      if (ec || !v.is_object()) {
        invalid("not a JSON object");
        continue;
      }
      bool ok = true;
      for (const auto& [k, val] : v.as_object()) {
        if (k != "address" && k != "reason" && k != "note") {
          invalid("unknown field \"" + std::string(k) + "\"");
          ok = false;
          break;
        }
        if (!val.is_string()) {
          invalid("\"" + std::string(k) + "\" must be a string");
          ok = false;
          break;
        }
      }
      if (!ok) {
        continue;
      }
      const auto& o = v.as_object();
      if (!o.contains("address")) {
        invalid("no \"address\"");
        continue;
      }
      address = std::string(o.at("address").as_string());
      reason = o.contains("reason") ? std::string(o.at("reason").as_string()) : "";
      note = o.contains("note") ? std::string(o.at("note").as_string()) : "";
    }
    auto detail = ImportDetail(reason);
    if (!detail) {
      invalid("reason must be BOUNCE or COMPLAINT, not \"" + reason + "\"");
      continue;
    }
    auto a = NormalizeAddress(address);
    if (!a) {
      invalid(a.error().message());
      continue;
    }
    if (out.entries.size() >= max_entries) {
      invalid("more than " + std::to_string(max_entries) + " entries");
      continue;
    }
    ManualSuppression m;
    m.address = std::move(*a);
    m.reason = SuppressionReason::kImport;
    m.note = std::move(note);
    m.detail = *detail;
    out.entries.push_back(std::move(m));
  }
  return out;
}

void WriteSuppressions(std::ostream& out, const std::vector<SuppressionState>& entries,
                       SuppressionFormat format, bool header) {
  if (format == SuppressionFormat::kCsv) {
    if (header) {
      out << "EmailAddress,Reason\n";
    }
    for (const auto& s : entries) {
      out << CsvQuote(s.address) << ',' << (IsComplaint(s) ? "COMPLAINT" : "BOUNCE") << '\n';
    }
    return;
  }
  for (const auto& s : entries) {
    json::object o{{"address", s.address},
                   {"key", s.address_key},
                   {"reason", SuppressionReasonName(s.reason)},
                   {"detail", s.detail},
                   {"suppressed_at", FormatIso8601Ms(s.suppressed_at_ms)},
                   {"expires_at", s.expires_at_ms == 0 ? json::value(nullptr)
                                                       : json::value(FormatIso8601Ms(
                                                             s.expires_at_ms))},
                   {"note", s.note}};
    out << json::serialize(o) << '\n';
  }
}

}  // namespace bw::store
