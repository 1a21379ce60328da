// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_format.h"

#include <cstdio>
#include <map>

#include "core/time_format.h"

namespace bw::notify {

namespace {

// One labelled fact about an event, shown as "Label: value" in text and a table row in HTML.
struct Fact {
  std::string label;
  std::string value;
};

// One event, described for a person.
struct EventBlock {
  std::string title;  // "user@example.com: hard bounce, the mailbox does not exist"
  std::vector<Fact> facts;
};

constexpr std::string_view kHtmlHead =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n"
    "<body style=\"font-family:sans-serif;font-size:14px;color:#222\">\n";
constexpr std::string_view kHtmlTail = "</body></html>\n";

// "2026-11-30 03:00:00 UTC"; "unknown" for 0.
std::string HumanTime(int64_t ms) {
  if (ms == 0) {
    return "unknown";
  }
  std::string iso = FormatIso8601Ms(ms);  // 2026-11-30T03:00:00.000Z
  if (iso.size() >= 19) {
    iso = iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
  }
  return iso;
}

std::string ReasonPhrase(std::string_view reason) {
  static const std::map<std::string_view, std::string_view> kPhrases = {
      {"userunknown", "the mailbox does not exist"},
      {"hostunknown", "the domain does not exist or has no mail server"},
      {"hasmoved", "the mailbox has moved"},
      {"suppressed", "the address is on a suppression list"},
      {"notaccept", "the domain accepts no mail"},
      {"mailboxfull", "the mailbox is full"},
      {"systemfull", "the receiving server is full"},
      {"mesgtoobig", "the message is too big"},
      {"exceedlimit", "the message exceeds a limit of the receiver"},
      {"suspend", "the account is disabled"},
      {"filtered", "refused by a content rule"},
      {"rejected", "the sender address was refused"},
      {"blocked", "the sending server was blocked"},
      {"badreputation", "refused for the sending IP's reputation"},
      {"requireptr", "refused for a missing reverse DNS (PTR) record"},
      {"authfailure", "SPF, DKIM or DMARC failed"},
      {"spamdetected", "a spam filter refused it"},
      {"virusdetected", "a virus scanner refused it"},
      {"policyviolation", "refused by the receiver's policy"},
      {"expired", "delivery kept failing until it gave up"},
      {"speeding", "sent too fast for the receiver"},
      {"toomanyconn", "too many connections to the receiver"},
      {"networkerror", "a DNS or network failure"},
      {"systemerror", "an error on the receiving system"},
  };
  auto it = kPhrases.find(reason);
  return it == kPhrases.end() ? std::string() : std::string(it->second);
}

std::string BounceClassPhrase(const BounceInfo& b) {
  switch (b.bounce_class) {
    case BounceClass::kHard:
      return "hard bounce";
    case BounceClass::kSoft:
      return "soft bounce";
    case BounceClass::kUndetermined:
      return "bounce";
  }
  return "bounce";
}

EventBlock Describe(const FeedbackEvent& e) {
  EventBlock block;
  std::string what;
  if (e.type == EventType::kComplaint) {
    what = "complaint: the recipient marked your mail as spam";
    if (e.complaint && !e.complaint->feedback_type.empty() &&
        e.complaint->feedback_type != "abuse") {
      what = "complaint (" + e.complaint->feedback_type + ")";
    }
  } else if (e.type == EventType::kBounce && e.bounce) {
    what = BounceClassPhrase(*e.bounce);
    const std::string phrase = ReasonPhrase(e.bounce->reason);
    if (!phrase.empty()) {
      what += ", " + phrase;
    }
  } else {
    what = std::string(EventTypeName(e.type));
  }
  block.title =
      (e.recipient.empty() ? std::string("(unknown address)") : e.recipient) + ": " + what;
  block.facts.push_back({"When", HumanTime(e.occurred_at_ms)});
  if (e.bounce) {
    std::string smtp = e.bounce->status;
    if (!e.bounce->diagnostic.empty()) {
      smtp += (smtp.empty() ? "" : " — ") + e.bounce->diagnostic;
    }
    if (!smtp.empty()) {
      block.facts.push_back({"SMTP status", smtp});
    }
    if (!e.bounce->ses_type.empty()) {
      block.facts.push_back(
          {"SES type", e.bounce->ses_type +
                           (e.bounce->ses_subtype.empty() ? "" : " / " + e.bounce->ses_subtype)});
    }
    if (!e.bounce->reporting_mta.empty()) {
      block.facts.push_back({"Reported by", e.bounce->reporting_mta});
    }
  }
  if (e.complaint) {
    if (!e.complaint->user_agent.empty()) {
      block.facts.push_back({"Reported by", e.complaint->user_agent});
    }
  }
  std::string mail;
  if (!e.mail.subject.empty()) {
    mail = "\"" + e.mail.subject + "\"";
  }
  if (!e.mail.from.empty()) {
    mail += (mail.empty() ? "from " : " from ") + e.mail.from;
  }
  if (!e.mail.sent_at.empty()) {
    mail += ", sent " + e.mail.sent_at;
  }
  if (!mail.empty()) {
    block.facts.push_back({"Original mail", mail});
  }
  if (!e.mail.message_id.empty()) {
    block.facts.push_back({"Message ID", e.mail.message_id});
  }
  if (!e.mail.configuration_set.empty()) {
    block.facts.push_back({"Configuration set", e.mail.configuration_set});
  }
  block.facts.push_back({"What to do", AdviceFor(e)});
  return block;
}

void AppendText(std::string& out, const EventBlock& b) {
  out += b.title + "\n";
  for (const Fact& f : b.facts) {
    std::string label = f.label + ":";
    label.resize(std::max<size_t>(label.size(), 19), ' ');
    out += "  " + label + " " + f.value + "\n";
  }
  out += "\n";
}

void AppendHtml(std::string& out, const EventBlock& b) {
  out += "<h3 style=\"margin:16px 0 4px\">" + EscapeHtml(b.title) + "</h3>\n";
  out += "<table style=\"border-collapse:collapse\">\n";
  for (const Fact& f : b.facts) {
    out += "<tr><th style=\"text-align:left;padding:2px 12px 2px 0;vertical-align:top;"
           "white-space:nowrap\">" +
           EscapeHtml(f.label) + "</th><td style=\"padding:2px 0\">" + EscapeHtml(f.value) +
           "</td></tr>\n";
  }
  out += "</table>\n";
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string Footer(const AlertFormatOptions& options) {
  std::string out = "-- \nSent by " + options.instance_name + ".";
  if (!options.dashboard_url.empty()) {
    out += " Dashboard: " + options.dashboard_url;
  }
  return out + "\n";
}

std::string HtmlFooter(const AlertFormatOptions& options) {
  std::string out =
      "<p style=\"color:#777;font-size:12px\">Sent by " + EscapeHtml(options.instance_name) + ".";
  if (!options.dashboard_url.empty()) {
    out += " <a href=\"" + EscapeHtml(options.dashboard_url) + "\">Open the dashboard</a>.";
  }
  return out + "</p>\n";
}

std::string Paragraphs(const std::vector<std::string>& paragraphs) {
  std::string out;
  for (const std::string& p : paragraphs) {
    out += "<p>" + EscapeHtml(p) + "</p>\n";
  }
  return out;
}

std::vector<std::string> RateLines(const RateSnapshot& r) {
  std::vector<std::string> lines;
  lines.push_back("Bounce rate: " + FormatPercent(r.bounce_rate) + " (" +
                  LevelLabel(r.bounce_level) + "), " +
                  Plural(r.hard_bounces, "hard bounce", "hard bounces"));
  lines.push_back("Complaint rate: " + FormatPercent(r.complaint_rate, 3) + " (" +
                  LevelLabel(r.complaint_level) + "), " +
                  Plural(r.complaints, "complaint", "complaints"));
  std::string basis = "Based on " + Plural(r.sends, "send", "sends");
  if (r.send_source == "send_events") {
    basis += " (SES Send events)";
  } else if (r.send_source == "delivered_bounced") {
    basis += " (delivered + bounced recipients; SES Send events are not published)";
  } else if (r.send_source == "reported") {
    basis += " (counts reported through POST /v1/sends)";
  }
  if (r.window_start_ms != 0) {
    basis += " since " + HumanTime(r.window_start_ms);
  }
  basis += ".";
  if (r.low_confidence) {
    basis += " That is a small volume: a few events move these rates a lot.";
  }
  lines.push_back(basis);
  return lines;
}

}  // namespace

int LevelRank(std::string_view level) {
  if (level == "elevated") {
    return 1;
  }
  if (level == "warning") {
    return 2;
  }
  if (level == "at_risk") {
    return 3;
  }
  return 0;
}

std::string EscapeHtml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatPercent(double fraction, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f %%", decimals, fraction * 100);
  return buf;
}

std::string LevelLabel(std::string_view level) {
  if (level == "elevated") {
    return "Elevated";
  }
  if (level == "warning") {
    return "Warning: SES reviews accounts at this level";
  }
  if (level == "at_risk") {
    return "At risk: SES may pause sending";
  }
  return "OK";
}

std::string AdviceFor(const FeedbackEvent& e) {
  if (e.type == EventType::kComplaint) {
    return "Stop sending to this address (bouncewatch suppresses it when the complaint policy "
           "says so). Check that the person opted in and that unsubscribing is easy: complaints "
           "above 0.1 % of sends put an SES account under review.";
  }
  if (e.type != EventType::kBounce || !e.bounce) {
    return "No action needed.";
  }
  const BounceInfo& b = *e.bounce;
  if (b.ses_subtype == "OnAccountSuppressionList") {
    return "SES did not send this mail because the address is on your account's suppression "
           "list. Remove the address from your mailing list.";
  }
  const std::string& r = b.reason;
  if (r == "userunknown" || r == "hasmoved") {
    return "Remove the address from your list, or correct it if it has a typo. Sending to "
           "addresses that do not exist raises your bounce rate.";
  }
  if (r == "hostunknown" || r == "notaccept") {
    return "Check the domain for a typo (e.g. gmial.com); otherwise remove the address.";
  }
  if (r == "suppressed" || b.ses_subtype == "Suppressed") {
    return "The address bounced recently for other senders too (SES global suppression list). "
           "Remove it from your list.";
  }
  if (r == "mailboxfull" || r == "systemfull" || r == "expired" || r == "toomanyconn" ||
      r == "speeding" || r == "networkerror" || r == "systemerror") {
    return "Usually temporary: nothing to do now. If this address keeps bouncing, remove it.";
  }
  if (r == "blocked" || r == "badreputation" || r == "spamdetected" || r == "filtered" ||
      r == "policyviolation") {
    return "The receiver refused your mail, not the address. Check your sending IP and domain "
           "reputation and the content of the mail.";
  }
  if (r == "authfailure" || r == "requireptr") {
    return "Fix your DNS: publish SPF, DKIM and DMARC records (and a PTR record for your IP).";
  }
  if (b.bounce_class == BounceClass::kHard) {
    return "Remove the address from your list: it will not accept mail.";
  }
  return "If this address keeps bouncing, remove it from your list.";
}

AlertContent FormatEventAlert(const std::vector<FeedbackEvent>& events, size_t omitted,
                              const AlertFormatOptions& options) {
  AlertContent out;
  int64_t hard = 0;
  int64_t other_bounces = 0;
  int64_t complaints = 0;
  for (const FeedbackEvent& e : events) {
    if (e.type == EventType::kComplaint) {
      ++complaints;
    } else if (e.bounce && e.bounce->bounce_class == BounceClass::kHard) {
      ++hard;
    } else {
      ++other_bounces;
    }
  }
  const std::string prefix = "[" + options.instance_name + "] ";
  std::string summary;
  if (events.size() == 1 && omitted == 0) {
    const EventBlock only = Describe(events.front());
    if (complaints == 1) {
      out.subject = prefix + "Complaint from " + events.front().recipient;
      summary = events.front().recipient + " marked a mail from you as spam.";
    } else {
      const std::string kind = hard == 1 ? "Hard bounce" : "Bounce";
      out.subject = prefix + kind + ": " + events.front().recipient;
      const std::string phrase =
          events.front().bounce ? ReasonPhrase(events.front().bounce->reason) : "";
      if (!phrase.empty()) {
        out.subject += " (" + phrase + ")";
      }
      summary = "A mail to " + events.front().recipient + " bounced.";
    }
  } else {
    std::vector<std::string> parts;
    if (hard > 0) {
      parts.push_back(Plural(hard, "hard bounce", "hard bounces"));
    }
    if (other_bounces > 0) {
      parts.push_back(Plural(other_bounces, "other bounce", "other bounces"));
    }
    if (complaints > 0) {
      parts.push_back(Plural(complaints, "complaint", "complaints"));
    }
    std::string joined;
    for (size_t i = 0; i < parts.size(); ++i) {
      joined += (i == 0 ? "" : (i + 1 == parts.size() ? " and " : ", ")) + parts[i];
    }
    if (omitted > 0) {
      joined += " (+" + std::to_string(omitted) + " more)";
    }
    out.subject = prefix + joined;
    summary = "Since the last alert: " + joined + ".";
  }

  const size_t listed = std::min(events.size(), options.max_events_listed);
  const size_t not_listed = events.size() - listed + omitted;
  out.text = summary + "\n\n";
  out.html = std::string(kHtmlHead) + "<p>" + EscapeHtml(summary) + "</p>\n";
  for (size_t i = 0; i < listed; ++i) {
    const EventBlock b = Describe(events[i]);
    AppendText(out.text, b);
    AppendHtml(out.html, b);
  }
  if (not_listed > 0) {
    const std::string more = "And " + std::to_string(not_listed) +
                             " more not listed here; see `bouncewatch events` or the dashboard.";
    out.text += more + "\n\n";
    out.html += "<p>" + EscapeHtml(more) + "</p>\n";
  }
  out.text += Footer(options);
  out.html += HtmlFooter(options) + std::string(kHtmlTail);
  return out;
}

AlertContent FormatLevelChange(const LevelChange& change, const AlertFormatOptions& options) {
  AlertContent out;
  const bool up = LevelRank(change.to_level) > LevelRank(change.from_level);
  const std::string rate_name = change.rate == "complaint" ? "Complaint rate" : "Bounce rate";
  const double value =
      change.rate == "complaint" ? change.now.complaint_rate : change.now.bounce_rate;
  const int decimals = change.rate == "complaint" ? 3 : 2;
  out.subject = "[" + options.instance_name + "] " + rate_name + " " +
                (up ? "rose to " : "fell to ") + FormatPercent(value, decimals) + ": " +
                LevelLabel(change.to_level);
  std::vector<std::string> paras;
  std::string lead = rate_name + " is now " + FormatPercent(value, decimals) + ", " +
                     (up ? "up" : "down") + " from level " + LevelLabel(change.from_level) +
                     " to " + LevelLabel(change.to_level) + ".";
  if (change.threshold > 0) {
    lead += " It crossed the " + FormatPercent(change.threshold, decimals) + " line.";
  }
  paras.push_back(lead);
  for (std::string& line : RateLines(change.now)) {
    paras.push_back(std::move(line));
  }
  std::string todo;
  if (!up) {
    todo = "No action needed: the rate is back down. Keep an eye on the next digest.";
  } else if (change.to_level == "at_risk") {
    todo =
        "Act now: pause campaigns to old or purchased lists, remove addresses that bounced, "
        "and find which sender, configuration set or domain causes it (bouncewatch stats). "
        "SES may pause sending for the account at this level.";
  } else if (change.to_level == "warning") {
    todo =
        "SES places accounts under review at this level. Find the source (bouncewatch stats "
        "shows rates per sending identity, configuration set and recipient domain), clean "
        "the list, and confirm that suppressed addresses are not sent to.";
  } else {
    todo = "Look at recent sends to new or old lists; remove addresses that bounced.";
  }
  paras.push_back("What to do: " + todo);
  for (const std::string& p : paras) {
    out.text += p + "\n\n";
  }
  out.text += Footer(options);
  out.html =
      std::string(kHtmlHead) + Paragraphs(paras) + HtmlFooter(options) + std::string(kHtmlTail);
  return out;
}

AlertContent FormatDigest(const Digest& d, const AlertFormatOptions& options) {
  AlertContent out;
  const std::string period = HumanTime(d.period_start_ms) + " to " + HumanTime(d.period_end_ms);
  out.subject = "[" + options.instance_name +
                "] Digest: " + Plural(d.hard_bounces, "hard bounce", "hard bounces") + ", " +
                Plural(d.complaints, "complaint", "complaints") + "; bounce rate " +
                FormatPercent(d.rates.bounce_rate) + ", complaint rate " +
                FormatPercent(d.rates.complaint_rate, 3);
  std::string& t = out.text;
  std::string& h = out.html;
  h = std::string(kHtmlHead);
  t += "Summary for " + period + ".\n\n";
  h += "<p>" + EscapeHtml("Summary for " + period + ".") + "</p>\n";

  t += "Events\n";
  h += "<h3>Events</h3>\n<table style=\"border-collapse:collapse\">\n";
  if (d.events_by_type.empty()) {
    t += "  none\n";
    h += "<tr><td>none</td></tr>\n";
  }
  for (const auto& [type, count] : d.events_by_type) {
    std::string label = type + ":";
    label.resize(std::max<size_t>(label.size(), 19), ' ');
    t += "  " + label + " " + std::to_string(count) + "\n";
    h += "<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">" + EscapeHtml(type) +
         "</th><td style=\"text-align:right\">" + std::to_string(count) + "</td></tr>\n";
  }
  h += "</table>\n";

  t += "\nReputation\n";
  h += "<h3>Reputation</h3>\n";
  const std::vector<std::string> rate_lines = RateLines(d.rates);
  for (const std::string& line : rate_lines) {
    t += "  " + line + "\n";
  }
  h += Paragraphs(rate_lines);

  t += "\nNew suppressions: " + std::to_string(d.new_suppressions_total) + "\n";
  h += "<h3>New suppressions: " + std::to_string(d.new_suppressions_total) + "</h3>\n";
  if (!d.new_suppressions.empty()) {
    h += "<ul>\n";
    for (const std::string& a : d.new_suppressions) {
      t += "  " + a + "\n";
      h += "<li>" + EscapeHtml(a) + "</li>\n";
    }
    h += "</ul>\n";
    const int64_t rest = d.new_suppressions_total - static_cast<int64_t>(d.new_suppressions.size());
    if (rest > 0) {
      t += "  and " + std::to_string(rest) + " more\n";
      h += "<p>and " + std::to_string(rest) + " more</p>\n";
    }
  }

  if (!d.worst_domains.empty()) {
    t += "\nRecipient domains with the most problems\n";
    h += "<h3>Recipient domains with the most problems</h3>\n"
         "<table style=\"border-collapse:collapse\">\n<tr><th style=\"text-align:left\">domain"
         "</th><th>sends</th><th>hard bounces</th><th>bounce rate</th><th>complaints</th>"
         "<th>complaint rate</th></tr>\n";
    for (const DomainLine& l : d.worst_domains) {
      t += "  " + l.domain + ": " + Plural(l.sends, "send", "sends") + ", " +
           Plural(l.hard_bounces, "hard bounce", "hard bounces") + " (" +
           FormatPercent(l.bounce_rate) + "), " + Plural(l.complaints, "complaint", "complaints") +
           " (" + FormatPercent(l.complaint_rate, 3) + ")\n";
      h += "<tr><td>" + EscapeHtml(l.domain) + "</td><td>" + std::to_string(l.sends) + "</td><td>" +
           std::to_string(l.hard_bounces) + "</td><td>" + EscapeHtml(FormatPercent(l.bounce_rate)) +
           "</td><td>" + std::to_string(l.complaints) + "</td><td>" +
           EscapeHtml(FormatPercent(l.complaint_rate, 3)) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  t += "\n" + Footer(options);
  h += HtmlFooter(options) + std::string(kHtmlTail);
  return out;
}

}  // namespace bw::notify
