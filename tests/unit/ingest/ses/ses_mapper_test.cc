// SPDX-License-Identifier: Apache-2.0
#include "ingest/ses/ses_mapper.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/event_json.h"
#include "core/feedback_event.h"
#include "core/time_format.h"
#include "testing/test_data.h"

namespace bw::ses {
namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Expectations, written by hand from the fixtures (tests/data/ses/README.md says where each
// fixture comes from). One row per fixture; every *.json in tests/data/ses must have a row.

struct BounceExpect {
  BounceClass bounce_class = BounceClass::kUndetermined;
  std::string ses_type;
  std::string ses_subtype;
  std::string status;
  std::string action;
  std::string diagnostic;
  // Any of these is right: where the fixture gives too little to decide, Sisimai's "onhold" and
  // the classifier's "undefined" both mean "cannot tell" (both soft).
  std::set<std::string> reasons;
  std::string reporting_mta;
  std::string remote_mta_ip;
  std::string feedback_id;
};

struct ComplaintExpect {
  std::string feedback_type;
  std::string sub_type;
  std::string user_agent;
  std::string arrival_date;
  std::string feedback_id;
};

struct MailExpect {
  std::string message_id;
  std::string header_message_id;
  std::string from;
  std::string subject;
  std::string sent_at;
  std::string configuration_set;
  std::string source_ip;
  std::string caller_identity;
  std::string source_arn;
  std::vector<std::string> tag_keys;  // sorted
  size_t destinations = 0;
  size_t headers = 0;
  bool headers_truncated = false;
};

struct Case {
  std::string file;
  EventType type = EventType::kUnrecognized;
  std::vector<std::string> recipients;  // one per event, in order
  std::string occurred_at;              // ISO-8601, or "" for 0 (unknown)
  MailExpect mail;
  std::vector<BounceExpect> bounces;         // one per event when type is bounce
  std::optional<ComplaintExpect> complaint;  // the same for every event
  std::string details = "{}";                // event 0's details (not for unrecognized)
  std::string why_contains;                  // unrecognized: a piece of details.why
};

// gtest prints a parameter with this; the file name is enough.
void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

const std::string kExampleId = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000";
const std::string kEventArn = "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com";
const std::string kNotificationArn = "arn:aws:ses:us-east-1:888888888888:identity/example.com";
const std::string kSesSubject = "Message sent from Amazon SES";
const std::string kChromeAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/60.0.3112.90 Safari/537.36";
const std::vector<std::string> kFourTags = {"ses:caller-identity", "ses:configuration-set",
                                            "ses:from-domain", "ses:source-ip"};
const std::vector<std::string> kSixTags = {"myCustomTag1",        "myCustomTag2",
                                           "ses:caller-identity", "ses:configuration-set",
                                           "ses:from-domain",     "ses:source-ip"};
const std::set<std::string> kCannotTell = {"onhold", "undefined"};

MailExpect NotificationMail(std::string message_id, size_t destinations = 3) {
  return MailExpect{.message_id = std::move(message_id),
                    .header_message_id = "custom-message-ID",
                    .from = "john@example.com",
                    .subject = "Hello",
                    .sent_at = "2016-01-27T14:59:38.237Z",
                    .source_ip = "127.0.3.0",
                    .caller_identity = "IAM_user_or_role_name",
                    .source_arn = kNotificationArn,
                    .destinations = destinations,
                    .headers = 7};
}

std::vector<Case> Cases() {
  return {
      // --- Event publishing (SES-DG event-publishing-retrieving-sns-examples.md) -------------
      {.file = "ses-event-bounce.json",
       .type = EventType::kBounce,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2017-08-05T00:41:02.669Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "Sender Name <sender@example.com>",
                .subject = kSesSubject,
                .sent_at = "2017-08-05T00:40:02.012Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .source_arn = kEventArn,
                .tag_keys = kFourTags,
                .destinations = 1,
                .headers = 5},
       .bounces = {{.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "General",
                    .status = "5.1.1",
                    .action = "failed",
                    .diagnostic = "smtp; 550 5.1.1 user unknown",
                    .reasons = {"userunknown"},
                    .reporting_mta = "dsn; mta.example.com",
                    .feedback_id =
                        "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000"}}},
      {.file = "ses-event-click.json",
       .type = EventType::kClick,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2017-08-09T23:51:25.570Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "sender@example.com",
                .subject = kSesSubject,
                .sent_at = "2017-08-09T23:50:05.795Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .tag_keys = kSixTags,
                .destinations = 1,
                .headers = 8},
       .details =
           R"({"ip_address":"192.0.2.1","user_agent":")" + kChromeAgent +
           R"(","link":"http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
                  "link_tags":{"samplekey0":["samplevalue0"],"samplekey1":["samplevalue1"]}})"},
      {.file = "ses-event-complaint.json",
       .type = EventType::kComplaint,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2017-08-05T00:41:02.669Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "Sender Name <sender@example.com>",
                .subject = kSesSubject,
                .sent_at = "2017-08-05T00:40:01.123Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .source_arn = kEventArn,
                .tag_keys = kFourTags,
                .destinations = 1,
                .headers = 5},
       .complaint =
           ComplaintExpect{
               .feedback_type = "abuse",
               .sub_type = "",
               .user_agent = kChromeAgent,
               .arrival_date = "2017-08-05T00:41:02.669Z",
               .feedback_id = "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000"}},
      {.file = "ses-event-delivery-delay.json",
       .type = EventType::kDeliveryDelay,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2020-06-16T00:25:40.095Z",
       .mail = {.message_id = kExampleId,
                .from = "sender@example.com",
                .sent_at = "2020-06-16T00:15:40.641Z",
                .configuration_set = "ConfigSet",
                .source_arn = kEventArn,
                .tag_keys = {"ses:configuration-set"},
                .destinations = 1},
       .details = R"({"delay_type":"TransientCommunicationFailure","status":"4.4.1",
                      "diagnostic":"smtp; 421 4.4.1 Unable to connect to remote host",
                      "expiration_time":"2020-06-16T00:25:40.914Z"})"},
      {.file = "ses-event-delivery.json",
       .type = EventType::kDelivery,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2016-10-19T23:21:04.133Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "sender@example.com",
                .subject = kSesSubject,
                .sent_at = "2016-10-19T23:20:52.240Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .source_arn = kEventArn,
                .tag_keys = {"myCustomTag1", "myCustomTag2", "ses:caller-identity",
                             "ses:configuration-set", "ses:from-domain", "ses:outgoing-ip",
                             "ses:source-ip"},
                .destinations = 1,
                .headers = 6},
       .details = R"({"smtp_response":"250 2.6.0 Message received","processing_time_ms":11893,
                      "reporting_mta":"mta.example.com"})"},
      {.file = "ses-event-open.json",
       .type = EventType::kOpen,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2017-08-09T22:00:19.652Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "sender@example.com",
                .subject = kSesSubject,
                .sent_at = "2017-08-09T21:59:49.927Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "IAM_user_or_role_name",
                .tag_keys = kSixTags,
                .destinations = 1,
                .headers = 7},
       .details =
           R"({"ip_address":"192.0.2.1","user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 )"
           R"(like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60"})"},
      // Reject has no recipient list: the event goes to mail.destination, which in this doc
      // example is the sender's own address.
      {.file = "ses-event-reject.json",
       .type = EventType::kReject,
       .recipients = {"sender@example.com"},
       .occurred_at = "2016-10-14T17:38:15.211Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "sender@example.com",
                .subject = kSesSubject,
                .sent_at = "2016-10-14T17:38:15.211Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .source_arn = kEventArn,
                .tag_keys = {"myCustomTag1", "myCustomTag2", "ses:caller-identity",
                             "ses:configuration-set", "ses:from-domain", "ses:source-ip"},
                .destinations = 1,
                .headers = 6},
       .details = R"({"reason":"Bad content"})"},
      {.file = "ses-event-rendering-failure.json",
       .type = EventType::kRenderingFailure,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2018-01-22T18:43:06.197Z",
       .mail = {.message_id = kExampleId,
                .from = "sender@example.com",
                .sent_at = "2018-01-22T18:43:06.197Z",
                .configuration_set = "ConfigSet",
                .source_arn = kEventArn,
                .tag_keys = {"ses:configuration-set"},
                .destinations = 1},
       .details = R"({"template_name":"MyTemplate",
          "error_message":"Attribute 'attributeName' is not present in the rendering data."})"},
      {.file = "ses-event-send.json",
       .type = EventType::kSend,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2016-10-14T05:02:16.645Z",
       .mail = {.message_id = kExampleId,
                .header_message_id = kExampleId,
                .from = "sender@example.com",
                .subject = kSesSubject,
                .sent_at = "2016-10-14T05:02:16.645Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .source_arn = kEventArn,
                .tag_keys = {"myCustomTag1", "myCustomTag2", "ses:caller-identity",
                             "ses:configuration-set", "ses:from-domain", "ses:source-ip"},
                .destinations = 1,
                .headers = 6}},
      {.file = "ses-event-subscription.json",
       .type = EventType::kSubscription,
       .recipients = {"recipient@example.com"},
       .occurred_at = "2022-01-12T01:00:17.910Z",
       .mail = {.message_id = "EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000",
                .header_message_id = "EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000",
                .from = "sender@example.com",
                .subject = kSesSubject,
                .sent_at = "2022-01-12T01:00:14.340Z",
                .configuration_set = "ConfigSet",
                .source_ip = "192.0.2.0",
                .caller_identity = "ses_user",
                .source_arn = kEventArn,
                .tag_keys = {"myCustomTag1", "myCustomTag2", "ses:caller-identity",
                             "ses:configuration-set", "ses:from-domain", "ses:operation",
                             "ses:source-ip"},
                .destinations = 1,
                .headers = 6},
       .details = R"({"contact_list":"ContactListName","source":"UnsubscribeHeader",
          "new_topic_preferences":{"unsubscribeAll":true,"topicSubscriptionStatus":[
              {"topicName":"ExampleTopicName","subscriptionStatus":"OptOut"}]},
          "old_topic_preferences":{"unsubscribeAll":false,"topicSubscriptionStatus":[
              {"topicName":"ExampleTopicName","subscriptionStatus":"OptOut"}]}})"},

      // --- Identity notifications (SES-DG notification-examples.md) ---------------------------
      {.file = "ses-notification-bounce-with-dsn.json",
       .type = EventType::kBounce,
       .recipients = {"jane@example.com"},
       .occurred_at = "2016-01-27T14:59:38.237Z",
       .mail = NotificationMail("00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000"),
       .bounces = {{.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "General",
                    .status = "5.1.1",
                    .action = "failed",
                    .diagnostic = "smtp; 550 5.1.1 <jane@example.com>... User",
                    .reasons = {"userunknown"},
                    .reporting_mta = "dns; email.example.com",
                    .remote_mta_ip = "127.0.2.0",
                    .feedback_id =
                        "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000"}}},
      {.file = "ses-notification-bounce-without-dsn.json",
       .type = EventType::kBounce,
       .recipients = {"jane@example.com", "richard@example.com"},
       .occurred_at = "2016-01-27T14:59:38.237Z",
       .mail = NotificationMail("00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000"),
       .bounces = {{.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "General",
                    .reasons = kCannotTell,
                    .remote_mta_ip = "127.0.2.0",
                    .feedback_id = "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000"},
                   {.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "General",
                    .reasons = kCannotTell,
                    .remote_mta_ip = "127.0.2.0",
                    .feedback_id =
                        "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000"}}},
      {.file = "ses-notification-complaint-with-feedback-report.json",
       .type = EventType::kComplaint,
       .recipients = {"richard@example.com"},
       .occurred_at = "2016-01-27T14:59:38.237Z",
       .mail = NotificationMail("000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000"),
       .complaint =
           ComplaintExpect{
               .feedback_type = "abuse",
               .user_agent = "AnyCompany Feedback Loop (V0.01)",
               .arrival_date = "2016-01-27T14:59:38.237Z",
               .feedback_id = "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000"}},
      {.file = "ses-notification-complaint-without-feedback-report.json",
       .type = EventType::kComplaint,
       .recipients = {"richard@example.com"},
       .occurred_at = "2016-01-27T14:59:38.237Z",
       .mail = NotificationMail("0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000"),
       .complaint =
           ComplaintExpect{.feedback_id =
                               "0000013786031775-fea503bc-7497-49e1-881b-a0379bb037d3-000000"}},
      {.file = "ses-notification-delivery.json",
       .type = EventType::kDelivery,
       .recipients = {"jane@example.com"},
       .occurred_at = "2016-01-27T14:59:38.237Z",
       .mail = NotificationMail("0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000", 1),
       .details = R"({"smtp_response":"250 ok:  Message 64111812 accepted",
                      "processing_time_ms":546,"reporting_mta":"a8-70.smtp-out.amazonses.com",
                      "remote_mta_ip":"127.0.2.0"})"},

      // --- Single SES objects (not notifications): kept raw as unrecognized ------------------
      {.file = "ses-object-bounce.json", .recipients = {""}, .why_contains = "notificationType"},
      {.file = "ses-object-bounced-recipient.json",
       .recipients = {""},
       .why_contains = "notificationType"},
      {.file = "ses-object-complained-recipient.json",
       .recipients = {""},
       .why_contains = "notificationType"},
      {.file = "ses-object-complaint.json", .recipients = {""}, .why_contains = "eventType"},
      {.file = "ses-object-delivery.json", .recipients = {""}, .why_contains = "eventType"},
      {.file = "ses-object-mail-with-headers.json",
       .recipients = {""},
       .why_contains = "not SES content"},

      // --- Synthetic (tests/data/ses/README.md) ----------------------------------------------
      {.file = "synthetic-complaint-on-account-suppression.json",
       .type = EventType::kComplaint,
       .recipients = {"angry@example.com", "angry2@example.com"},
       .occurred_at = "2026-11-30T04:00:00.000Z",
       .mail = {.message_id = "0100018c-complaint-mail",
                .from = "x@example.com",
                .sent_at = "2026-11-30T03:59:00.000Z",
                .destinations = 2},
       .complaint = ComplaintExpect{.sub_type = "OnAccountSuppressionList",
                                    .feedback_id = "0100018c-complaint-sub"}},
      {.file = "synthetic-complaint-subtype-null.json",
       .type = EventType::kComplaint,
       .recipients = {"r@example.com"},
       .occurred_at = "2026-11-30T04:00:00.000Z",
       .mail = {.message_id = "0100018c-null-mail",
                .from = "x@example.com",
                .sent_at = "2026-11-30T03:59:00.000Z",
                .destinations = 1},
       .complaint = ComplaintExpect{.feedback_type = "not-spam",
                                    .sub_type = "",
                                    .feedback_id = "0100018c-complaint-null"}},
      {.file = "synthetic-empty-recipients.json",
       .recipients = {""},
       .mail = {.message_id = "m-3", .destinations = 1},
       .why_contains = "bounce.bouncedRecipients"},
      {.file = "synthetic-escapes-bounce.json",
       .type = EventType::kBounce,
       .recipients = {"jos\u00e9@example.com"},
       .occurred_at = "2026-11-30T03:00:00.000Z",
       .mail = {.message_id = "esc-mail",
                .header_message_id = "<esc/1@example.com>",
                .from = "\"Caf\u00e9 \u2713\" <caf\u00e9@example.com>",
                .subject = "Line1\nLine2 \"quoted\" \\ backslash / slash caf\u00e9 \u2713 "
                           "\u00a0nbsp\ttab",
                .sent_at = "2026-11-30T02:59:00.000Z",
                .configuration_set = "Set/One",
                .tag_keys = {"ses:configuration-set"},
                .destinations = 1},
       .bounces = {{.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "General",
                    .status = "5.1.1",
                    .action = "failed",
                    .diagnostic = "smtp; 550 5.1.1 <jos\u00e9@example.com>: \"no such user\" / "
                                  "unknown\tuser",
                    .reasons = {"userunknown"},
                    .reporting_mta = "dsn; a1-2.smtp-out.amazonses.com",
                    .feedback_id = "esc-1"}}},
      {.file = "synthetic-event-bounce-on-account-suppression.json",
       .type = EventType::kBounce,
       .recipients = {"suppressed@example.com"},
       .occurred_at = "2026-11-30T02:59:58.000Z",
       .mail = {.message_id = "0100018c-onaccount-000000",
                .from = "sender@example.com",
                .sent_at = "2026-11-30T02:59:57.500Z",
                .configuration_set = "Marketing",
                .tag_keys = {"campaign"},
                .destinations = 1},
       .bounces = {{.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "OnAccountSuppressionList",
                    .reasons = {"suppressed"},
                    .reporting_mta = "dns; amazonses.com",
                    .feedback_id = "0100018c-suppressed-000000"}}},
      {.file = "synthetic-missing-type-object.json",
       .recipients = {""},
       .mail = {.message_id = "m-2", .destinations = 1},
       .why_contains = "\"bounce\" object"},
      {.file = "synthetic-multi-destination-send.json",
       .type = EventType::kSend,
       .recipients = {"a@example.com", "b@example.com", "c@example.com"},
       .occurred_at = "2026-11-30T03:00:00.000Z",
       .mail = {.message_id = "multi",
                .from = "s@example.com",
                .sent_at = "2026-11-30T03:00:00.000Z",
                .configuration_set = "Tx",
                .source_ip = "198.51.100.7",
                .caller_identity = "deployer",
                .tag_keys = {"ses:caller-identity", "ses:configuration-set", "ses:source-ip"},
                .destinations = 3}},
      {.file = "synthetic-not-ses-json.json",
       .recipients = {""},
       .why_contains = "not SES content"},
      {.file = "synthetic-notification-bounce-suppressed.json",
       .type = EventType::kBounce,
       .recipients = {"suppressionlist@simulator.amazonses.com"},
       .occurred_at = "2026-11-30T03:00:01.000Z",
       .mail = {.message_id = "0100018c-global-000000",
                .from = "sender@example.com",
                .sent_at = "2026-11-30T03:00:00 +0000",
                .destinations = 1},
       .bounces = {{.bounce_class = BounceClass::kHard,
                    .ses_type = "Permanent",
                    .ses_subtype = "Suppressed",
                    .status = "5.1.1",
                    .action = "failed",
                    .diagnostic = "Amazon SES has suppressed sending to this address because it "
                                  "has a recent history of bouncing as an invalid address.",
                    .reasons = {"suppressed"},
                    .feedback_id = "0100018c-suppressed-global"}}},
      {.file = "synthetic-notification-bounce-transient-mailboxfull.json",
       .type = EventType::kBounce,
       .recipients = {"full@example.net", "also-full@example.net"},
       .occurred_at = "2026-11-30T03:05:00.500Z",
       .mail = {.message_id = "0100018c-mbfull-mail",
                .header_message_id = "<abc@example.com>",
                .from = "news@example.com",
                .subject = "Weekly",
                .sent_at = "2026-11-30T03:00:00.000Z",
                .destinations = 2,
                .headers = 2,
                .headers_truncated = true},
       .bounces = {{.bounce_class = BounceClass::kSoft,
                    .ses_type = "Transient",
                    .ses_subtype = "MailboxFull",
                    .status = "4.2.2",
                    .action = "failed",
                    .diagnostic = "smtp; 452-4.2.2 The email account that you tried to reach is "
                                  "over quota.",
                    .reasons = {"mailboxfull"},
                    .feedback_id = "0100018c-mbfull"},
                   {.bounce_class = BounceClass::kSoft,
                    .ses_type = "Transient",
                    .ses_subtype = "MailboxFull",
                    .diagnostic = "smtp; 552 mailbox full",
                    .reasons = {"mailboxfull"},
                    .feedback_id = "0100018c-mbfull"}}},
      // The bounce timestamp is unparseable: occurred_at is unknown (0), not the send time.
      {.file = "synthetic-notification-bounce-undetermined.json",
       .type = EventType::kBounce,
       .recipients = {"odd@example.org"},
       .occurred_at = "",
       .mail = {.message_id = "0100018c-und-mail",
                .from = "x@example.com",
                .sent_at = "2026-11-30T03:00:00.000Z",
                .destinations = 1},
       .bounces = {{.bounce_class = BounceClass::kUndetermined,
                    .ses_type = "Undetermined",
                    .ses_subtype = "Undetermined",
                    .reasons = kCannotTell,
                    .feedback_id = "0100018c-undetermined"}}},
      {.file = "synthetic-subscription-succeeded.json",
       .recipients = {""},
       .why_contains = "AmazonSnsSubscriptionSucceeded"},
      {.file = "synthetic-unknown-event-type.json",
       .recipients = {""},
       .mail = {.message_id = "m-1", .destinations = 1},
       .why_contains = "\"Teleport\""},
  };
}

