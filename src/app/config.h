// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/alerts_config.h"
#include "metrics/reputation.h"
#include "policy/policy.h"

namespace bw::app {

// A configuration that cannot be used. Thrown only at startup; the message is one sentence for
// an operator, naming the key and the file (or environment variable) it came from.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  size_t max_body_bytes = 1048576;        // larger requests get 413. Default: 1 MiB
  int threads = 0;                        // I/O threads; 0 = number of cores (at least 2)
  // A request must arrive completely within this time, and an idle keep-alive connection is
  // closed after it. Default: 15s (SNS itself gives up after 15 s).
  std::chrono::milliseconds request_timeout{15000};
  // How SNS and browsers reach this server, e.g. "https://bounces.example.com" (behind a TLS
  // proxy). Used for the SNS endpoint URL on the dashboard's Setup page and, when https, to mark
  // the session cookie Secure. Default: "" (derived from each request's Host).
  std::string public_url;
};

// [api]: the JSON API and the dashboard's sign-in.
struct ApiConfig {
  // How long a dashboard session lasts after signing in with a token. Default: 12h.
  std::chrono::milliseconds session_ttl{12LL * 3600 * 1000};
};

struct StoreConfig {
  std::string url;  // "sqlite:PATH" or "postgresql://..."; default sqlite:<data_dir>/bouncewatch.db
  int max_batch = 512;  // notifications per group commit
  // SQLite: threads running the WAL's fdatasync before writes are answered; with 2 or more the
  // writer commits the next group meanwhile (store::sqlite::SqliteOptions::wal_sync_threads);
  // 0 = each commit syncs on the writer thread.
  int wal_sync_threads = 1;
};

struct SnsConfig {
  std::vector<std::string> topics;  // allow-list of TopicArns; empty = nothing accepted
  bool auto_confirm = true;         // confirm SubscriptionConfirmation for allowed topics
  std::chrono::milliseconds max_message_age{3600000};  // 0 = no replay check. Default: 1h
  std::string cert_cache_dir;       // default <data_dir>/sns-certs
  bool trust_simulator = false;     // accept `bouncewatch simulate` signatures
  std::map<std::string, std::string> pinned_certs;  // SigningCertURL -> local PEM file
};

// Outgoing HTTPS (certificate fetches, SubscribeURL). For tests and private networks.
struct OutboundConfig {
  std::string ca_file;                // PEM bundle; empty = system trust store
  std::vector<std::string> resolve;   // "host:port:address" overrides (curl syntax)
  std::vector<std::string> connect_to;  // "host:port:to-host:to-port" (curl CONNECT_TO syntax)
  std::chrono::milliseconds timeout{10000};
};

// [mail]: bounce mails (`ingest-mail`).
struct MailConfig {
  // VERP envelope pattern: "{local}" and "{domain}" mark the encoded recipient.
  // Default: "bounces+{local}={domain}@".
  std::string verp_pattern = "bounces+{local}={domain}@";
  std::string user;      // IMAP / POP3 login when the URL and --user give none
  std::string password;  // its password (better from BOUNCEWATCH_MAIL_PASSWORD than the file)
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error
};

// The whole configuration, after defaults, file, environment and flags were applied (in that
// order of increasing precedence). Plain data, copyable.
struct Config {
  std::string data_dir = "bouncewatch-data";
  ServerConfig server;
  ApiConfig api;
  StoreConfig store;
  SnsConfig sns;
  OutboundConfig outbound;
  LogConfig log;
  MailConfig mail;
  policy::PolicyConfig policy;  // [policy]: when feedback suppresses an address
  // [reputation]: bounce/complaint rate window, thresholds, buckets (metrics::ReputationConfig).
  // In the file, window_sends = 0 and complaint_elevated = 0 mean "unset".
  metrics::ReputationConfig reputation;
  AlertsConfig alerts;  // [alerts], [alerts.email], [alerts.webhook]: alerts for people
  std::string source;  // where it came from, for messages: the file path or "defaults"
};

// Flags given on the command line; unset members do not override.
struct ConfigOverrides {
  std::optional<std::string> listen;
  std::optional<std::string> store_url;
  std::optional<std::string> data_dir;
};

// Loads the configuration. `path` empty means no file (defaults + environment + flags), unless
// ./bouncewatch.toml exists, which is then used. Environment: BOUNCEWATCH_<SECTION>_<KEY>
// (BOUNCEWATCH_DATA_DIR, BOUNCEWATCH_SERVER_LISTEN, BOUNCEWATCH_SNS_TOPICS as a comma-separated
// list, ...). Throws ConfigError for a missing or malformed file, an unknown key, a value of the
// wrong type or out of range.
Config LoadConfig(const std::string& path, const ConfigOverrides& overrides,
                  char** environ_ptr = nullptr);

// Splits "HOST:PORT" (IPv6 as "[::1]:8080"). Throws ConfigError.
std::pair<std::string, uint16_t> SplitHostPort(const std::string& listen);

}  // namespace bw::app
