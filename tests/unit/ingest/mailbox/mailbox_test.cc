// SPDX-License-Identifier: Apache-2.0
// ingest-mail's sources against real servers: a Dovecot started by the test (IMAP, POP3), real
// maildirs, a real SQLite store, and a store that fails (outage). A mail may leave its mailbox
// only after its events are committed; an outage loses nothing.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/app.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/mailbox/mail_ingester.h"
#include "ingest/mailbox/maildir_source.h"
#include "ingest/mailbox/remote_source.h"
#include "testing/dovecot_server.h"
#include "testing/fake_clock.h"
#include "testing/test_data.h"

namespace bw::mailbox {
namespace {

namespace fs = std::filesystem;
using bw::testing::DovecotServer;
using bw::testing::FakeClock;
using bw::testing::ReadData;
using bw::testing::TempDir;

// Three bounces (each with its own Message-ID) and a mail that is not a bounce.
const std::vector<std::string> kBounces = {
    "corpus/maildir/bsd/lhost-postfix-01.eml",
    "corpus/maildir/bsd/lhost-postfix-03.eml",
    "corpus/maildir/bsd/lhost-postfix-05.eml",
};
const char* kNotBounce = "corpus/maildir/not/is-not-bounce-01.eml";

// How many events the parser finds in the bounces: what must be stored, once.
size_t ExpectedEvents() {
  size_t n = 0;
  for (const auto& f : kBounces) {
    n += mail::ParseMail(ReadData(f))->size();
  }
  return n;
}

// A store that is down: every commit fails with kUnavailable.
struct UnavailableStore {
  CommitFn Fn() {
    return [this](store::IngestBatch) -> Result<store::IngestOutcome> {
      ++calls;
      return Unavailable("database is locked (test outage)");
    };
  }
  int calls = 0;
};

// Commits to a real store, first running `check` on each batch (to look at the mailbox at the
// moment of the commit).
CommitFn Checking(store::Store& inner, std::function<void(const store::IngestBatch&)> check) {
  return [&inner, check](store::IngestBatch batch) {
    check(batch);
    return inner.Ingest(std::move(batch));
  };
}

std::unique_ptr<store::Store> OpenSqlite(const fs::path& dir, const Clock& clock) {
  app::Config config;
  config.data_dir = dir.string();
  config.store.url = "sqlite:" + (dir / "bouncewatch.db").string();
  return std::move(*app::OpenStore(config, clock, /*read_only=*/false));
}

size_t CountEvents(store::Store& s) {
  store::EventQuery q;
  q.limit = 10000;
  return s.QueryEvents(q)->size();
}

// IMAP and POP3 serve mails with CRLF line ends; the files have LF.
std::string Lf(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
  return s;
}

std::vector<std::string> Reports;
void Collect(const std::string& m) { Reports.push_back(m); }

// --- pure parts ---------------------------------------------------------------------------

TEST(DedupKeyTest, MessageIdWithoutBracketsElseSha256) {
  EXPECT_EQ(DedupKey("Message-ID: <abc.123@mx.example>\r\nSubject: x\r\n\r\nbody"),
            "abc.123@mx.example");
  EXPECT_EQ(DedupKey("message-id:\r\n  <folded@example>\n\nbody"), "folded@example");
  std::string a = DedupKey("Subject: one\n\nbody");
  std::string b = DedupKey("Subject: two\n\nbody");
  EXPECT_EQ(a.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a.size(), 7u + 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, DedupKey("Subject: one\n\nbody"));
  // The same mail read from a file (LF) and over IMAP (CRLF) has one key.
  EXPECT_EQ(a, DedupKey("Subject: one\r\n\r\nbody"));
}

TEST(ExitCodeTest, TempfailBeatsDataErrorBeatsOk) {
  IngestStats s;
  EXPECT_EQ(ExitCodeFor(s), kExOk);
  s.invalid = 1;
  EXPECT_EQ(ExitCodeFor(s), kExDataErr);
  s.unavailable = 1;
  EXPECT_EQ(ExitCodeFor(s), kExTempFail);
}

// --- maildir ------------------------------------------------------------------------------

class MaildirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"new", "cur", "tmp"}) {
      fs::create_directories(maildir_ / sub);
    }
  }
  std::string Deliver(const std::string& relative) {
    std::string name = "17000000" + std::to_string(next_++) + ".test";
    std::ofstream(maildir_ / "new" / name, std::ios::binary) << ReadData(relative);
    return name;
  }
  std::vector<std::string> Names(const char* sub) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(maildir_ / sub)) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  TempDir tmp_;
  fs::path maildir_ = tmp_.path() / "Maildir";
  FakeClock clock_;
  int next_ = 10;
};

