// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ingest/mailbox/mail_source.h"

namespace bw::mailbox {

// How to reach an IMAP or POP3 server. Credentials come from the URL
// (imap://user:password@host/INBOX) unless `user` is set here.
struct RemoteOptions {
  std::string user;      // overrides the URL's user name when not empty
  std::string password;  // overrides the URL's password when `user` is set
  std::string ca_file;   // PEM bundle for imaps:// and pop3s://; empty = system trust store
  // IMAP: flag stored mails \Seen (and $BouncewatchDone) only, instead of \Deleted + expunge.
  bool keep = false;
  std::chrono::milliseconds timeout{30000};  // connect and stall limit. Default: 30 s
};

// The IMAP keyword that marks a mail as handled (read and settled), so that it is not read again.
inline constexpr const char* kDoneKeyword = "$BouncewatchDone";

// An IMAP mailbox over libcurl: imap://HOST[:PORT]/MAILBOX (default INBOX) or imaps://.
// List reads the undeleted mails without the $BouncewatchDone keyword (UID SEARCH), Fetch
// reads one by UID. Settle(kStored) flags it \Seen \Deleted $BouncewatchDone (or only \Seen
// $BouncewatchDone with options.keep) and Close expunges exactly those (UID EXPUNGE);
// Settle(kNotBounce) sets only $BouncewatchDone. One logged-in connection for the session.
//
// A POP3 maildrop over libcurl: pop3://HOST[:PORT]/ or pop3s://. List is LIST, Fetch is RETR,
// Settle(kStored) is DELE; kNotBounce mails stay (POP3 has no flags: they are read again next
// time and counted again). Deletions take effect at Close (QUIT), so a session that dies before
// deletes nothing.
//
// kInvalidInput for a URL that is neither; nothing is contacted before List.
Result<std::unique_ptr<MailSource>> OpenRemoteSource(const std::string& url,
                                                     const RemoteOptions& options);

}  // namespace bw::mailbox
