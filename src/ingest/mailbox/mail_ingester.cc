// SPDX-License-Identifier: Apache-2.0
#include "ingest/mailbox/mail_ingester.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include <nettle/sha2.h>

#include "ingest/mail/mail.h"

namespace bw::mailbox {
namespace {

// SHA-256 with Nettle (no libcrypto in `ingest-mail`: CMakeLists.txt says why).
std::string Sha256Hex(std::string_view data) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
  std::array<uint8_t, SHA256_DIGEST_SIZE> md{};
  sha256_digest(&ctx, md.size(), md.data());
  const size_t len = md.size();
  std::string hex;
  hex.reserve(len * 2);
  static const char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; ++i) {
    hex += kDigits[md[i] >> 4];
    hex += kDigits[md[i] & 0xf];
  }
  return hex;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                        s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string DedupKey(std::string_view raw) {
  // Only the header matters; ParseFieldBlock stops at the first empty line.
  mail::Headers headers =
      mail::ParseFieldBlock(raw.substr(0, std::min<size_t>(raw.size(), 1 << 20)));
  std::string_view id = Trim(mail::FindHeader(headers, "Message-ID"));
  if (!id.empty() && id.front() == '<') {
    size_t close = id.find('>');
    id = close == std::string_view::npos ? id.substr(1) : id.substr(1, close - 1);
    id = Trim(id);
  }
  // RFC 5322 §3.6.4 msg-id has no white space; anything else is not an identifier to trust.
  if (!id.empty() && id.size() <= 998 && id.find_first_of(" \t\r\n") == std::string_view::npos) {
    return std::string(id);
  }
  // Line ends differ by transport (a file has LF, IMAP and POP3 serve CRLF): hash without CR.
  std::string lf;
  lf.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\r' || (i + 1 < raw.size() && raw[i + 1] != '\n')) {
      lf += raw[i];
    }
  }
  return "sha256:" + Sha256Hex(lf);
}

CommitFn CommitTo(store::Store& store) {
  return [&store](store::IngestBatch batch) { return store.Ingest(std::move(batch)); };
}

std::string FormatSummary(const IngestStats& s) {
  return Plural(s.read, "mail", "mails") + " read: " + std::to_string(s.stored) + " stored, " +
         Plural(s.duplicates, "duplicate", "duplicates") + ", " +
         Plural(s.not_bounces, "not a bounce", "not bounces") + ", " +
         Plural(s.errors(), "error", "errors");
}

int ExitCodeFor(const IngestStats& s) {
  if (s.tempfail || s.unavailable > 0) {
    return kExTempFail;
  }
  if (s.invalid > 0) {
    return kExDataErr;
  }
  return kExOk;
}

MailOutcome MailIngester::IngestOne(std::string_view raw, std::string_view origin,
                                    std::string* error) {
  ++stats_.read;
  auto results = mail::ParseMail(raw, options_);
  if (results.has_error() && results.error().code() == Code::kUnavailable) {
    // GMime could not be loaded: a broken installation, not a broken mail. Keep it for a retry.
    ++stats_.unavailable;
    stats_.tempfail = true;
    if (error != nullptr) {
      *error = std::string(origin) + ": not parsed: " + results.error().message();
    }
    return MailOutcome::kUnavailable;
  }
  if (results.has_error()) {
    ++stats_.invalid;
    if (error != nullptr) {
      *error = std::string(origin) + ": " + results.error().message();
    }
    return MailOutcome::kInvalid;
  }
  if (results->empty()) {
    ++stats_.not_bounces;
    return MailOutcome::kNotBounce;
  }
  store::IngestBatch batch;
  batch.source = "mail";
  batch.dedup_key = DedupKey(raw);
  batch.kind = "mail";
  batch.raw = std::string(raw);
  batch.received_at_ms = ToUnixMs(clock_.Now());
  batch.events = mail::ToEvents(*results, origin, clock_);
  auto outcome = commit_(std::move(batch));
  if (outcome.has_error()) {
    const Error& e = outcome.error();
    if (e.code() == Code::kInvalidInput || e.code() == Code::kTooLarge) {
      ++stats_.invalid;
      if (error != nullptr) {
        *error = std::string(origin) + ": the store refused it: " + e.message();
      }
      return MailOutcome::kInvalid;
    }
    // Anything else may succeed later: keep the mail and let the sender retry.
    ++stats_.unavailable;
    stats_.tempfail = true;
    if (error != nullptr) {
      *error = std::string(origin) + ": not stored, the store is unavailable: " + e.message();
    }
    return MailOutcome::kUnavailable;
  }
  if (*outcome == store::IngestOutcome::kDuplicate) {
    ++stats_.duplicates;
    return MailOutcome::kDuplicate;
  }
  ++stats_.stored;
  return MailOutcome::kStored;
}

bool MailIngester::Drain(MailSource& source, const std::function<void(const std::string&)>& report,
                         const Progress& progress) {
  auto fail = [&](const Error& e) {
    ++stats_.source_errors;
    if (e.code() != Code::kNotFound) {
      stats_.tempfail = true;
    }
    report(e.message());
  };
  auto mails = source.List();
  if (mails.has_error()) {
    fail(mails.error());
    source.Close();
    return false;
  }
  bool ok = true;
  for (const MailRef& ref : *mails) {
    if (skip_.count(ref.id)) {
      continue;
    }
    auto raw = source.Fetch(ref);
    if (raw.has_error()) {
      fail(raw.error());
      if (raw.error().code() == Code::kNotFound || raw.error().code() == Code::kTooLarge) {
        continue;  // gone meanwhile, or one oversize mail: go on with the others
      }
      ok = false;
      break;
    }
    std::string error;
    MailOutcome outcome = IngestOne(*raw, ref.origin, &error);
    if (outcome == MailOutcome::kInvalid) {
      skip_.insert(ref.id);
      report(error);
    } else if (outcome == MailOutcome::kUnavailable) {
      report(error);
      break;  // the store is down: leave this and every later mail where it is
    } else {
      // Committed (or nothing to commit): only now may the mail leave the mailbox.
      Disposition d = outcome == MailOutcome::kNotBounce ? Disposition::kNotBounce
                                                         : Disposition::kStored;
      if (Status settled = source.Settle(ref, d); settled.has_error()) {
        fail(settled.error());
        ok = false;
        break;
      }
    }
    if (progress) {
      progress(stats_);
    }
  }
  if (Status closed = source.Close(); closed.has_error()) {
    fail(closed.error());
    ok = false;
  }
  return ok;
}

}  // namespace bw::mailbox