SesContext TestContext() {
  return SesContext{.sns_message_id = "sns-msg-1",
                    .topic_arn = "arn:aws:sns:us-east-1:123456789012:ses-feedback",
                    .subscription_arn = "arn:aws:sns:us-east-1:123456789012:ses-feedback:sub",
                    .received_at_ms = *ParseIso8601Ms("2026-11-30T03:00:00Z")};
}

std::vector<FeedbackEvent> Map(std::string_view message) {
  Result<std::vector<FeedbackEvent>> r = MapSesMessage(message, TestContext());
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().ToString());
  return r.has_value() ? *r : std::vector<FeedbackEvent>{};
}

std::string DetailString(const FeedbackEvent& e, std::string_view key) {
  const json::value* v = e.details.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return "<absent>";
  }
  return std::string(v->get_string());
}

class FixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureTest, MapsAsExpected) {
  const Case& c = GetParam();
  const std::string text = bw::testing::ReadData("ses/" + c.file);
  const std::vector<FeedbackEvent> events = Map(text);
  ASSERT_EQ(events.size(), c.recipients.size());
  const SesContext ctx = TestContext();
  for (size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    const FeedbackEvent& e = events[i];
    EXPECT_EQ(EventTypeName(e.type), EventTypeName(c.type));
    EXPECT_EQ(e.recipient, c.recipients[i]);
    EXPECT_EQ(e.occurred_at_ms, c.occurred_at.empty() ? 0 : *ParseIso8601Ms(c.occurred_at));
    EXPECT_EQ(e.received_at_ms, ctx.received_at_ms);
    EXPECT_EQ(e.source, "ses");
    EXPECT_EQ(e.origin.sns_message_id, ctx.sns_message_id);
    EXPECT_EQ(e.origin.topic_arn, ctx.topic_arn);
    EXPECT_EQ(e.origin.subscription_arn, ctx.subscription_arn);
    EXPECT_TRUE(e.id.empty());

    EXPECT_EQ(e.mail.message_id, c.mail.message_id);
    EXPECT_EQ(e.mail.header_message_id, c.mail.header_message_id);
    EXPECT_EQ(e.mail.from, c.mail.from);
    EXPECT_EQ(e.mail.subject, c.mail.subject);
    EXPECT_EQ(e.mail.sent_at, c.mail.sent_at);
    EXPECT_EQ(e.mail.configuration_set, c.mail.configuration_set);
    EXPECT_EQ(e.mail.source_ip, c.mail.source_ip);
    EXPECT_EQ(e.mail.caller_identity, c.mail.caller_identity);
    EXPECT_EQ(e.mail.source_arn, c.mail.source_arn);
    std::vector<std::string> tag_keys;
    for (const auto& [k, v] : e.mail.tags) {
      tag_keys.push_back(k);
      EXPECT_FALSE(v.empty()) << k;
    }
    EXPECT_EQ(tag_keys, c.mail.tag_keys);
    EXPECT_EQ(e.mail.destination.size(), c.mail.destinations);
    EXPECT_EQ(e.mail.headers.size(), c.mail.headers);
    EXPECT_EQ(e.mail.headers_truncated, c.mail.headers_truncated);

    if (c.bounces.empty()) {
      EXPECT_FALSE(e.bounce.has_value());
    } else {
      ASSERT_EQ(c.bounces.size(), events.size());
      ASSERT_TRUE(e.bounce.has_value());
      const BounceExpect& b = c.bounces[i];
      EXPECT_EQ(BounceClassName(e.bounce->bounce_class), BounceClassName(b.bounce_class));
      EXPECT_EQ(e.bounce->ses_type, b.ses_type);
      EXPECT_EQ(e.bounce->ses_subtype, b.ses_subtype);
      EXPECT_EQ(e.bounce->status, b.status);
      EXPECT_EQ(e.bounce->action, b.action);
      EXPECT_EQ(e.bounce->diagnostic, b.diagnostic);
      EXPECT_TRUE(b.reasons.count(e.bounce->reason) == 1) << "reason " << e.bounce->reason;
      EXPECT_EQ(e.bounce->reporting_mta, b.reporting_mta);
      EXPECT_EQ(e.bounce->remote_mta_ip, b.remote_mta_ip);
      EXPECT_EQ(e.bounce->feedback_id, b.feedback_id);
    }
    if (!c.complaint) {
      EXPECT_FALSE(e.complaint.has_value());
    } else {
      ASSERT_TRUE(e.complaint.has_value());
      EXPECT_EQ(e.complaint->feedback_type, c.complaint->feedback_type);
      EXPECT_EQ(e.complaint->sub_type, c.complaint->sub_type);
      EXPECT_EQ(e.complaint->user_agent, c.complaint->user_agent);
      EXPECT_EQ(e.complaint->arrival_date, c.complaint->arrival_date);
      EXPECT_EQ(e.complaint->feedback_id, c.complaint->feedback_id);
    }

    if (c.type == EventType::kUnrecognized) {
      EXPECT_EQ(DetailString(e, "raw"), text);
      EXPECT_NE(DetailString(e, "why").find(c.why_contains), std::string::npos)
          << DetailString(e, "why");
    } else if (i == 0) {
      const json::value expected = json::parse(c.details);
      EXPECT_TRUE(json::value(e.details) == expected)
          << json::serialize(e.details) << "\n  expected " << json::serialize(expected);
    }

    // Whatever the mapper makes must survive the event's JSON form unchanged.
    Result<FeedbackEvent> back = EventFromJson(EventToJson(e));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(EventToJsonLine(*back), EventToJsonLine(e));
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file.substr(0, info.param.file.find('.'));
  std::replace_if(
      name.begin(), name.end(),
      [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) == 0; }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(SesFixtures, FixtureTest, ::testing::ValuesIn(Cases()), CaseName);

TEST(SesFixtures, EveryFixtureHasExpectations) {
  std::set<std::string> covered;
  for (const Case& c : Cases()) {
    covered.insert(c.file);
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(bw::testing::DataPath("ses"))) {
    if (entry.path().extension() == ".json") {
      ++files;
      EXPECT_EQ(covered.count(entry.path().filename().string()), 1u)
          << entry.path().filename() << " has no row in Cases()";
    }
  }
  EXPECT_EQ(files, static_cast<int>(covered.size()));
}

// ---------------------------------------------------------------------------------------------
// Details that the table does not show.

TEST(SesMapper, EventPublishingTagsAreKeptAsArrays) {
  const std::vector<FeedbackEvent> events = Map(bw::testing::ReadData("ses/ses-event-click.json"));
  ASSERT_EQ(events.size(), 1u);
  const auto& tags = events[0].mail.tags;
  EXPECT_EQ(tags.at("ses:configuration-set"), std::vector<std::string>{"ConfigSet"});
  EXPECT_EQ(tags.at("myCustomTag2"), std::vector<std::string>{"myCustomValue2"});
  ASSERT_EQ(events[0].mail.headers.size(), 8u);
  EXPECT_EQ(events[0].mail.headers[1].first, "X-SES-MESSAGE-TAGS");
  EXPECT_EQ(events[0].mail.headers[1].second,
            "myCustomTag1=myCustomValue1, myCustomTag2=myCustomValue2");
}

TEST(SesMapper, MultiValueTagsKeepEveryValue) {
  const std::vector<FeedbackEvent> events =
      Map(bw::testing::ReadData("ses/synthetic-event-bounce-on-account-suppression.json"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].mail.tags.at("campaign"), (std::vector<std::string>{"winter", "2026"}));
}

TEST(SesMapper, EveryRecipientOfABounceShareMailButNotDsnFields) {
  const std::vector<FeedbackEvent> events = Map(R"({"notificationType":"Bounce",
      "bounce":{"bounceType":"Permanent","bounceSubType":"General",
        "timestamp":"2026-11-30T03:00:00Z",
        "bouncedRecipients":[
          {"emailAddress":"a@example.com","status":"5.1.1",
           "diagnosticCode":"smtp; 550 5.1.1 no such user"},
          {"emailAddress":"b@example.com","status":"5.2.2",
           "diagnosticCode":"smtp; 552 5.2.2 mailbox full"}]},
      "mail":{"messageId":"m","destination":["a@example.com","b@example.com"]}})");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].bounce->status, "5.1.1");
  EXPECT_EQ(events[0].bounce->reason, "userunknown");
  EXPECT_EQ(events[1].bounce->status, "5.2.2");
  EXPECT_EQ(events[1].bounce->reason, "mailboxfull");
  // SES says Permanent, so the class stays hard whatever the reason says.
  EXPECT_EQ(events[1].bounce->bounce_class, BounceClass::kHard);
  EXPECT_EQ(events[0].mail.message_id, events[1].mail.message_id);
}

TEST(SesMapper, SuppressionSubtypesAreHardAndSuppressedWhateverTheBounceType) {
  for (const char* subtype : {"Suppressed", "OnAccountSuppressionList"}) {
    for (const char* type : {"Permanent", "Transient", "Undetermined"}) {
      SCOPED_TRACE(std::string(type) + "/" + subtype);
      const std::vector<FeedbackEvent> events =
          Map(std::string(R"({"eventType":"Bounce","bounce":{"bounceType":")") + type +
              R"(","bounceSubType":")" + subtype +
              R"(","bouncedRecipients":[{"emailAddress":"x@example.com","status":"4.4.7"}]},
             "mail":{"messageId":"m","destination":["x@example.com"]}})");
      ASSERT_EQ(events.size(), 1u);
      ASSERT_TRUE(events[0].bounce.has_value());
      EXPECT_EQ(events[0].bounce->bounce_class, BounceClass::kHard);
      EXPECT_EQ(events[0].bounce->reason, "suppressed");
    }
  }
}

