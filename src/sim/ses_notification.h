// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace bw::sim {

// The SES mailbox-simulator scenarios (sns-ses-protocol.md §4), plus `custom`.
enum class Scenario {
  kSuccess,          // success@simulator.amazonses.com: a Delivery
  kBounce,           // bounce@: Permanent/General, 5.1.1, "smtp; 550 5.1.1 user unknown"
  kComplaint,        // complaint@: an abuse complaint with a feedback report (ARF fields)
  kSuppressionList,  // suppressionlist@: a Permanent bounce SES made without sending
  kOoto,             // ooto@: the auto-response, which SES reports as a Transient/General bounce
  kCustom,           // any SES JSON from a file (see CheckSesJson)
};

// "success", "bounce", "complaint", "suppressionlist", "ooto", "custom".
std::string_view ScenarioName(Scenario s);
std::optional<Scenario> ParseScenario(std::string_view name);

// Which of SES's two JSON shapes to produce.
enum class SesFormat {
  kIdentity,  // identity notifications: "notificationType", no tags
  kEvent,     // event publishing (configuration set): "eventType", mail.tags
};
std::string_view SesFormatName(SesFormat f);  // "ses", "event"
std::optional<SesFormat> ParseSesFormat(std::string_view name);

// Which bounce subtype `suppressionlist` produces. SES has two suppression lists: the account-
// level list (on by default for accounts created since 2019-11; SES reports
// OnAccountSuppressionList, not counted in the bounce rate) and the older global list (SES reports
// Suppressed). The 2023 developer guide describes the simulator address as "as if the address is
// on the global suppression list"; the issue asks for the account-level shape, which is what a
// current account meets in practice, so that is the default.
enum class SuppressionList {
  kAccount,  // bounceSubType OnAccountSuppressionList (default)
  kGlobal,   // bounceSubType Suppressed
};

inline constexpr const char* kSimulatorDomain = "simulator.amazonses.com";

// What to build. Plain data; every field has a realistic default.
struct NotificationOptions {
  Scenario scenario = Scenario::kBounce;
  SesFormat format = SesFormat::kIdentity;
  // The recipient. Empty = "<scenario>[+label]@simulator.amazonses.com". Used verbatim otherwise,
  // so "bounce+label1@simulator.amazonses.com" keeps its label.
  std::string recipient;
  std::string label;  // only used when `recipient` is empty
  std::string from = "sender@example.com";
  std::string sending_account_id = "123456789012";
  std::string region = "us-east-1";
  std::string configuration_set = "bouncewatch-simulator";  // event format: ses:configuration-set
  std::string subject = "bouncewatch simulator test";
  SuppressionList suppression = SuppressionList::kAccount;
};

// The address a scenario is sent to: options.recipient, else the simulator address with the
// label ("bounce+l1@simulator.amazonses.com").
std::string RecipientFor(const NotificationOptions& options);

// A new SES message id in SES's shape: "01000" + 11 hex digits of the time + "-" + a random UUID
// + "-000000". Unique per call. Thread-safe.
std::string NewSesMessageId(int64_t unix_ms);

// A random (version 4) UUID in lower-case hex with dashes. Thread-safe.
std::string NewUuid();

// The SES JSON (the SNS `Message`) SES would publish for `options.scenario` at clock.Now(): the
// type object plus a realistic mail object (source, sourceArn, sendingAccountId, a fresh
// messageId, destination, headers, commonHeaders; tags for the event format). mail.timestamp is
// 500 ms before now; the event's own timestamp is now.
// Errors: kInvalidInput for Scenario::kCustom (its JSON comes from a file) or an empty recipient.
// Thread-safe.
Result<std::string> BuildSesNotification(const NotificationOptions& options, const Clock& clock);

// Checks that `json` looks like SES JSON: an object with a string "notificationType" or
// "eventType" and an object "mail". Errors: kInvalidInput with one sentence saying what is wrong.
Status CheckSesJson(std::string_view json);

}  // namespace bw::sim
