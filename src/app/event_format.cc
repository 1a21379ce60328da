// SPDX-License-Identifier: Apache-2.0
#include "app/event_format.h"

#include <algorithm>
#include <array>
#include <string>

#include "core/event_json.h"
#include "core/time_format.h"

namespace bw::app {
namespace {

std::string CsvField(std::string_view s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    return std::string(s);
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string When(const FeedbackEvent& e) {
  int64_t ms = e.occurred_at_ms != 0 ? e.occurred_at_ms : e.received_at_ms;
  std::string s = FormatIso8601Ms(ms);
  return s.substr(0, 19) + "Z";  // seconds are enough on a terminal
}

std::string OneLine(std::string s, size_t max) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  if (s.size() > max) {
    s = s.substr(0, max - 3) + "...";
  }
  return s;
}

}  // namespace

bool ParseEventFormat(std::string_view name, EventFormat* out) {
  if (name == "table") {
    *out = EventFormat::kTable;
  } else if (name == "json") {
    *out = EventFormat::kJson;
  } else if (name == "csv") {
    *out = EventFormat::kCsv;
  } else {
    return false;
  }
  return true;
}

void WriteEvents(std::ostream& out, const std::vector<FeedbackEvent>& events, EventFormat format) {
  if (format == EventFormat::kJson) {
    for (const auto& e : events) {
      out << EventToJsonLine(e) << '\n';
    }
    return;
  }
  if (format == EventFormat::kCsv) {
    out << "id,type,recipient,occurred_at,received_at,class,status,reason,action,diagnostic,"
           "feedback_type,message_id,subject,source,sns_message_id\n";
    for (const auto& e : events) {
      const BounceInfo empty_bounce;
      const BounceInfo& b = e.bounce ? *e.bounce : empty_bounce;
      out << CsvField(e.id) << ',' << EventTypeName(e.type) << ',' << CsvField(e.recipient)
          << ',' << (e.occurred_at_ms ? FormatIso8601Ms(e.occurred_at_ms) : "") << ','
          << (e.received_at_ms ? FormatIso8601Ms(e.received_at_ms) : "") << ','
          << (e.bounce ? BounceClassName(b.bounce_class) : "") << ',' << CsvField(b.status)
          << ',' << CsvField(b.reason) << ',' << CsvField(b.action) << ','
          << CsvField(b.diagnostic) << ','
          << CsvField(e.complaint ? e.complaint->feedback_type : "") << ','
          << CsvField(e.mail.message_id) << ',' << CsvField(e.mail.subject) << ','
          << CsvField(e.source) << ',' << CsvField(e.origin.sns_message_id) << '\n';
    }
    return;
  }
  // Table: widths fitted to the content, diagnostic last and truncated.
  struct Row {
    std::array<std::string, 7> cells;
  };
  std::vector<Row> rows;
  rows.push_back({{"TIME", "TYPE", "RECIPIENT", "CLASS", "STATUS", "REASON", "DETAIL"}});
  for (const auto& e : events) {
    Row r;
    r.cells[0] = When(e);
    r.cells[1] = std::string(EventTypeName(e.type));
    r.cells[2] = e.recipient.empty() ? "-" : e.recipient;
    if (e.bounce) {
      r.cells[3] = std::string(BounceClassName(e.bounce->bounce_class));
      r.cells[4] = e.bounce->status.empty() ? "-" : e.bounce->status;
      r.cells[5] = e.bounce->reason.empty() ? "-" : e.bounce->reason;
      r.cells[6] = OneLine(e.bounce->diagnostic, 80);
    } else if (e.complaint) {
      r.cells[3] = "-";
      r.cells[4] = "-";
      r.cells[5] = "feedback";
      r.cells[6] = e.complaint->feedback_type;
    } else {
      r.cells[3] = "-";
      r.cells[4] = "-";
      r.cells[5] = "-";
      if (auto* v = e.details.if_contains("smtp_response"); v && v->is_string()) {
        r.cells[6] = OneLine(std::string(v->get_string()), 80);
      } else if (auto* w = e.details.if_contains("why"); w && w->is_string()) {
        r.cells[6] = OneLine(std::string(w->get_string()), 80);
      }
    }
    if (r.cells[6].empty()) {
      r.cells[6] = e.mail.subject.empty() ? "" : "subject: " + OneLine(e.mail.subject, 70);
    }
    rows.push_back(std::move(r));
  }
  std::array<size_t, 7> width{};
  for (const auto& r : rows) {
    for (size_t i = 0; i < 6; ++i) {
      width[i] = std::max(width[i], r.cells[i].size());
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < 7; ++i) {
      line += r.cells[i];
      if (i < 6) {
        line.append(width[i] - r.cells[i].size() + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out << line << '\n';
  }
  out << events.size() << (events.size() == 1 ? " event" : " events") << '\n';
}

}  // namespace bw::app
