// SPDX-License-Identifier: Apache-2.0
#include "notify/alert_format.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_format.h"

namespace bw::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

FeedbackEvent HardBounce(std::string recipient = "user@example.com") {
  FeedbackEvent e;
  e.type = EventType::kBounce;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = *ParseIso8601Ms("2026-11-30T03:00:00Z");
  e.source = "ses";
  e.bounce = BounceInfo{};
  e.bounce->bounce_class = BounceClass::kHard;
  e.bounce->ses_type = "Permanent";
  e.bounce->ses_subtype = "General";
  e.bounce->status = "5.1.1";
  e.bounce->diagnostic = "smtp; 550 5.1.1 <user@example.com>: Recipient address rejected";
  e.bounce->reason = "userunknown";
  e.bounce->reporting_mta = "dsn; a8-96.smtp-out.amazonses.com";
  e.mail.subject = "Your invoice";
  e.mail.from = "billing@shop.example";
  e.mail.message_id = "0100018c-abc";
  e.mail.configuration_set = "transactional";
  e.details["raw"] = "{\"notificationType\":\"Bounce\"}";  // never shown
  return e;
}

FeedbackEvent ComplaintEvent(std::string recipient = "angry@gmail.com") {
  FeedbackEvent e;
  e.type = EventType::kComplaint;
  e.recipient = std::move(recipient);
  e.occurred_at_ms = *ParseIso8601Ms("2026-11-30T04:05:06Z");
  e.complaint = ComplaintInfo{};
  e.complaint->feedback_type = "abuse";
  e.complaint->user_agent = "Yahoo!-Mail-Feedback/1.0";
  e.mail.subject = "Weekly news";
  e.mail.from = "news@shop.example";
  return e;
}

void ExpectNoJson(const AlertContent& c) {
  for (const std::string* s : {&c.text, &c.html, &c.subject}) {
    EXPECT_THAT(*s, Not(HasSubstr("{\""))) << *s;
    EXPECT_THAT(*s, Not(HasSubstr("notificationType"))) << *s;
  }
}

TEST(AlertFormatTest, OneHardBounce) {
  const AlertContent c = FormatEventAlert({HardBounce()}, 0, AlertFormatOptions{});
  EXPECT_EQ(c.subject, "[bouncewatch] Hard bounce: user@example.com (the mailbox does not exist)");
  EXPECT_THAT(c.text, HasSubstr("A mail to user@example.com bounced."));
  EXPECT_THAT(c.text, HasSubstr("user@example.com: hard bounce, the mailbox does not exist"));
  EXPECT_THAT(c.text, HasSubstr("When:               2026-11-30 03:00:00 UTC"));
  EXPECT_THAT(c.text, HasSubstr("SMTP status:        5.1.1 — smtp; 550 5.1.1 "
                                "<user@example.com>: Recipient address rejected"));
  EXPECT_THAT(c.text, HasSubstr("Original mail:      \"Your invoice\" from billing@shop.example"));
  EXPECT_THAT(c.text, HasSubstr("What to do:         Remove the address from your list"));
  // HTML: same facts, every value escaped.
  EXPECT_THAT(c.html, HasSubstr("&lt;user@example.com&gt;: Recipient address rejected"));
  EXPECT_THAT(c.html, Not(HasSubstr("<user@example.com>")));
  EXPECT_THAT(c.html, HasSubstr("&quot;Your invoice&quot;"));
  EXPECT_THAT(c.html, HasSubstr("<!DOCTYPE html>"));
  ExpectNoJson(c);
}

TEST(AlertFormatTest, OneComplaint) {
  const AlertContent c = FormatEventAlert({ComplaintEvent()}, 0, AlertFormatOptions{});
  EXPECT_EQ(c.subject, "[bouncewatch] Complaint from angry@gmail.com");
  EXPECT_THAT(c.text, HasSubstr("angry@gmail.com marked a mail from you as spam."));
  EXPECT_THAT(c.text, HasSubstr("Reported by:        Yahoo!-Mail-Feedback/1.0"));
  EXPECT_THAT(c.text, HasSubstr("Stop sending to this address"));
  ExpectNoJson(c);
}