TEST_F(MaildirTest, StoresOnceMovesToCurOnlyAfterCommit) {
  auto store = OpenSqlite(tmp_.path(), clock_);
  std::vector<std::string> names;
  for (const auto& f : kBounces) {
    names.push_back(Deliver(f));
  }
  std::string other = Deliver(kNotBounce);
  MaildirSource source(maildir_);
  CommitFn checking = Checking(*store, [&](const store::IngestBatch& b) {
    // The mail being committed is still in new/.
    bool found = false;
    for (const auto& n : names) {
      std::ifstream in(maildir_ / "new" / n, std::ios::binary);
      std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      found = found || raw == b.raw;
    }
    EXPECT_TRUE(found) << "a mail left new/ before its commit";
  });
  MailIngester first(checking, clock_, {});
  EXPECT_TRUE(first.Drain(source, Collect));
  EXPECT_EQ(first.stats().read, 4);
  EXPECT_EQ(first.stats().stored, 3);
  EXPECT_EQ(first.stats().not_bounces, 1);
  EXPECT_EQ(ExitCodeFor(first.stats()), kExOk);
  EXPECT_TRUE(Names("new").empty());
  std::vector<std::string> cur = Names("cur");
  ASSERT_EQ(cur.size(), 4u);
  EXPECT_NE(std::find(cur.begin(), cur.end(), other + ":2,"), cur.end());  // unread for a human
  EXPECT_NE(std::find(cur.begin(), cur.end(), names[0] + ":2,S"), cur.end());
  EXPECT_EQ(CountEvents(*store), ExpectedEvents());

  // The same mails delivered again: duplicates, nothing stored twice.
  for (const auto& f : kBounces) {
    Deliver(f);
  }
  MailIngester second(CommitTo(*store), clock_, {});
  EXPECT_TRUE(second.Drain(source, Collect));
  EXPECT_EQ(second.stats().read, 3);
  EXPECT_EQ(second.stats().duplicates, 3);
  EXPECT_EQ(second.stats().stored, 0);
  EXPECT_EQ(CountEvents(*store), ExpectedEvents());
}

TEST_F(MaildirTest, StoreOutageLeavesEverythingInNew) {
  for (const auto& f : kBounces) {
    Deliver(f);
  }
  auto before = Names("new");
  UnavailableStore down;
  MaildirSource source(maildir_);
  MailIngester ingester(down.Fn(), clock_, {});
  ingester.Drain(source, Collect);
  EXPECT_EQ(down.calls, 1);  // stops at the first failure
  EXPECT_EQ(Names("new"), before);
  EXPECT_TRUE(Names("cur").empty());
  EXPECT_EQ(ExitCodeFor(ingester.stats()), kExTempFail);
}

TEST_F(MaildirTest, UnparsableMailStaysAndIsADataError) {
  std::ofstream(maildir_ / "new" / "1.garbage", std::ios::binary) << "not a mail at all";
  auto store = OpenSqlite(tmp_.path(), clock_);
  MaildirSource source(maildir_);
  MailIngester ingester(CommitTo(*store), clock_, {});
  ingester.Drain(source, Collect);
  ingester.Drain(source, Collect);  // --watch: not read again
  EXPECT_EQ(ingester.stats().read, 1);
  EXPECT_EQ(ingester.stats().invalid, 1);
  EXPECT_EQ(Names("new"), std::vector<std::string>{"1.garbage"});
  EXPECT_EQ(ExitCodeFor(ingester.stats()), kExDataErr);
}

// --- IMAP and POP3 against a real Dovecot ---------------------------------------------------

class DovecotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!DovecotServer::Available(&why)) {
      GTEST_SKIP() << "Dovecot cannot run here: " << why;
    }
    server_ = std::make_unique<DovecotServer>();
    store_ = OpenSqlite(tmp_.path(), clock_);
  }
  // name -> raw for each delivered mail.
  std::map<std::string, std::string> DeliverAll() {
    std::map<std::string, std::string> out;
    for (const auto& f : kBounces) {
      std::string raw = ReadData(f);
      out[server_->Deliver(raw)] = raw;
    }
    std::string raw = ReadData(kNotBounce);
    out[server_->Deliver(raw)] = raw;
    return out;
  }
  std::unique_ptr<MailSource> Open(const std::string& url) {
    auto s = OpenRemoteSource(url, {});
    EXPECT_FALSE(s.has_error());
    return std::move(*s);
  }
  // Mails whose flags show they were settled: deleted (T) or carrying a keyword (a-z).
  int Settled() {
    int n = 0;
    for (const auto& m : server_->Mails()) {
      n += m.flags.find_first_of("Tabcdefghijklmnopqrstuvwxyz") != std::string::npos;
    }
    return n;
  }

  TempDir tmp_;
  FakeClock clock_;
  std::unique_ptr<DovecotServer> server_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DovecotTest, ImapStoresOnceAndExpungesOnlyAfterCommit) {
  auto delivered = DeliverAll();
  // At each commit, the mail being committed is still in the mailbox, neither deleted nor
  // flagged as handled.
  CommitFn checking = Checking(*store_, [&](const store::IngestBatch& b) {
    int unsettled_copies = 0;
    for (const auto& m : server_->Mails()) {
      if (Lf(delivered[m.name]) == Lf(b.raw) && m.flags.find('T') == std::string::npos &&
          m.flags.find('a') == std::string::npos) {
        ++unsettled_copies;
      }
    }
    EXPECT_EQ(unsettled_copies, 1) << "mail settled before its commit";
  });
  MailIngester first(checking, clock_, {});
  auto source = Open(server_->ImapUrl());
  EXPECT_TRUE(first.Drain(*source, Collect)) << server_->Log();
  EXPECT_EQ(first.stats().read, 4);
  EXPECT_EQ(first.stats().stored, 3);
  EXPECT_EQ(first.stats().not_bounces, 1);
  EXPECT_EQ(CountEvents(*store_), ExpectedEvents());
  // The bounces are expunged; the other mail stays, marked handled.
  auto left = server_->Mails();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(delivered[left[0].name], ReadData(kNotBounce));

  // A second run reads nothing; the same mails delivered again are duplicates.
  MailIngester second(CommitTo(*store_), clock_, {});
  auto again = Open(server_->ImapUrl());
  EXPECT_TRUE(second.Drain(*again, Collect));
  EXPECT_EQ(second.stats().read, 0);
  for (const auto& f : kBounces) {
    server_->Deliver(ReadData(f));
  }
  MailIngester third(CommitTo(*store_), clock_, {});
  auto third_source = Open(server_->ImapUrl());
  EXPECT_TRUE(third.Drain(*third_source, Collect));
  EXPECT_EQ(third.stats().read, 3);
  EXPECT_EQ(third.stats().duplicates, 3);
  EXPECT_EQ(third.stats().stored, 0);
  EXPECT_EQ(CountEvents(*store_), ExpectedEvents());
  EXPECT_EQ(server_->Mails().size(), 1u);
}

TEST_F(DovecotTest, ImapKeepFlagsSeenInsteadOfDeleting) {
  server_->Deliver(ReadData(kBounces[0]));
  RemoteOptions keep;
  keep.keep = true;
  auto source = OpenRemoteSource(server_->ImapUrl(), keep);
  ASSERT_FALSE(source.has_error());
  MailIngester ingester(CommitTo(*store_), clock_, {});
  EXPECT_TRUE(ingester.Drain(**source, Collect));
  EXPECT_EQ(ingester.stats().stored, 1);
  auto left = server_->Mails();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].flags.find('S'), std::string::npos);
  EXPECT_EQ(left[0].flags.find('T'), std::string::npos);
}

TEST_F(DovecotTest, ImapStoreOutageLosesNothing) {
  DeliverAll();
  UnavailableStore down;
  MailIngester failing(down.Fn(), clock_, {});
  auto source = Open(server_->ImapUrl());
  failing.Drain(*source, Collect);
  EXPECT_EQ(ExitCodeFor(failing.stats()), kExTempFail);
  EXPECT_EQ(server_->Mails().size(), 4u);
  EXPECT_EQ(Settled(), 0);
  // Once the store is back, everything is stored.
  MailIngester back(CommitTo(*store_), clock_, {});
  auto retry = Open(server_->ImapUrl());
  EXPECT_TRUE(back.Drain(*retry, Collect));
  EXPECT_EQ(back.stats().stored, 3);
  EXPECT_EQ(CountEvents(*store_), ExpectedEvents());
}

