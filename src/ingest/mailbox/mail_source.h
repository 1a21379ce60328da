// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace bw::mailbox {

// A mail waiting in a source. Plain data.
struct MailRef {
  std::string id;      // source-specific: file name, IMAP UID, POP3 message number
  std::string origin;  // where it is, for messages and the events' origin (no credentials)
};

// What happened to a mail, decided only after its events were committed durably.
enum class Disposition {
  kStored,     // its events are committed (now, or earlier: a duplicate): remove it, or flag it
               // \Seen \Deleted, or move it to cur/ as seen
  kNotBounce,  // not a bounce, complaint or auto-reply, nothing to store: keep it for a human
               // but do not read it again where the source can remember that
};

// Where mails come from: a maildir, an IMAP mailbox, a POP3 maildrop, a list of files. The
// ingester lists, fetches, commits, and only then settles each mail, so that a crash or a store
// outage at any point loses nothing (a mail settled twice is a duplicate, never a loss).
// One session; not thread-safe.
class MailSource {
 public:
  virtual ~MailSource() = default;

  // The mails waiting now, oldest first. kUnavailable when the source cannot be reached;
  // kPermissionDenied when the login is refused; kInvalidInput for a source that can never work.
  virtual Result<std::vector<MailRef>> List() = 0;

  // The whole mail, as stored. kNotFound when it went away; kUnavailable as for List.
  virtual Result<std::string> Fetch(const MailRef& mail) = 0;

  // Removes, flags or moves the mail as `d` says.
  // REQUIRES: the mail's events are committed durably, or it has nothing to store.
  virtual Status Settle(const MailRef& mail, Disposition d) = 0;

  // Ends the session: IMAP expunges what was flagged \Deleted, POP3 quits (its deletions take
  // effect only now). Idempotent.
  virtual Status Close() = 0;
};

}  // namespace bw::mailbox
