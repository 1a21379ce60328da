// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/feedback_event.h"
#include "core/result.h"

namespace bw::ses {

// Where an SES message came from: copied into every event the mapper makes.
struct SesContext {
  std::string sns_message_id;
  std::string topic_arn;
  std::string subscription_arn;
  int64_t received_at_ms = 0;  // when bouncewatch received it (from the injected Clock)
  std::string source = "ses";  // FeedbackEvent::source
};

// Hard limits of the mapper (style-notes B3.8).
inline constexpr size_t kMaxJsonDepth = 32;
// Events made from one message; recipients past this are reported in one unrecognized event.
inline constexpr size_t kMaxRecipients = 10'000;
// details.raw of an unrecognized event keeps at most this many bytes of the message.
inline constexpr size_t kMaxRawBytes = 256 * 1024;

// Maps the SES content of one SNS notification (the SNS `Message` string, i.e. the SES JSON) to
// one FeedbackEvent per affected recipient (DESIGN.md "The event").
//
// Accepts identity notifications (`notificationType`: Bounce, Complaint, Delivery) and event
// publishing records (`eventType`: Bounce, Complaint, Delivery, Send, Reject, Open, Click,
// "Rendering Failure", DeliveryDelay, Subscription). Recipients come from bouncedRecipients,
// complainedRecipients, delivery.recipients or deliveryDelay.delayedRecipients, and from
// mail.destination for the types that have no recipient list. Recipients without a string
// emailAddress are skipped. Unknown fields are ignored.
//
// Content that cannot be interpreted (not JSON, deeper than kMaxJsonDepth, not SES, an unknown
// type, a missing type object, no usable recipient) is NOT an error: the result is one event of
// type kUnrecognized, recipient "", with details.raw = the message (at most kMaxRawBytes; when
// the text is not valid UTF-8, invalid bytes become U+FFFD and details.raw_base64 holds the exact
// bytes) and details.why = one sentence. So a caller that stores every returned event never
// drops anything. Past kMaxRecipients, the first kMaxRecipients recipients are mapped and one
// more unrecognized event says how many were cut.
//
// The result is never empty. Errors: kInternal only if memory runs out. Never throws. The size
// of `message` is bounded by the caller. Pure and thread-safe.
Result<std::vector<FeedbackEvent>> MapSesMessage(std::string_view message,
                                                 const SesContext& context);

// The SMTP reply code in a diagnostic such as "smtp; 550 5.1.1 user unknown" ("550"), or ""
// when there is none. Only 2xx-5xx codes count; an enhanced status ("5.1.1") is not a reply code.
std::string ReplyCodeFromDiagnostic(std::string_view diagnostic);

}  // namespace bw::ses