TEST_F(DovecotTest, ImapWrongPasswordIsReported) {
  RemoteOptions wrong;
  wrong.user = DovecotServer::kUser;
  wrong.password = "wrong";
  auto source = OpenRemoteSource(server_->ImapUrl(), wrong);
  ASSERT_FALSE(source.has_error());
  MailIngester ingester(CommitTo(*store_), clock_, {});
  Reports.clear();
  EXPECT_FALSE(ingester.Drain(**source, Collect));
  ASSERT_FALSE(Reports.empty());
  EXPECT_EQ(Reports[0].find(DovecotServer::kPassword), std::string::npos) << Reports[0];
}

TEST_F(DovecotTest, Pop3StoresOnceAndDeletesOnlyAfterCommit) {
  auto delivered = DeliverAll();
  CommitFn checking = Checking(*store_, [&](const store::IngestBatch& b) {
    int copies = 0;
    for (const auto& m : server_->Mails()) {
      copies += Lf(delivered[m.name]) == Lf(b.raw);
    }
    EXPECT_EQ(copies, 1) << "mail deleted before its commit";
  });
  MailIngester first(checking, clock_, {});
  auto source = Open(server_->Pop3Url());
  EXPECT_TRUE(first.Drain(*source, Collect)) << server_->Log();
  EXPECT_EQ(first.stats().read, 4);
  EXPECT_EQ(first.stats().stored, 3);
  EXPECT_EQ(first.stats().not_bounces, 1);
  EXPECT_EQ(CountEvents(*store_), ExpectedEvents());
  auto left = server_->Mails();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(delivered[left[0].name], ReadData(kNotBounce));

  for (const auto& f : kBounces) {
    server_->Deliver(ReadData(f));
  }
  MailIngester second(CommitTo(*store_), clock_, {});
  auto again = Open(server_->Pop3Url());
  EXPECT_TRUE(second.Drain(*again, Collect));
  EXPECT_EQ(second.stats().read, 4);  // POP3 cannot mark the non-bounce: it is read again
  EXPECT_EQ(second.stats().duplicates, 3);
  EXPECT_EQ(second.stats().stored, 0);
  EXPECT_EQ(CountEvents(*store_), ExpectedEvents());
  EXPECT_EQ(server_->Mails().size(), 1u);
}

TEST_F(DovecotTest, Pop3StoreOutageLosesNothing) {
  DeliverAll();
  UnavailableStore down;
  MailIngester failing(down.Fn(), clock_, {});
  auto source = Open(server_->Pop3Url());
  failing.Drain(*source, Collect);
  EXPECT_EQ(ExitCodeFor(failing.stats()), kExTempFail);
  EXPECT_EQ(server_->Mails().size(), 4u);
}

// --- the command, as an MTA or cron runs it -------------------------------------------------