TEST(AlertFormatTest, HostileValuesAreEscapedInHtml) {
  FeedbackEvent e = HardBounce("x@example.com");
  e.bounce->diagnostic = "smtp; 550 <script>alert(1)</script> & more";
  e.mail.subject = "<b>bold</b>";
  AlertFormatOptions o;
  o.dashboard_url = "https://bw.example/?a=1&b=\"2\"";
  const AlertContent c = FormatEventAlert({e}, 0, o);
  EXPECT_THAT(c.html, Not(HasSubstr("<script>")));
  EXPECT_THAT(c.html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
  EXPECT_THAT(c.html, HasSubstr("&lt;b&gt;bold&lt;/b&gt;"));
  EXPECT_THAT(c.html, HasSubstr("href=\"https://bw.example/?a=1&amp;b=&quot;2&quot;\""));
  EXPECT_THAT(c.text, HasSubstr("<script>alert(1)</script>"));  // plain text shows it as is
}

TEST(AlertFormatTest, BatchListsEveryAddress) {
  const AlertContent c = FormatEventAlert(
      {HardBounce("a@example.com"), ComplaintEvent("b@gmail.com"), HardBounce("c@example.org")}, 0,
      AlertFormatOptions{.instance_name = "bw-prod"});
  EXPECT_EQ(c.subject, "[bw-prod] 2 hard bounces and 1 complaint");
  for (const char* a : {"a@example.com", "b@gmail.com", "c@example.org"}) {
    EXPECT_THAT(c.text, HasSubstr(a));
    EXPECT_THAT(c.html, HasSubstr(a));
  }
  EXPECT_THAT(c.text, HasSubstr("Since the last alert: 2 hard bounces and 1 complaint."));
  EXPECT_THAT(c.text, HasSubstr("Sent by bw-prod."));
  ExpectNoJson(c);
}

TEST(AlertFormatTest, LongBatchIsCut) {
  std::vector<FeedbackEvent> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(HardBounce("u" + std::to_string(i) + "@example.com"));
  }
  FeedbackEvent soft = HardBounce("full@example.com");
  soft.bounce->bounce_class = BounceClass::kSoft;
  soft.bounce->reason = "mailboxfull";
  events.push_back(soft);
  const AlertContent c = FormatEventAlert(events, 3, AlertFormatOptions{.max_events_listed = 2});
  EXPECT_EQ(c.subject, "[bouncewatch] 5 hard bounces and 1 other bounce (+3 more)");
  EXPECT_THAT(c.text, HasSubstr("u1@example.com"));
  EXPECT_THAT(c.text, Not(HasSubstr("u2@example.com")));
  EXPECT_THAT(c.text, HasSubstr("And 7 more not listed here"));
  EXPECT_THAT(c.html, HasSubstr("And 7 more not listed here"));
}

TEST(AlertFormatTest, AdviceDependsOnTheReason) {
  FeedbackEvent e = HardBounce();
  EXPECT_THAT(AdviceFor(e), HasSubstr("Remove the address"));
  e.bounce->reason = "hostunknown";
  EXPECT_THAT(AdviceFor(e), HasSubstr("typo"));
  e.bounce->bounce_class = BounceClass::kSoft;
  e.bounce->reason = "mailboxfull";
  EXPECT_THAT(AdviceFor(e), HasSubstr("Usually temporary"));
  e.bounce->reason = "blocked";
  EXPECT_THAT(AdviceFor(e), HasSubstr("reputation"));
  e.bounce->reason = "authfailure";
  EXPECT_THAT(AdviceFor(e), HasSubstr("DKIM"));
  e.bounce->ses_subtype = "OnAccountSuppressionList";
  EXPECT_THAT(AdviceFor(e), HasSubstr("account's suppression list"));
}

RateSnapshot Rates(double bounce, double complaint, int64_t sends) {
  RateSnapshot r;
  r.bounce_rate = bounce;
  r.complaint_rate = complaint;
  r.sends = sends;
  r.hard_bounces = static_cast<int64_t>(bounce * sends);
  r.complaints = static_cast<int64_t>(complaint * sends);
  r.send_source = "delivered_bounced";
  r.window_start_ms = *ParseIso8601Ms("2026-11-23T04:00:00Z");
  r.as_of_ms = *ParseIso8601Ms("2026-11-30T03:30:00Z");
  return r;
}

TEST(AlertFormatTest, LevelRankOrdersLevels) {
  EXPECT_EQ(LevelRank("ok"), 0);
  EXPECT_EQ(LevelRank("elevated"), 1);
  EXPECT_EQ(LevelRank("warning"), 2);
  EXPECT_EQ(LevelRank("at_risk"), 3);
  EXPECT_EQ(LevelRank("unknown"), 0);
}