TEST(SesMapper, UnknownBounceTypeIsUndetermined) {
  const std::vector<FeedbackEvent> events = Map(R"({"notificationType":"Bounce",
      "bounce":{"bounceType":"Cosmic","bouncedRecipients":[{"emailAddress":"x@example.com"}]},
      "mail":{}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kBounce);
  EXPECT_EQ(events[0].bounce->bounce_class, BounceClass::kUndetermined);
  EXPECT_EQ(events[0].occurred_at_ms, 0);
}

TEST(SesMapper, MissingPerTypeTimestampFallsBackToMailTimestamp) {
  const std::vector<FeedbackEvent> events = Map(R"({"notificationType":"Complaint",
      "complaint":{"complainedRecipients":[{"emailAddress":"x@example.com"}]},
      "mail":{"timestamp":"2018-10-08T14:05:45 +0000","destination":["x@example.com"]}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].occurred_at_ms, *ParseIso8601Ms("2018-10-08T14:05:45Z"));
}

TEST(SesMapper, EventTypeWinsOverNotificationTypeAndTypesAreCaseSensitive) {
  std::vector<FeedbackEvent> events = Map(R"({"eventType":"Send","notificationType":"Bounce",
      "send":{},"mail":{"destination":["x@example.com"]}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kSend);

  events = Map(R"({"eventType":"bounce","bounce":{"bouncedRecipients":[{"emailAddress":"x@e"}]}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);

  // Event-only types are not identity notification types.
  events = Map(R"({"notificationType":"Open","open":{},"mail":{"destination":["x@example.com"]}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);

  // "Rendering Failure" needs its space.
  events = Map(R"({"eventType":"RenderingFailure","failure":{},
      "mail":{"destination":["x@example.com"]}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
}

TEST(SesMapper, RecipientsWithoutAStringAddressAreSkipped) {
  std::vector<FeedbackEvent> events = Map(R"({"notificationType":"Bounce",
      "bounce":{"bounceType":"Permanent","bouncedRecipients":[
        {"emailAddress":null},{"emailAddress":["a@example.com"]},"b@example.com",
        {"emailAddress":"c@example.com"}]},"mail":{}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].recipient, "c@example.com");

  events = Map(R"({"notificationType":"Bounce",
      "bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":null},{}]},
      "mail":{"messageId":"m-9"}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
  EXPECT_EQ(events[0].recipient, "");
  EXPECT_EQ(events[0].mail.message_id, "m-9");
  EXPECT_NE(DetailString(events[0], "why").find("email address"), std::string::npos);
}

