// SPDX-License-Identifier: Apache-2.0
#include "cli/simulate_cmd.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <unistd.h>

#include "app/simulator_trust.h"
#include "core/clock.h"
#include "sim/http_sender.h"
#include "sim/load_runner.h"
#include "sim/request_files.h"
#include "sim/ses_notification.h"
#include "sim/sns_envelope.h"

namespace bw::cli {
namespace {

constexpr const char* kDemoTopic = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
constexpr const char* kPrefix = "bouncewatch simulate: ";

struct SimulateOptions {
  std::string scenario;
  std::string to;
  std::string recipient;
  std::string label;
  std::string format = "ses";
  std::string topic;
  int signature_version = 2;
  std::string notification_file;
  std::string from = "sender@example.com";
  std::string configuration_set = "bouncewatch-simulator";
  std::string suppression = "account";
  uint64_t count = 1;
  int concurrency = 1;
  double rate = 0;
  std::string write_dir;
  std::string ack_log;
};

int UsageError(const std::string& sentence) {
  std::cerr << kPrefix << sentence << "\n";
  return kExitUsage;
}

int Failure(const std::string& sentence) {
  std::cerr << kPrefix << sentence << "\n";
  return kExitFailure;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// The URL `serve` listens on by this configuration (0.0.0.0 and :: mean this host).
std::string DefaultUrl(const app::Config& config) {
  std::string listen = config.server.listen;
  if (listen.rfind("0.0.0.0:", 0) == 0) {
    listen = "127.0.0.1:" + listen.substr(8);
  } else if (listen.rfind("[::]:", 0) == 0) {
    listen = "[::1]:" + listen.substr(5);
  }
  return "http://" + listen + "/webhooks/sns";
}

// One sentence for a non-2xx answer.
std::string BadStatusSentence(int status, const std::string& body, const std::string& url,
                              const std::string& topic, const std::string& cert_url) {
  std::string detail = body.substr(0, 300);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) {
    detail.pop_back();
  }
  if (body.find(cert_url) != std::string::npos) {
    // It tried to fetch the simulator's (fictitious) certificate URL: it does not trust it.
    return "the server at " + url + " answered " + std::to_string(status) +
           " because it does not trust the simulator's certificate: set sns.trust_simulator = "
           "true in its configuration and use the same data_dir (it said: " +
           detail + ")";
  }
  if (status == 403) {
    return "the server at " + url +
           " refused the message with 403 Forbidden, probably because "
           "sns.trust_simulator is not true in its configuration or the topic " +
           topic + " is not in its sns.topics (it said: " + detail + ")";
  }
  return "the server at " + url + " answered " + std::to_string(status) + " (" + detail + ")";
}

int Simulate(const GlobalOptions& g, const SimulateOptions& o) {
  auto scenario = sim::ParseScenario(o.scenario);
  if (!scenario) {
    return UsageError("unknown scenario \"" + o.scenario +
                      "\"; use success, bounce, complaint, suppressionlist, ooto or custom");
  }
  auto format = sim::ParseSesFormat(o.format);
  if (!format) {
    return UsageError(
        "--format must be ses (identity notifications) or event (event publishing), "
        "not \"" +
        o.format + "\"");
  }
  if (o.suppression != "account" && o.suppression != "global") {
    return UsageError("--suppression must be account or global, not \"" + o.suppression + "\"");
  }
  std::string custom_json;
  if (*scenario == sim::Scenario::kCustom) {
    if (o.notification_file.empty()) {
      return UsageError("the custom scenario needs --notification-file FILE with SES JSON");
    }
    if (!ReadFile(o.notification_file, &custom_json)) {
      return Failure("cannot read the notification file " + o.notification_file);
    }
    auto ok = sim::CheckSesJson(custom_json);
    if (ok.has_error()) {
      return UsageError(o.notification_file +
                        " is not an SES notification: " + ok.error().message());
    }
  } else if (!o.notification_file.empty()) {
    return UsageError("--notification-file is only for the custom scenario");
  }
  if (!o.write_dir.empty() && !o.ack_log.empty()) {
    return UsageError("--ack-log needs answers, so it cannot be used with --write-dir");
  }

  app::Config config = LoadConfigFor(g);
  const std::string url = o.to.empty() ? DefaultUrl(config) : o.to;
  auto target = sim::ParseHttpUrl(url);
  if (target.has_error()) {
    return UsageError(target.error().message());
  }
  const std::string topic =
      !o.topic.empty() ? o.topic : (config.sns.topics.empty() ? kDemoTopic : config.sns.topics[0]);

  app::SimulatorTrust trust = app::EnsureSimulatorTrust(config.data_dir);
  sim::SignerOptions signer_options;
  signer_options.topic_arn = topic;
  signer_options.signing_cert_url = trust.cert_url;
  signer_options.signature_version = o.signature_version;
  if (!ReadFile(trust.key_path, &signer_options.private_key_pem)) {
    return Failure("cannot read the simulator key " + trust.key_path);
  }
  auto signer = std::make_shared<const sim::SnsSigner>(std::move(signer_options));

  sim::NotificationOptions n;
  n.scenario = *scenario;
  n.format = *format;
  n.recipient = o.recipient;
  n.label = o.label;
  n.from = o.from;
  n.configuration_set = o.configuration_set;
  n.suppression =
      o.suppression == "global" ? sim::SuppressionList::kGlobal : sim::SuppressionList::kAccount;
  const Clock& clock = SystemClock::Instance();
  sim::RequestMaker make = [&](uint64_t) -> Result<sim::SignedRequest> {
    if (n.scenario == sim::Scenario::kCustom) {
      return signer->Sign(custom_json, clock);
    }
    auto ses = sim::BuildSesNotification(n, clock);
    if (ses.has_error()) {
      return ses.error();
    }
    return signer->Sign(*ses, clock);
  };

  if (!o.write_dir.empty()) {
    auto written = sim::WriteRequestFiles(o.write_dir, o.count, make);
    if (written.has_error()) {
      return Failure(written.error().message());
    }
    std::error_code ec;
    std::filesystem::copy_file(trust.cert_path,
                               std::filesystem::path(o.write_dir) / "signing-cert.pem",
                               std::filesystem::copy_options::overwrite_existing, ec);
    std::cout << "wrote " << *written << " signed " << o.scenario << " request(s) to "
              << o.write_dir << " (NNNNNN.json bodies, NNNNNN.headers, index.txt, wrk.lua, "
              << "signing-cert.pem for " << trust.cert_url << ")\n";
    return kExitOk;
  }

  sim::LoadOptions load;
  load.count = o.count;
  load.concurrency = o.concurrency;
  load.rate = o.rate;
  load.ack_log = o.ack_log;
  const bool progress_bar = o.count > 1 && isatty(STDERR_FILENO) != 0;
  if (progress_bar) {
    load.progress = [](uint64_t done, uint64_t total, double elapsed) {
      std::cerr << "\r" << sim::FormatProgress(done, total, elapsed) << std::flush;
    };
  }
  auto summary = sim::RunLoad(*target, load, make);
  if (progress_bar) {
    std::cerr << "\n";
  }
  if (summary.has_error()) {
    return Failure(summary.error().message());
  }
  const sim::LoadSummary& s = *summary;
  if (o.count > 1) {
    std::cout << sim::FormatSummary(s);
  }
  if (s.ok == s.sent) {
    if (o.count == 1) {
      std::cout << "sent " << o.scenario << " (" << o.format << ") for "
                << (n.scenario == sim::Scenario::kCustom ? std::string("custom JSON")
                                                         : sim::RecipientFor(n))
                << " to " << url << ": " << s.by_status.begin()->first << " in "
                << static_cast<double>(s.p50.count()) / 1000.0 << " ms\n";
    }
    return kExitOk;
  }
  if (s.ok == 0 && s.connect_errors == s.sent) {
    return Failure("cannot connect to " + url + ": " + s.first_error +
                   " (is `bouncewatch serve` running there?)");
  }
  if (s.first_bad_status != 0) {
    Failure(BadStatusSentence(s.first_bad_status, s.first_bad_body, url, topic, trust.cert_url));
  }
  if (s.errors > 0) {
    Failure(std::to_string(s.errors) + " request(s) got no answer from " + url +
            " (first: " + s.first_error + ")");
  }
  return kExitFailure;
}

}  // namespace

Command AddSimulateCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<SimulateOptions>();
  Command c;
  c.libcrypto_exit = kExitFailure;  // signs the notifications
  c.node = root.add_subcommand(
      "simulate",
      "the SES mailbox simulator: posts the signed SNS notification SES would send for "
      "success@, bounce@, complaint@, suppressionlist@ or ooto@simulator.amazonses.com (or any "
      "SES JSON with custom) to a bouncewatch server; --count and --concurrency make it a load "
      "generator. The server must run with sns.trust_simulator = true and the same data_dir");
  c.node
      ->add_option("scenario", o->scenario,
                   "success, bounce, complaint, suppressionlist, ooto or custom")
      ->required()
      ->type_name("SCENARIO");
  c.node
      ->add_option("--to", o->to,
                   "webhook URL (default http://<server.listen>/webhooks/sns, i.e. "
                   "http://127.0.0.1:8080/webhooks/sns)")
      ->type_name("URL");
  c.node
      ->add_option("--recipient", o->recipient,
                   "recipient address (default <scenario>@simulator.amazonses.com)")
      ->type_name("ADDR");
  c.node
      ->add_option("--label", o->label,
                   "label for the simulator address: bounce+LABEL@simulator.amazonses.com")
      ->type_name("LABEL");
  c.node
      ->add_option("--format", o->format,
                   "ses = identity notification (notificationType, default); event = event "
                   "publishing (eventType, tags with ses:configuration-set)")
      ->type_name("FORMAT");
  c.node
      ->add_option("--topic", o->topic,
                   "TopicArn (default the first of sns.topics, else "
                   "arn:aws:sns:us-east-1:123456789012:ses-feedback)")
      ->type_name("ARN");
  c.node
      ->add_option("--signature-version", o->signature_version,
                   "1 (SHA1withRSA) or 2 (SHA256withRSA, default)")
      ->type_name("1|2")
      ->check(CLI::IsMember({1, 2}));
  c.node
      ->add_option("--notification-file", o->notification_file,
                   "custom: the SES JSON to send (needs notificationType or eventType, and mail)")
      ->type_name("FILE");
  c.node->add_option("--from", o->from, "sender (mail.source; default sender@example.com)")
      ->type_name("ADDR");
  c.node
      ->add_option("--configuration-set", o->configuration_set,
                   "event format: the ses:configuration-set tag (default "
                   "bouncewatch-simulator)")
      ->type_name("NAME");
  c.node
      ->add_option("--suppression", o->suppression,
                   "suppressionlist: account = OnAccountSuppressionList (default), global = "
                   "Suppressed")
      ->type_name("LIST");
  c.node->add_option("--count", o->count, "messages to send (default 1)")
      ->type_name("N")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}));
  c.node->add_option("--concurrency", o->concurrency, "parallel keep-alive connections (default 1)")
      ->type_name("C")
      ->check(CLI::Range(1, 1024));
  c.node->add_option("--rate", o->rate, "at most R messages per second in all (default: no limit)")
      ->type_name("R")
      ->check(CLI::NonNegativeNumber);
  c.node
      ->add_option("--write-dir", o->write_dir,
                   "write the signed requests to DIR (NNNNNN.json + NNNNNN.headers, index.txt, "
                   "wrk.lua) instead of sending them")
      ->type_name("DIR");
  c.node
      ->add_option("--ack-log", o->ack_log,
                   "append the SNS MessageId of every 2xx answer to FILE, one per line, flushed "
                   "as they come")
      ->type_name("FILE");
  c.run = [&g, o] { return Simulate(g, *o); };
  return c;
}

}  // namespace bw::cli