TEST(AlertFormatTest, LevelChangeUp) {
  LevelChange ch;
  ch.rate = "bounce";
  ch.from_level = "elevated";
  ch.to_level = "warning";
  ch.threshold = 0.05;
  ch.now = Rates(0.052, 0.0002, 5000);
  ch.now.bounce_level = "warning";
  const AlertContent c = FormatLevelChange(ch, AlertFormatOptions{});
  EXPECT_EQ(c.subject,
            "[bouncewatch] Bounce rate rose to 5.20 %: Warning: SES reviews accounts at this "
            "level");
  EXPECT_THAT(c.text, HasSubstr("up from level Elevated to Warning"));
  EXPECT_THAT(c.text, HasSubstr("It crossed the 5.00 % line."));
  EXPECT_THAT(c.text, HasSubstr("Based on 5000 sends (delivered + bounced recipients"));
  EXPECT_THAT(c.text, HasSubstr("since 2026-11-23 04:00:00 UTC"));
  EXPECT_THAT(c.text, HasSubstr("What to do: SES places accounts under review"));
  EXPECT_THAT(c.text, Not(HasSubstr("small volume")));
  EXPECT_THAT(c.html, HasSubstr("What to do: SES places accounts under review"));
  ExpectNoJson(c);
}

TEST(AlertFormatTest, LevelChangeDownAndLowConfidence) {
  LevelChange ch;
  ch.rate = "complaint";
  ch.from_level = "at_risk";
  ch.to_level = "ok";
  ch.now = Rates(0.01, 0.0005, 40);
  ch.now.low_confidence = true;
  const AlertContent c = FormatLevelChange(ch, AlertFormatOptions{});
  EXPECT_EQ(c.subject, "[bouncewatch] Complaint rate fell to 0.050 %: OK");
  EXPECT_THAT(c.text, HasSubstr("No action needed"));
  EXPECT_THAT(c.text, HasSubstr("That is a small volume"));
}

TEST(AlertFormatTest, Digest) {
  Digest d;
  d.period_start_ms = *ParseIso8601Ms("2026-11-29T00:00:00Z");
  d.period_end_ms = *ParseIso8601Ms("2026-11-30T00:00:00Z");
  d.events_by_type = {{"delivery", 9800}, {"bounce", 150}, {"complaint", 2}};
  d.hard_bounces = 120;
  d.complaints = 2;
  d.rates = Rates(0.0123, 0.0002, 10000);
  d.rates.bounce_level = "ok";
  d.rates.hard_bounces = 123;
  d.rates.send_source = "send_events";
  d.new_suppressions = {"a@example.com", "<b>@example.com"};
  d.new_suppressions_total = 120;
  d.worst_domains = {{"yahoo.com", 2000, 90, 1, 0.045, 0.0005},
                     {"gmail.com", 5000, 10, 1, 0.002, 0.0002}};
  const AlertContent c = FormatDigest(d, AlertFormatOptions{});
  EXPECT_EQ(c.subject,
            "[bouncewatch] Digest: 120 hard bounces, 2 complaints; bounce rate 1.23 %, complaint "
            "rate 0.020 %");
  EXPECT_THAT(c.text, HasSubstr("Summary for 2026-11-29 00:00:00 UTC to 2026-11-30 00:00:00 UTC."));
  EXPECT_THAT(c.text, HasSubstr("  delivery:           9800"));
  EXPECT_THAT(c.text, HasSubstr("Bounce rate: 1.23 % (OK), 123 hard bounces"));
  EXPECT_THAT(c.text, HasSubstr("(SES Send events)"));
  EXPECT_THAT(c.text, HasSubstr("New suppressions: 120"));
  EXPECT_THAT(c.text, HasSubstr("and 118 more"));
  EXPECT_THAT(c.text, HasSubstr("yahoo.com: 2000 sends, 90 hard bounces (4.50 %)"));
  EXPECT_THAT(c.html, HasSubstr("<li>&lt;b&gt;@example.com</li>"));
  EXPECT_THAT(c.html, HasSubstr("<td>yahoo.com</td><td>2000</td><td>90</td>"));
  ExpectNoJson(c);
}

TEST(AlertFormatTest, Helpers) {
  EXPECT_EQ(FormatPercent(0.05), "5.00 %");
  EXPECT_EQ(FormatPercent(0.001, 3), "0.100 %");
  EXPECT_EQ(LevelLabel("at_risk"), "At risk: SES may pause sending");
  EXPECT_EQ(LevelLabel("ok"), "OK");
  EXPECT_EQ(EscapeHtml("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

}  // namespace
}  // namespace bw::notify