TEST(SesMapper, DestinationTypesNeedADestination) {
  for (const char* message :
       {R"({"eventType":"Send","send":{},"mail":{}})",
        R"({"eventType":"Open","open":{},"mail":{"destination":[]}})",
        R"({"eventType":"Click","click":{}})",
        R"({"eventType":"Reject","reject":{},"mail":{"destination":"x@example.com"}})"}) {
    SCOPED_TRACE(message);
    const std::vector<FeedbackEvent> events = Map(message);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, EventType::kUnrecognized);
    EXPECT_NE(DetailString(events[0], "why").find("mail.destination"), std::string::npos);
    EXPECT_EQ(DetailString(events[0], "raw"), message);
  }
}

TEST(SesMapper, WrongShapesAreUnrecognizedNotErrors) {
  for (const char* message :
       {"", "null", "42", "\"Bounce\"", "[]", "[{\"notificationType\":\"Bounce\"}]", "{}",
        R"({"notificationType":7})", R"({"notificationType":"Bounce","bounce":[]})",
        R"({"notificationType":"Bounce","bounce":{"bouncedRecipients":{}}})",
        R"({"notificationType":"Delivery","delivery":{"recipients":[1,2]}})",
        R"({"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"a@b"}]})",
        "{\"notificationType\":\"Bounce\"", "not json at all", "{\"a\":1} trailing"}) {
    SCOPED_TRACE(message);
    const std::vector<FeedbackEvent> events = Map(message);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, EventType::kUnrecognized);
    EXPECT_EQ(events[0].recipient, "");
    EXPECT_EQ(DetailString(events[0], "raw"), message);
    EXPECT_NE(DetailString(events[0], "why"), "<absent>");
    EXPECT_FALSE(events[0].details.contains("raw_base64"));
  }
}

