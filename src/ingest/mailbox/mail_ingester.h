// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/mailbox/mail_source.h"
#include "store/store.h"

namespace bw::mailbox {

// sysexits(3) codes, the exit codes an MTA's pipe transport understands.
inline constexpr int kExOk = 0;
inline constexpr int kExUsage = 64;     // bad arguments
inline constexpr int kExDataErr = 65;   // a mail that cannot be parsed: the MTA bounces it
inline constexpr int kExNoInput = 66;   // an input file that does not exist
inline constexpr int kExTempFail = 75;  // store (or mail server) unavailable: the MTA retries
inline constexpr int kExConfig = 78;    // unusable configuration (Postfix defers)

// What happened to one mail.
enum class MailOutcome {
  kStored,       // events committed now
  kDuplicate,    // its dedup key was stored before; nothing written
  kNotBounce,    // not a bounce, complaint or auto-reply; nothing to store, not an error
  kInvalid,      // cannot be parsed (no header, too large): stored nothing; EX_DATAERR
  kUnavailable,  // the store could not commit, or GMime could not be loaded: nothing stored,
                 // the mail must stay; EX_TEMPFAIL
};

// Counters for the summary. Plain data.
struct IngestStats {
  int64_t read = 0;
  int64_t stored = 0;
  int64_t duplicates = 0;
  int64_t not_bounces = 0;
  int64_t invalid = 0;      // mails that could not be parsed
  int64_t unavailable = 0;  // mails left because the store could not commit
  int64_t source_errors = 0;  // list / fetch / settle failures of the mailbox itself
  bool tempfail = false;      // the store or the source was unavailable: retry later

  int64_t errors() const { return invalid + unavailable + source_errors; }
};

// "5 mails read: 3 stored, 1 duplicate, 1 not a bounce, 0 errors".
std::string FormatSummary(const IngestStats& stats);

// The sysexits code for a run: EX_TEMPFAIL when anything must be retried, else EX_DATAERR when a
// mail could not be parsed, else 0.
int ExitCodeFor(const IngestStats& stats);

// The (source "mail") dedup key of a mail: its Message-ID without <>, or "sha256:<hex>" of the
// bytes (CRLF counted as LF, so that a mail has one key however it was read) when it has none.
std::string DedupKey(std::string_view raw);

// Commits one batch durably (Store::Ingest, or the app's ingest path with policy); errors as
// Store's: kUnavailable to retry later, kInvalidInput for a batch that can never be stored.
using CommitFn = std::function<Result<store::IngestOutcome>(store::IngestBatch)>;

// CommitFn that calls store.Ingest. `store` must outlive the function.
CommitFn CommitTo(store::Store& store);

// Stores bounce, complaint and auto-reply mails as events: one IngestBatch per mail
// {source "mail", dedup_key DedupKey(raw), kind "mail", raw, events mail::ToEvents}, handed to
// `commit`. Sources are drained so that a mail is settled (removed, flagged, moved) only after
// its commit returned. The clock must outlive it. Not thread-safe.
class MailIngester {
 public:
  using Progress = std::function<void(const IngestStats&)>;

  MailIngester(CommitFn commit, const Clock& clock, mail::ParseOptions options)
      : commit_(std::move(commit)), clock_(clock), options_(std::move(options)) {}

  // Parses and stores one mail; counts it in stats(). `origin` names it in the events and in
  // `*error` (set for kInvalid and kUnavailable). Never throws.
  MailOutcome IngestOne(std::string_view raw, std::string_view origin, std::string* error);

  // Lists the source and, for each mail: fetches, stores, and only after the commit settles it
  // (kStored for stored and duplicate mails, kNotBounce for the others). Mails that cannot be
  // parsed are left where they are (and skipped by later Drain calls on this ingester); when
  // the store is unavailable the drain stops and leaves the rest untouched. Closes the source
  // at the end. Errors are reported through `report` (one sentence each) and counted; returns
  // false when the source itself failed (could not list, fetch or settle).
  bool Drain(MailSource& source, const std::function<void(const std::string&)>& report,
             const Progress& progress = nullptr);

  const IngestStats& stats() const { return stats_; }

 private:
  CommitFn commit_;
  const Clock& clock_;
  mail::ParseOptions options_;
  IngestStats stats_;
  std::set<std::string> skip_;  // ids of mails that could not be parsed
};

}  // namespace bw::mailbox
