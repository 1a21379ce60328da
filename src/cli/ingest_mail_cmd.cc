// SPDX-License-Identifier: Apache-2.0
// `bouncewatch ingest-mail`: stores the events of bounce, complaint and auto-reply mails read from
// files, stdin (an MTA's pipe), a maildir or an IMAP / POP3 mailbox. Exit codes are sysexits(3)
// so that an MTA retries (75) when the store is unavailable.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/app.h"
#include "cli/command.h"
#include "ingest/mailbox/mail_ingester.h"
#include "ingest/mailbox/maildir_source.h"
#include "ingest/mailbox/remote_source.h"

namespace bw::cli {
namespace {

using namespace bw::mailbox;

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct IngestMailOptions {
  std::vector<std::string> inputs;
  std::string maildir;
  bool watch = false;
  std::string interval = "5";
  std::string imap;
  std::string pop3;
  std::string user;
  bool keep = false;
};

void Report(const std::string& message) {
  std::cerr << "bouncewatch ingest-mail: " << message << "\n";
}

int Usage(const std::string& message) {
  Report(message);
  return kExUsage;
}

int IngestMail(const GlobalOptions& g, const IngestMailOptions& o, CLI::App& node) {
  if (!node.remaining().empty()) {
    return Usage("unknown argument \"" + node.remaining().front() + "\" (see --help)");
  }
  if (o.inputs.empty() && o.maildir.empty() && o.imap.empty() && o.pop3.empty()) {
    return Usage("nothing to read: give FILE, DIR, - (stdin), --maildir, --imap or --pop3");
  }
  if (o.watch && o.maildir.empty()) {
    return Usage("--watch needs --maildir");
  }
  int interval_s = 0;
  try {
    size_t used = 0;
    interval_s = std::stoi(o.interval, &used);
    if (used != o.interval.size() || interval_s < 1 || interval_s > 86400) {
      throw std::invalid_argument(o.interval);
    }
  } catch (const std::exception&) {
    return Usage("--interval must be a number of seconds from 1 to 86400, not \"" + o.interval +
                 "\"");
  }

  for (const auto& [flag, url] : {std::pair{"imap", &o.imap}, std::pair{"pop3", &o.pop3}}) {
    const std::string scheme = url->substr(0, url->find("://"));
    if (!url->empty() && scheme != flag && scheme != std::string(flag) + "s") {
      return Usage(std::string("--") + flag + " needs a " + flag + ":// or " + flag +
                   "s:// URL");
    }
    if (!url->empty() && OpenRemoteSource(*url, {}).has_error()) {
      return Usage(OpenRemoteSource(*url, {}).error().message());
    }
  }

  app::Config config;
  try {
    config = LoadConfigFor(g);
  } catch (const app::ConfigError& e) {
    Report(e.what());
    return kExConfig;
  }
  spdlog::set_level(spdlog::level::warn);
  const Clock& clock = SystemClock::Instance();
  auto store = app::OpenStore(config, clock, /*read_only=*/false);
  if (store.has_error()) {
    Report("the store is unavailable, nothing was read: " + store.error().message());
    return store.error().code() == Code::kInvalidInput ? kExConfig : kExTempFail;
  }
  mail::ParseOptions parse;
  parse.verp_pattern = config.mail.verp_pattern;
  MailIngester ingester(CommitTo(**store), clock, parse);

  const bool tty = isatty(STDERR_FILENO) != 0;
  bool progress_shown = false;
  auto progress = [&](const IngestStats& s) {
    if (tty) {
      std::cerr << "\ringest-mail: " << s.read << " read, " << s.stored << " stored, "
                << s.duplicates << " duplicates, " << s.errors() << " errors" << std::flush;
      progress_shown = true;
    }
  };
  auto report = [&](const std::string& m) {
    if (progress_shown) {
      std::cerr << "\n";
      progress_shown = false;
    }
    Report(m);
  };

  bool missing_input = false;
  std::vector<std::string> files;
  bool read_stdin = false;
  {
    std::vector<std::string> named;
    for (const auto& in : o.inputs) {
      if (in == "-") {
        read_stdin = true;
      } else {
        named.push_back(in);
      }
    }
    std::vector<std::string> missing;
    files = ExpandInputs(named, &missing);
    for (const auto& m : missing) {
      report(m + " is not a file or directory");
      missing_input = true;
    }
  }
  if (read_stdin) {
    std::string raw((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::string error;
    MailOutcome outcome = ingester.IngestOne(raw, "stdin", &error);
    if (outcome == MailOutcome::kInvalid || outcome == MailOutcome::kUnavailable) {
      report(error);
    }
  }
  if (!files.empty()) {
    FileListSource source(files);
    ingester.Drain(source, report, progress);
  }

  RemoteOptions remote;
  remote.ca_file = config.outbound.ca_file;
  remote.keep = o.keep;
  // --user beats the URL's user info, which beats [mail] user / BOUNCEWATCH_MAIL_USER.
  auto has_userinfo = [](const std::string& url) {
    size_t start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    size_t end = url.find('/', start);
    return url.substr(start, end == std::string::npos ? end : end - start).find('@') !=
           std::string::npos;
  };
  if (!o.user.empty()) {
    size_t colon = o.user.find(':');
    remote.user = o.user.substr(0, colon);
    remote.password =
        colon != std::string::npos ? o.user.substr(colon + 1) : config.mail.password;
  }
  for (const std::string* url : {&o.imap, &o.pop3}) {
    if (url->empty()) {
      continue;
    }
    RemoteOptions options = remote;
    if (o.user.empty() && !has_userinfo(*url)) {
      options.user = config.mail.user;
      options.password = config.mail.password;
    }
    auto source = OpenRemoteSource(*url, options);
    if (source.has_error()) {
      report(source.error().message());
      continue;
    }
    ingester.Drain(**source, report, progress);
  }

  if (!o.maildir.empty() && !std::filesystem::is_directory(o.maildir)) {
    report(o.maildir + " is not a maildir");
    missing_input = true;
  } else if (!o.maildir.empty()) {
    MaildirSource source(o.maildir);
    if (o.watch) {
      std::signal(SIGINT, OnSignal);
      std::signal(SIGTERM, OnSignal);
    }
    do {
      ingester.Drain(source, report, progress);
      for (int i = 0; o.watch && !g_stop && i < interval_s * 10; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    } while (o.watch && !g_stop);
  }

  if (progress_shown) {
    std::cerr << "\n";
  }
  const IngestStats& stats = ingester.stats();
  std::cerr << "ingest-mail: " << FormatSummary(stats) << "\n";
  int code = ExitCodeFor(stats);
  if (code == kExOk && missing_input) {
    code = kExNoInput;
  }
  return code;
}

}  // namespace

Command AddIngestMailCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<IngestMailOptions>();
  Command c;
  c.node = root.add_subcommand(
      "ingest-mail",
      "store the events of bounce, complaint and auto-reply mails; exit codes are sysexits "
      "(75: store unavailable, retry; 65: a mail could not be parsed; 64: bad arguments)");
  c.node->allow_extras();
  c.node->add_option("inputs", o->inputs,
                     "mail files, directories (searched recursively) or - for one mail on stdin")
      ->type_name("FILE|DIR|-");
  c.node->add_option("--maildir", o->maildir,
                     "read the maildir's new/; a mail moves to cur/ once its events are stored")
      ->type_name("DIR");
  c.node->add_flag("--watch", o->watch, "with --maildir: keep watching new/ until SIGTERM");
  c.node->add_option("--interval", o->interval, "with --watch: seconds between scans (default 5)")
      ->type_name("SECONDS");
  c.node->add_option("--imap", o->imap,
                     "read an IMAP mailbox, e.g. imap://user:password@host/INBOX; stored mails "
                     "are flagged \\Deleted and expunged after the commit")
      ->type_name("URL");
  c.node->add_option("--pop3", o->pop3,
                     "read a POP3 maildrop, e.g. pop3://user:password@host/; stored mails are "
                     "deleted after the commit")
      ->type_name("URL");
  c.node->add_option("--user", o->user,
                     "IMAP/POP3 login USER[:PASSWORD]; beats the URL's, which beats [mail] "
                     "user and password (BOUNCEWATCH_MAIL_USER, BOUNCEWATCH_MAIL_PASSWORD)")
      ->type_name("USER[:PASSWORD]");
  c.node->add_flag("--keep", o->keep,
                   "IMAP: flag stored mails \\Seen instead of deleting them");
  CLI::App* node = c.node;
  c.run = [o, &g, node] { return IngestMail(g, *o, *node); };
  return c;
}

}  // namespace bw::cli