TEST(SesMapper, EscapedSnsMessageThatIsNotJsonIsKeptExactly) {
  const std::string text = bw::testing::ReadData("ses/synthetic-escapes-sns-message.txt");
  ASSERT_EQ(text, "Line1\nLine2 \"quoted\" \\ backslash / slash caf\u00e9 \u2713 \u00a0nbsp\ttab");
  const std::vector<FeedbackEvent> events = Map(text);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
  EXPECT_EQ(DetailString(events[0], "raw"), text);
  EXPECT_NE(DetailString(events[0], "why").find("not JSON"), std::string::npos);
  // And the stored form carries it intact.
  Result<FeedbackEvent> back = EventFromJson(json::parse(EventToJsonLine(events[0])));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(DetailString(*back, "raw"), text);
}

TEST(SesMapper, InvalidUtf8IsReplacedInRawAndKeptExactlyInBase64) {
  const std::string message = std::string("ab\xff", 3) + "c\xC3";  // stray byte, cut sequence
  const std::vector<FeedbackEvent> events = Map(message);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
  EXPECT_EQ(DetailString(events[0], "raw"),
            "ab\xEF\xBF\xBD"
            "c\xEF\xBF\xBD");
  EXPECT_EQ(DetailString(events[0], "raw_base64"), "YWL/Y8M=");
}

