// SPDX-License-Identifier: Apache-2.0
#include "store/suppression_format.h"

#include <algorithm>
#include <iterator>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/address.h"
#include "core/time_format.h"

namespace bw::store {
namespace {

namespace json = boost::json;

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

ImportParser::ImportParser(SuppressionFormat format, size_t max_entries)
    : format_(format), max_entries_(max_entries) {}

void ImportParser::Feed(std::string_view bytes) {
  if (skipping_long_) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      return;
    }
    skipping_long_ = false;
    bytes.remove_prefix(nl + 1);
  }
  if (!carry_.empty()) {
    size_t nl = bytes.find('\n');
    size_t take = nl == std::string_view::npos ? bytes.size() : nl;
    if (carry_.size() + take > kMaxImportLine) {
      TooLong(/*rest_follows=*/nl == std::string_view::npos);
      if (nl == std::string_view::npos) {
        return;
      }
      bytes.remove_prefix(nl + 1);
    } else {
      carry_.append(bytes.substr(0, take));
      if (nl == std::string_view::npos) {
        return;
      }
      bytes.remove_prefix(nl + 1);
      std::string line = std::move(carry_);
      carry_.clear();
      Line(line);
    }
  }
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (bytes.size() > kMaxImportLine) {
        TooLong(/*rest_follows=*/true);
      } else {
        carry_.assign(bytes);
      }
      return;
    }
    if (nl > kMaxImportLine) {
      TooLong(/*rest_follows=*/false);
    } else {
      Line(bytes.substr(0, nl));
    }
    bytes.remove_prefix(nl + 1);
  }
}

void ImportParser::Finish() {
  if (!carry_.empty()) {
    std::string line = std::move(carry_);
    carry_.clear();
    Line(line);
  }
  skipping_long_ = false;
}

std::vector<ManualSuppression> ImportParser::Take(size_t at_most) {
  if (at_most >= entries_.size()) {
    return std::exchange(entries_, {});
  }
  std::vector<ManualSuppression> out(std::make_move_iterator(entries_.begin()),
                                     std::make_move_iterator(entries_.begin() +
                                                             static_cast<std::ptrdiff_t>(at_most)));
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(at_most));
  return out;
}

void ImportParser::TooLong(bool rest_follows) {
  ++number_;
  first_content_ = false;
  carry_.clear();
  skipping_long_ = rest_follows;
  invalid_.emplace_back(number_, "line longer than " + std::to_string(kMaxImportLine) + " bytes");
}

namespace {

bool EqualsUpper(std::string_view s, std::string_view upper) {
  if (s.size() != upper.size()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    if (c != upper[i]) {
      return false;
    }
  }
  return true;
}

// "ses_bounce" / "ses_complaint" from an SES or bouncewatch reason name (any case), or nullptr.
const char* ImportDetailOf(std::string_view reason) {
  reason = TrimSpace(reason);
  if (reason.empty() || EqualsUpper(reason, "BOUNCE")) {
    return "ses_bounce";
  }
  if (EqualsUpper(reason, "COMPLAINT")) {
    return "ses_complaint";
  }
  return nullptr;
}

}  // namespace

void ImportParser::Line(std::string_view line) {
  ++number_;
  if (first_content_ && number_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
    line.remove_prefix(3);  // UTF-8 BOM (spreadsheets)
  }
  if (TrimSpace(line).empty()) {
    return;
  }
  auto invalid = [&](std::string why) { invalid_.emplace_back(number_, std::move(why)); };
  std::string quoted_address;  // the fields of a line with quotes (CsvFields)
  std::string quoted_reason;
  std::string_view address;
  std::string_view reason;
  std::string note;
  if (format_ == SuppressionFormat::kCsv) {
    size_t field_count = 0;
    if (line.find('"') == std::string_view::npos) {
      // No quotes (the usual line): the fields are the text between commas, trimmed.
      size_t comma = line.find(',');
      address = TrimSpace(line.substr(0, comma));
      if (comma != std::string_view::npos) {
        std::string_view rest = line.substr(comma + 1);
        size_t comma2 = rest.find(',');
        reason = TrimSpace(rest.substr(0, comma2));
        field_count = comma2 == std::string_view::npos
                          ? 2
                          : 2 + static_cast<size_t>(
                                    std::count(rest.begin() + static_cast<std::ptrdiff_t>(comma2),
                                               rest.end(), ','));
      } else {
        field_count = 1;
      }
    } else {
      auto fields = CsvFields(line);
      if (!fields) {
        invalid("unterminated quote");
        first_content_ = false;
        return;
      }
      field_count = fields->size();
      quoted_address = std::move((*fields)[0]);
      address = quoted_address;
      if (fields->size() > 1) {
        quoted_reason = std::move((*fields)[1]);
        reason = quoted_reason;
      }
    }
    if (first_content_ && EqualsUpper(address, "EMAILADDRESS")) {
      first_content_ = false;
      return;  // the SES header line
    }
    first_content_ = false;
    if (field_count > 2) {
      invalid("expected EmailAddress,Reason but found " + std::to_string(field_count) +
              " fields");
      return;
    }
  } else {
    first_content_ = false;
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 8;
    json::value v = json::parse(line, ec, {}, opts);
    if (ec || !v.is_object()) {
      invalid("not a JSON object");
      return;
    }
    for (const auto& [k, val] : v.as_object()) {
      if (k != "address" && k != "reason" && k != "note") {
        invalid("unknown field \"" + std::string(k) + "\"");
        return;
      }
      if (!val.is_string()) {
        invalid("\"" + std::string(k) + "\" must be a string");
        return;
      }
    }
    const auto& o = v.as_object();
    if (!o.contains("address")) {
      invalid("no \"address\"");
      return;
    }
    quoted_address = std::string(o.at("address").as_string());
    address = quoted_address;
    if (o.contains("reason")) {
      quoted_reason = std::string(o.at("reason").as_string());
      reason = quoted_reason;
    }
    note = o.contains("note") ? std::string(o.at("note").as_string()) : "";
  }
  const char* detail = ImportDetailOf(reason);
  if (detail == nullptr) {
    invalid("reason must be BOUNCE or COMPLAINT, not \"" + std::string(reason) + "\"");
    return;
  }
  auto a = NormalizeAddress(address);
  if (!a) {
    invalid(a.error().message());
    return;
  }
  if (accepted_ >= max_entries_) {
    invalid("more than " + std::to_string(max_entries_) + " entries");
    return;
  }
  ++accepted_;
  if (!keep_entries_) {
    return;
  }
  ManualSuppression& m = entries_.emplace_back();
  m.address = std::move(*a);
  m.reason = SuppressionReason::kImport;
  m.note = std::move(note);
  m.detail = detail;
}

ImportParse ParseSuppressionImport(std::string_view text, SuppressionFormat format,
                                   size_t max_entries) {
  ImportParser parser(format, max_entries);
  // One entry per line at most: reserving avoids re-allocating (and moving) a million entries.
  parser.Reserve(std::min<size_t>(
      max_entries, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1));
  parser.Feed(text);
  parser.Finish();
  ImportParse out;
  out.entries = parser.Take();
  out.invalid = parser.invalid();
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
