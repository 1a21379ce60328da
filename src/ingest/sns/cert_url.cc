// SPDX-License-Identifier: Apache-2.0
#include "ingest/sns/cert_url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/ascii.h"

namespace bw::sns {
namespace {

namespace urls = boost::urls;

// A URL quoted in an error message (its first 200 bytes).
std::string Shown(std::string_view url) { return QuotedForError(url, 200); }

bool IsLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// Parses `url` and applies the rules common to every SNS endpoint URL; returns the host's region.
// `what` names the URL in messages ("SigningCertURL", "SubscribeURL").
Result<std::string> CheckSnsEndpoint(std::string_view url, std::string_view what,
                                     urls::url_view* out) {
  auto parsed = urls::parse_uri(urls::string_view(url.data(), url.size()));
  if (!parsed) {
    return PermissionDenied(std::string(what) + " " + Shown(url) + " is not a valid URL");
  }
  const urls::url_view& u = *parsed;
  if (u.scheme_id() != urls::scheme::https) {
    return PermissionDenied(std::string(what) + " " + Shown(url) + " does not use https");
  }
  if (u.has_userinfo()) {
    return PermissionDenied(std::string(what) + " " + Shown(url) +
                            " carries user-info (\"...@\"), which is not allowed");
  }
  if (u.has_port() && u.port() != "443") {
    return PermissionDenied(std::string(what) + " " + Shown(url) + " names a port other than 443");
  }
  std::optional<std::string> region;
  if (u.host_type() == urls::host_type::name) {
    region = RegionOfSnsHost(std::string_view(u.encoded_host().data(), u.encoded_host().size()));
  }
  if (!region) {
    return PermissionDenied(std::string(what) + " " + Shown(url) +
                            " is not on an SNS host (sns.<region>.amazonaws.com[.cn])");
  }
  if (u.has_fragment()) {
    return PermissionDenied(std::string(what) + " " + Shown(url) + " has a fragment (\"#...\")");
  }
  *out = u;
  return *region;
}

}  // namespace

std::optional<std::string> RegionOfSnsHost(std::string_view host) {
  std::string h(host);
  for (char& c : h) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  constexpr std::string_view kPrefix = "sns.";
  constexpr std::string_view kSuffix = ".amazonaws.com";
  constexpr std::string_view kSuffixCn = ".amazonaws.com.cn";
  std::string_view rest(h);
  if (rest.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  rest.remove_prefix(kPrefix.size());
  if (rest.size() > kSuffixCn.size() && rest.substr(rest.size() - kSuffixCn.size()) == kSuffixCn) {
    rest.remove_suffix(kSuffixCn.size());
  } else if (rest.size() > kSuffix.size() && rest.substr(rest.size() - kSuffix.size()) == kSuffix) {
    rest.remove_suffix(kSuffix.size());
  } else {
    return std::nullopt;
  }
  if (rest.size() < 3) {
    return std::nullopt;
  }
  for (char c : rest) {
    if (!IsLabelChar(c)) {
      return std::nullopt;
    }
  }
  return std::string(rest);
}

std::optional<std::string> RegionOfArn(std::string_view arn) {
  // arn:partition:service:region:account:resource
  std::string_view parts[5];
  std::string_view rest = arn;
  for (auto& part : parts) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    part = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2].empty() || parts[3].empty() ||
      rest.empty()) {
    return std::nullopt;
  }
  return std::string(parts[3]);
}

std::string ExpectedSnsCertificateName(std::string_view region) {
  if (region == "cn-north-1" || region == "cn-northwest-1") {
    return "sns-" + std::string(region) + ".amazonaws.com.cn";
  }
  if (region == "us-gov-west-1" || region == "us-gov-east-1") {
    return "sns-us-gov-west-1.amazonaws.com";
  }
  static constexpr std::string_view kOptIn[] = {
      "ap-east-1",      "ap-east-2",      "ap-south-2",     "ap-southeast-3", "ap-southeast-4",
      "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "me-south-1",     "me-central-1",
      "eu-south-1",     "eu-south-2",     "eu-central-2",   "af-south-1",     "il-central-1",
      "ca-west-1",      "mx-central-1"};
  for (std::string_view r : kOptIn) {
    if (r == region) {
      return "sns-signing." + std::string(region) + ".amazonaws.com";
    }
  }
  return "sns.amazonaws.com";
}

Status ValidateSigningCertUrl(std::string_view url) {
  urls::url_view u;
  Result<std::string> region = CheckSnsEndpoint(url, "SigningCertURL", &u);
  if (!region) {
    return region.error();
  }
  if (u.has_query()) {
    return PermissionDenied("SigningCertURL " + Shown(url) + " has a query (\"?...\")");
  }
  std::string_view path(u.encoded_path().data(), u.encoded_path().size());
  if (path.size() < 4 || path.substr(path.size() - 4) != ".pem") {
    return PermissionDenied("SigningCertURL " + Shown(url) + " does not end in \".pem\"");
  }
  return {};
}

Status ValidateSubscribeUrl(std::string_view url, std::string_view topic_arn) {
  urls::url_view u;
  Result<std::string> region = CheckSnsEndpoint(url, "SubscribeURL", &u);
  if (!region) {
    return region.error();
  }
  if (u.encoded_path() != "/") {
    return PermissionDenied("SubscribeURL " + Shown(url) + " has a path other than \"/\"");
  }
  int actions = 0;
  bool confirm = false;
  for (const urls::param& p : u.params()) {
    if (p.key == "Action") {
      ++actions;
      confirm = p.value == "ConfirmSubscription";
    } else if (p.key == "TopicArn" && p.value != topic_arn) {
      return PermissionDenied("SubscribeURL " + Shown(url) + " is for another topic than " +
                              std::string(topic_arn));
    }
  }
  if (actions != 1 || !confirm) {
    return PermissionDenied("SubscribeURL " + Shown(url) +
                            " is not a single Action=ConfirmSubscription request");
  }
  std::optional<std::string> arn_region = RegionOfArn(topic_arn);
  if (!arn_region || *arn_region != *region) {
    return PermissionDenied("SubscribeURL " + Shown(url) + " is in region " + *region +
                            " but the topic " + std::string(topic_arn) + " is not");
  }
  return {};
}

}  // namespace bw::sns