TEST(SesMapper, InvalidUtf8InsideJsonIsUnrecognized) {
  const std::string message = "{\"notificationType\":\"Bounce\xC0\"}";
  const std::vector<FeedbackEvent> events = Map(message);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
  EXPECT_TRUE(events[0].details.contains("raw_base64"));
}

TEST(SesMapper, RawIsTruncatedAt256KiBOnACharacterBoundary) {
  // 'x' then two-byte characters, so that the limit falls inside one of them.
  std::string message = "x";
  while (message.size() < kMaxRawBytes + 100) {
    message += "\u00e9";
  }
  const std::vector<FeedbackEvent> events = Map(message);
  ASSERT_EQ(events.size(), 1u);
  const std::string raw = DetailString(events[0], "raw");
  EXPECT_EQ(raw.size(), kMaxRawBytes - 1);  // 1 + 2k bytes: the odd limit is backed off by one
  EXPECT_EQ(raw, message.substr(0, raw.size()));
  EXPECT_FALSE(events[0].details.contains("raw_base64"));
  EXPECT_EQ(events[0].details.at("raw_truncated"), json::value(true));
  EXPECT_EQ(events[0].details.at("raw_size").to_number<uint64_t>(), message.size());
}

TEST(SesMapper, JsonDeeperThanTheLimitIsUnrecognized) {
  auto nested = [](size_t depth) {
    std::string inner = std::string(depth - 1, '[') + std::string(depth - 1, ']');
    return R"({"eventType":"Send","send":{},"mail":{"destination":["x@example.com"]},"x":)" +
           inner + "}";
  };
  // The top-level object counts as one level.
  std::vector<FeedbackEvent> events = Map(nested(kMaxJsonDepth));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kSend);
  events = Map(nested(kMaxJsonDepth + 1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
  events = Map(std::string(100000, '['));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kUnrecognized);
}

