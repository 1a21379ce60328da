// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bw::sns {

// The region label of an SNS endpoint host: "us-east-1" for "sns.us-east-1.amazonaws.com" or
// "cn-north-1" for "sns.cn-north-1.amazonaws.com.cn". The host is lower-cased first and must match
// ^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$ (the official validators' regex, lower-case);
// nullopt otherwise.
std::optional<std::string> RegionOfSnsHost(std::string_view host);

// The region field of an ARN ("arn:aws:sns:us-west-2:123456789012:topic" -> "us-west-2"), or
// nullopt when `arn` is not of the form arn:<partition>:<service>:<region>:<account>:<resource>
// with a non-empty region.
std::optional<std::string> RegionOfArn(std::string_view arn);

// The name an SNS signing certificate for `region` carries (sns-ses-protocol.md §2.2, from AWS's
// Java SDK v2 SnsHostProvider): "sns-cn-north-1.amazonaws.com.cn" / "sns-cn-northwest-1..." for
// China, "sns-us-gov-west-1.amazonaws.com" for both GovCloud regions,
// "sns-signing.<region>.amazonaws.com" for the opt-in regions, "sns.amazonaws.com" otherwise.
std::string ExpectedSnsCertificateName(std::string_view region);

// Whether `url` may be fetched as an SNS signing certificate (sns-ses-protocol.md §2.3): https
// only; no user-info; no port or port 443; host (lower-cased) matches
// ^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$; path ends in ".pem" (case-sensitive); no query
// and no fragment. Anything else could make us fetch an attacker's certificate.
// Errors: kPermissionDenied with a message naming the rule broken. Thread-safe (pure).
Status ValidateSigningCertUrl(std::string_view url);

// Whether a SubscriptionConfirmation's SubscribeURL may be visited (GET) to confirm the
// subscription to `topic_arn`: the same scheme/user-info/port/host rules as the certificate URL;
// path "/"; query with Action=ConfirmSubscription (and, if it carries TopicArn, that equals
// `topic_arn`); no fragment; and the host's region equals the region of `topic_arn`.
// Errors: kPermissionDenied naming the rule broken. Thread-safe (pure).
Status ValidateSubscribeUrl(std::string_view url, std::string_view topic_arn);

}  // namespace bw::sns