#ifdef BW_BOUNCEWATCH_BIN
// Runs `bouncewatch ingest-mail ARGS`; returns the exit code, `*out` gets stderr.
int RunCli(const std::string& args, std::string* out, const std::string& stdin_file = "",
           const std::string& env = "") {
  std::string cmd = env + " " + std::string(BW_BOUNCEWATCH_BIN) + " ingest-mail " + args + " 2>&1";
  if (!stdin_file.empty()) {
    cmd += " < '" + stdin_file + "'";
  } else {
    cmd += " < /dev/null";
  }
  FILE* p = popen(cmd.c_str(), "r");
  out->clear();
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
    out->append(buf, n);
  }
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(IngestMailCommandTest, StdinExitCodesForAnMta) {
  TempDir tmp;
  const std::string store = "--store sqlite:" + (tmp.path() / "db" / "bw.db").string();
  const std::string bounce = bw::testing::DataPath(kBounces[0]).string();
  std::string out;
  EXPECT_EQ(RunCli(store + " -", &out, bounce), 0) << out;
  EXPECT_NE(out.find("1 stored"), std::string::npos) << out;
  EXPECT_EQ(RunCli(store + " -", &out, bounce), 0) << out;
  EXPECT_NE(out.find("1 duplicate"), std::string::npos) << out;
  EXPECT_EQ(RunCli(store + " -", &out, bw::testing::DataPath(kNotBounce).string()), 0) << out;
  EXPECT_NE(out.find("1 not a bounce"), std::string::npos) << out;

  std::ofstream(tmp.path() / "garbage") << "\x01\x02 no header here";
  EXPECT_EQ(RunCli(store + " -", &out, (tmp.path() / "garbage").string()), kExDataErr) << out;

  // The store cannot be opened (its directory would be under a regular file): retry later.
  const std::string broken =
      "--store sqlite:" + (tmp.path() / "garbage" / "bw.db").string();
  EXPECT_EQ(RunCli(broken + " -", &out, bounce), kExTempFail) << out;

  EXPECT_EQ(RunCli(store, &out), kExUsage) << out;
  EXPECT_EQ(RunCli(store + " --imap pop3://h/", &out), kExUsage) << out;
  EXPECT_EQ(RunCli(store + " --interval x --maildir .", &out), kExUsage) << out;
  EXPECT_EQ(RunCli(store + " --watch -", &out), kExUsage) << out;
}

TEST(IngestMailCommandTest, MaildirAndImapThroughTheBinary) {
  std::string why;
  if (!DovecotServer::Available(&why)) {
    GTEST_SKIP() << "Dovecot cannot run here: " << why;
  }
  DovecotServer server;
  for (const auto& f : kBounces) {
    server.Deliver(ReadData(f));
  }
  TempDir tmp;
  std::string out;
  // Outage first: the store's directory cannot exist; nothing leaves the mailbox.
  std::ofstream(tmp.path() / "file") << "x";
  const std::string broken = "--store sqlite:" + (tmp.path() / "file" / "bw.db").string();
  EXPECT_EQ(RunCli(broken + " --imap " + server.ImapUrl(), &out), kExTempFail) << out;
  EXPECT_EQ(server.Mails().size(), 3u);

  const std::string store = "--store sqlite:" + (tmp.path() / "bw.db").string();
  EXPECT_EQ(RunCli(store + " --imap " + server.ImapUrl(), &out), 0) << out;
  EXPECT_NE(out.find("3 mails read: 3 stored"), std::string::npos) << out;
  EXPECT_EQ(out.find(DovecotServer::kPassword), std::string::npos) << out;
  EXPECT_TRUE(server.Mails().empty());

  // POP3 with the login from the environment ([mail] user / password), the URL without one.
  server.Deliver(ReadData(kNotBounce));
  const std::string pop3 =
      "pop3://127.0.0.1:" + std::to_string(server.pop3_port()) + "/";
  EXPECT_EQ(RunCli(store + " --pop3 " + pop3, &out, "",
                   std::string("BOUNCEWATCH_MAIL_USER=") + DovecotServer::kUser +
                       " BOUNCEWATCH_MAIL_PASSWORD=" + DovecotServer::kPassword),
            0)
      << out;
  EXPECT_NE(out.find("1 not a bounce"), std::string::npos) << out;
  EXPECT_EQ(RunCli(store + " --pop3 " + pop3, &out, "",
                   std::string("BOUNCEWATCH_MAIL_USER=") + DovecotServer::kUser +
                       " BOUNCEWATCH_MAIL_PASSWORD=wrong"),
            kExTempFail)
      << out;
  EXPECT_EQ(server.Mails().size(), 1u);

  // The same mails again, this time in a local maildir: all duplicates, moved to cur/.
  fs::path maildir = tmp.path() / "Maildir";
  for (const char* sub : {"new", "cur", "tmp"}) {
    fs::create_directories(maildir / sub);
  }
  int i = 0;
  for (const auto& f : kBounces) {
    std::ofstream(maildir / "new" / ("m" + std::to_string(i++)), std::ios::binary)
        << ReadData(f);
  }
  EXPECT_EQ(RunCli(store + " --maildir " + maildir.string(), &out), 0) << out;
  EXPECT_NE(out.find("3 duplicates"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_empty(maildir / "new"));
}
#endif

}  // namespace
}  // namespace bw::mailbox