TEST(SesMapper, RecipientsPastTheLimitAreReportedNotLost) {
  constexpr size_t kExtra = 7;
  std::string list;
  for (size_t i = 0; i < kMaxRecipients + kExtra; ++i) {
    list += (i == 0 ? "" : ",") + std::string(R"({"emailAddress":"u)") + std::to_string(i) +
            R"(@example.com"})";
  }
  const std::string message = R"({"notificationType":"Bounce","bounce":{"bounceType":"Transient",
      "bounceSubType":"General","timestamp":"2026-11-30T03:00:00Z","bouncedRecipients":[)" +
                              list + R"(]},"mail":{"messageId":"big"}})";
  const std::vector<FeedbackEvent> events = Map(message);
  ASSERT_EQ(events.size(), kMaxRecipients + 1);
  EXPECT_EQ(events[0].recipient, "u0@example.com");
  EXPECT_EQ(events[kMaxRecipients - 1].recipient,
            "u" + std::to_string(kMaxRecipients - 1) + "@example.com");
  EXPECT_EQ(events[kMaxRecipients - 1].type, EventType::kBounce);
  const FeedbackEvent& last = events.back();
  EXPECT_EQ(last.type, EventType::kUnrecognized);
  EXPECT_EQ(last.recipient, "");
  EXPECT_EQ(last.mail.message_id, "big");
  EXPECT_EQ(last.occurred_at_ms, *ParseIso8601Ms("2026-11-30T03:00:00Z"));
  EXPECT_EQ(last.details.at("cut_recipients").to_number<uint64_t>(), kExtra);
  EXPECT_NE(DetailString(last, "why").find(std::to_string(kExtra) + " more recipients"),
            std::string::npos);
  const std::string raw = DetailString(last, "raw");
  EXPECT_EQ(raw, message.substr(0, kMaxRawBytes));  // the message is over the raw limit
  EXPECT_EQ(last.details.at("raw_size").to_number<uint64_t>(), message.size());
}

