// SPDX-License-Identifier: Apache-2.0
// The constant tables of the reason classifier: the message patterns per reason and the
// priority phrases. Internal to bw_ingest_classify; included by reason.cc and by the build step
// that analyses the patterns once (reason_prefilter_gen.cc).
#pragma once

#include <iterator>
#include <string_view>
#include <vector>

namespace bw::ingest::reason_tables {

struct PatternSource {
  std::string_view reason;
  std::string_view pattern;  // PCRE2, extended mode
  std::string_view isnot;    // when this matches, the reason does not apply
};

constexpr PatternSource kSources[] = {
#include "ingest/classify/extra_patterns.inc"
#include "ingest/classify/sisimai_patterns.inc"
};

// Phrases precise enough to decide the reason before the status code is looked at: MTAs often
// pair them with a generic or misleading code.
struct PriorityPhrase {
  std::string_view needle;
  std::string_view reason;
};
constexpr PriorityPhrase kPriorityPhrases[] = {
    {"unable to contact ldap server", "systemerror"},
    {"wasn't able to establish an smtp connection", "networkerror"},
    {"couldn't find a mail exchanger", "notaccept"},
    {"null mx", "notaccept"},
    {"doesn't receive email according to the administrator", "notaccept"},
    {"no smtp service", "notaccept"},
    {"does not accept mail (nullmx)", "notaccept"},
    {"temporarily deferred due to unexpected volume or user complaints", "badreputation"},
    {"fix reverse dns", "requireptr"},
    {"mismatches client ip", "requireptr"},
    {"unverifyable sending ip", "requireptr"},
    {"can't determine purported responsible address", "rejected"},
    {"sender was rejected", "rejected"},
    {"does not have authentication information", "authfailure"},
    {"insufficient disk space", "systemfull"},
    {"multiple addresses in from", "notcompliantrfc"},
    {"unknown recipient or mailbox unavailable", "userunknown"},
    {"recipient not found by smtp address lookup", "userunknown"},
    {"wasn\xe2\x80\x99t found at the destination domain", "userunknown"},
    {"wasn't found at the destination domain", "userunknown"},
    {"because the address couldn't be found", "userunknown"},
    {"recipient name is not recognized", "userunknown"},
    {"not listed in domino directory", "userunknown"},
    {"not listed in public name & address book", "userunknown"},
    {"did not accept our requests to connect", "expired"},
    {"envelope expired", "expired"},
    {"host not reachable", "expired"},
    {"dns type 'mx' lookup of", "networkerror"},
    {"was not delivered within", "expired"},
    {"remote host is not responding", "expired"},
    {"based on the email preferences of the person", "filtered"},
    {"'send mail as' feature", "rejected"},
    {"\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x83\x9c\xe3\x83\x83\xe3\x82\xaf"
     "\xe3\x82\xb9\xe3\x81\x8c\xe4\xb8\x80\xe6\x9d\xaf",
     "mailboxfull"},  // メールボックスが一杯 (Japanese carriers: mailbox full)
    {"\xe5\xae\x9b\xe5\x85\x88\xe4\xb8\x8d\xe6\x98\x8e",
     "userunknown"},  // 宛先不明 (unknown address)
    {"aup#cdrbl", "blocked"},
    {"aup#in-1310", "toomanyconn"},
    {"aup#out-1310", "toomanyconn"},
    {"host network not allowed", "policyviolation"},
    {"no valid recipients", "userunknown"},
    {"user doesn't have a yahoo.com account", "userunknown"},
    {"invalid final delivery userid", "userunknown"},
    {"could not deliver for the last", "expired"},
    {"receiving mail at a rate that", "speeding"},
    {"has sent to too many recipients this hour", "speeding"},
    {"upstream error", "systemerror"},
    {"le compte du destinataire est bloque", "suspend"},
    {"frequency limited", "toomanyconn"},
    {"please turn on smtp authentication", "securityerror"},
    {"message too large for this recipient", "mesgtoobig"},
    {"recipsizelimit", "mesgtoobig"},
    {"account is disabled", "suspend"},
    {"account that you tried to reach is inactive", "suspend"},
    {"account that you tried to reach is disabled", "suspend"},
    {"queue file write error", "systemerror"},
    {"no relaying", "norelaying"},
};
static_assert(std::size(kPriorityPhrases) <= 64, "the phrase prefilter keeps one bit per phrase");

// The inputs of the reason prefilter (reason.cc's Prefilter(), and the build step that analyses
// them): every reason's pattern, in kSources order, and the priority phrases, in table order.
inline std::vector<std::string_view> PatternTexts() {
  std::vector<std::string_view> out;
  for (const auto& s : kSources) {
    out.push_back(s.pattern);
  }
  return out;
}

inline std::vector<std::string_view> PhraseTexts() {
  std::vector<std::string_view> out;
  for (const auto& p : kPriorityPhrases) {
    out.push_back(p.needle);
  }
  return out;
}

}  // namespace bw::ingest::reason_tables
