// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bw::testing {

// A real Dovecot (Debian dovecot-imapd + dovecot-pop3d) for tests of IMAP and POP3 clients.
// The constructor writes a throw-away configuration into a fresh temp directory (plain auth
// against a passwd-file with one user, mail_location maildir in the temp dir, ssl = no, IMAP and
// POP3 on free 127.0.0.1 ports, no system service touched), starts `dovecot -F` as a child and
// waits until both ports accept connections. The destructor stops it and removes the directory.
// Needs root (Dovecot's master runs as root and serves the mail as user nobody).
// Construction throws std::runtime_error with the reason when Dovecot cannot run; Available()
// says beforehand whether it is installed. Not thread-safe.
class DovecotServer {
 public:
  static constexpr const char* kUser = "bounces";
  static constexpr const char* kPassword = "s3cret-pass";

  // Whether /usr/sbin/dovecot exists and this process is root; else a reason in *why.
  static bool Available(std::string* why);

  DovecotServer();
  ~DovecotServer();
  DovecotServer(const DovecotServer&) = delete;
  DovecotServer& operator=(const DovecotServer&) = delete;

  uint16_t imap_port() const { return imap_port_; }
  uint16_t pop3_port() const { return pop3_port_; }
  // imap://bounces:s3cret-pass@127.0.0.1:PORT/INBOX and pop3://bounces:s3cret-pass@127.0.0.1:PORT/
  std::string ImapUrl() const;
  std::string Pop3Url() const;

  // The user's INBOX maildir (new/, cur/, tmp/).
  std::filesystem::path Maildir() const { return maildir_; }

  // Delivers a mail by writing it straight into new/ (the maildir way: tmp/, then rename).
  // Returns the file name.
  std::string Deliver(const std::string& raw);

  // One mail in the maildir as Dovecot keeps it: its file name's maildir flags ("S" seen,
  // "T" deleted, lower-case letters for keywords) and whether it is still in new/.
  struct StoredMail {
    std::string name;
    std::string flags;
    bool in_new = false;
  };
  std::vector<StoredMail> Mails() const;

  // The server's log, for failure messages.
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path maildir_;
  uint16_t imap_port_ = 0;
  uint16_t pop3_port_ = 0;
  pid_t pid_ = -1;
  uid_t mail_uid_ = 0;
  gid_t mail_gid_ = 0;
  int delivered_ = 0;
};

}  // namespace bw::testing