TEST(SesMapper, ContextSourceIsCopied) {
  SesContext ctx = TestContext();
  ctx.source = "simulator";
  Result<std::vector<FeedbackEvent>> r =
      MapSesMessage(bw::testing::ReadData("ses/ses-event-send.json"), ctx);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].source, "simulator");
  r = MapSesMessage("garbage", ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)[0].source, "simulator");
  EXPECT_EQ((*r)[0].origin.sns_message_id, "sns-msg-1");
}

TEST(SesMapper, ProcessingTimeIsAnIntegerWhateverTheNumberForm) {
  const std::vector<FeedbackEvent> events = Map(R"({"notificationType":"Delivery",
      "delivery":{"recipients":["a@example.com"],"processingTimeMillis":5.46e2},"mail":{}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].details.at("processing_time_ms"), json::value(546));
}

TEST(ReplyCodeFromDiagnostic, FindsTheSmtpReplyCode) {
  EXPECT_EQ(ReplyCodeFromDiagnostic("smtp; 550 5.1.1 user unknown"), "550");
  EXPECT_EQ(ReplyCodeFromDiagnostic("smtp; 452-4.2.2 over quota"), "452");
  EXPECT_EQ(ReplyCodeFromDiagnostic("SMTP;421 4.4.1 Unable to connect"), "421");
  EXPECT_EQ(ReplyCodeFromDiagnostic("host said: 554 rejected"), "554");
  EXPECT_EQ(ReplyCodeFromDiagnostic("250 ok"), "250");
  EXPECT_EQ(ReplyCodeFromDiagnostic(""), "");
  EXPECT_EQ(ReplyCodeFromDiagnostic("X-Postfix; unknown user"), "");
  EXPECT_EQ(ReplyCodeFromDiagnostic("smtp; 5.1.1 user unknown"), "");
  EXPECT_EQ(ReplyCodeFromDiagnostic("from 192.168.1.250 id 5500"), "");
  EXPECT_EQ(ReplyCodeFromDiagnostic("error 650 then 550"), "550");
  EXPECT_EQ(ReplyCodeFromDiagnostic("55"), "");
}

}  // namespace
}  // namespace bw::ses
