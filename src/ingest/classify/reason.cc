// SPDX-License-Identifier: Apache-2.0
#include "ingest/classify/reason.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace bw::ingest {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// RFC 3463 subject.detail codes that name one reason whatever the class digit.
std::string_view FromStatus(std::string_view status) {
  if (status.size() < 5) {
    return {};
  }
  std::string_view detail = status.substr(2);  // "1.1" of "5.1.1"
  struct Entry {
    std::string_view detail;
    std::string_view reason;
  };
  static constexpr std::array<Entry, 22> kTable = {{
      {"1.1", "userunknown"},   {"1.2", "hostunknown"},     {"1.3", "userunknown"},
      {"1.4", "userunknown"},   {"1.6", "hasmoved"},        {"1.8", "rejected"},
      {"1.10", "notaccept"},    {"2.1", "suspend"},         {"2.2", "mailboxfull"},
      {"2.3", "mesgtoobig"},    {"2.4", "mailererror"},     {"3.1", "systemfull"},
      {"3.4", "mesgtoobig"},    {"4.1", "networkerror"},    {"4.4", "hostunknown"},
      {"4.7", "expired"},       {"5.3", "syntaxerror"},     {"6.0", "contenterror"},
      {"7.1", "securityerror"}, {"7.26", "authfailure"},    {"7.23", "authfailure"},
      {"7.25", "requireptr"},
  }};
  for (const auto& e : kTable) {
    if (detail == e.detail) {
      return e.reason;
    }
  }
  return {};
}

std::string_view FromText(const std::string& text) {
  struct Entry {
    std::string_view needle;
    std::string_view reason;
  };
  static constexpr std::array<Entry, 24> kTable = {{
      {"user unknown", "userunknown"},
      {"unknown user", "userunknown"},
      {"no such user", "userunknown"},
      {"does not exist", "userunknown"},
      {"no mailbox", "userunknown"},
      {"recipient address rejected", "userunknown"},
      {"mailbox full", "mailboxfull"},
      {"quota", "mailboxfull"},
      {"mailbox is full", "mailboxfull"},
      {"host not found", "hostunknown"},
      {"domain not found", "hostunknown"},
      {"message too large", "mesgtoobig"},
      {"size limit", "mesgtoobig"},
      {"spam", "spamdetected"},
      {"virus", "virusdetected"},
      {"blacklist", "blocked"},
      {"blocklist", "blocked"},
      {"blocked", "blocked"},
      {"relay", "norelaying"},
      {"disabled", "suspend"},
      {"suspended", "suspend"},
      {"timed out", "expired"},
      {"too many connections", "toomanyconn"},
      {"rate limit", "speeding"},
  }};
  for (const auto& e : kTable) {
    if (text.find(e.needle) != std::string::npos) {
      return e.reason;
    }
  }
  return {};
}

}  // namespace

std::string ClassifyReason(const ReasonInput& in) {
  if (in.ses_subtype == "Suppressed" || in.ses_subtype == "OnAccountSuppressionList") {
    return "suppressed";
  }
  if (in.ses_subtype == "MailboxFull") {
    return "mailboxfull";
  }
  if (in.ses_subtype == "MessageTooLarge") {
    return "mesgtoobig";
  }
  if (in.ses_subtype == "NoEmail") {
    return "userunknown";
  }
  if (auto r = FromStatus(in.status); !r.empty()) {
    return std::string(r);
  }
  if (auto r = FromText(Lower(in.diagnostic)); !r.empty()) {
    return std::string(r);
  }
  if (in.ses_subtype == "ContentRejected") {
    return "contenterror";
  }
  if (in.ses_subtype == "AttachmentRejected") {
    return "securityerror";
  }
  return "undefined";
}

bool IsHardReason(std::string_view reason, std::string_view status_or_reply) {
  if (reason == "userunknown" || reason == "hostunknown" || reason == "hasmoved" ||
      reason == "suppressed") {
    return true;
  }
  if (reason == "notaccept") {
    return !status_or_reply.empty() && status_or_reply.front() == '5';
  }
  return false;
}

}  // namespace bw::ingest
