// SPDX-License-Identifier: Apache-2.0
#include "app/config.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/time_format.h"

extern char** environ;

namespace bw::app {
namespace {

// Walks a TOML table, handing out keys and remembering which were used, so that whatever is left
// is reported as unknown.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string prefix, std::string file)
      : table_(table), prefix_(std::move(prefix)), file_(std::move(file)) {}

  const toml::node* Take(std::string_view key) {
    used_.insert(std::string(key));
    return table_ == nullptr ? nullptr : table_->get(key);
  }

  std::string Name(std::string_view key) const { return prefix_ + std::string(key); }

  [[noreturn]] void Fail(std::string_view key, const std::string& what) const {
    throw ConfigError(file_ + ": " + Name(key) + " " + what);
  }

  void String(std::string_view key, std::string* out) {
    if (const toml::node* n = Take(key)) {
      auto v = n->value<std::string>();
      if (!v) {
        Fail(key, "must be a string");
      }
      *out = *v;
    }
  }
  void Bool(std::string_view key, bool* out) {
    if (const toml::node* n = Take(key)) {
      auto v = n->value<bool>();
      if (!v) {
        Fail(key, "must be true or false");
      }
      *out = *v;
    }
  }
  template <class Int>
  void Integer(std::string_view key, Int* out, int64_t min, int64_t max) {
    if (const toml::node* n = Take(key)) {
      auto v = n->value<int64_t>();
      if (!v || n->type() != toml::node_type::integer) {
        Fail(key, "must be an integer");
      }
      if (*v < min || *v > max) {
        Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      }
      *out = static_cast<Int>(*v);
    }
  }
  void Duration(std::string_view key, std::chrono::milliseconds* out) {
    if (const toml::node* n = Take(key)) {
      std::optional<std::chrono::milliseconds> d;
      if (auto s = n->value<std::string>()) {
        d = ParseDuration(*s);
      } else if (n->type() == toml::node_type::integer) {
        int64_t secs = *n->value<int64_t>();
        if (secs >= 0) {
          d = std::chrono::seconds(secs);
        }
      }
      if (!d) {
        Fail(key, "must be a duration such as \"30s\", \"1h\" or \"7d\"");
      }
      *out = *d;
    }
  }
  void Double(std::string_view key, double* out, double min, double max) {
    if (const toml::node* n = Take(key)) {
      std::optional<double> v;
      if (n->type() == toml::node_type::floating_point || n->type() == toml::node_type::integer) {
        v = n->value<double>();
      }
      if (!v) {
        Fail(key, "must be a number");
      }
      if (!(*v >= min && *v <= max)) {
        Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      }
      *out = *v;
    }
  }
  void StringList(std::string_view key, std::vector<std::string>* out) {
    if (const toml::node* n = Take(key)) {
      const toml::array* a = n->as_array();
      if (a == nullptr) {
        Fail(key, "must be a list of strings");
      }
      out->clear();
      for (const toml::node& item : *a) {
        auto v = item.value<std::string>();
        if (!v) {
          Fail(key, "must be a list of strings");
        }
        out->push_back(*v);
      }
    }
  }
  const toml::table* Table(std::string_view key) {
    if (const toml::node* n = Take(key)) {
      if (!n->is_table()) {
        Fail(key, "must be a table ([" + Name(key) + "])");
      }
      return n->as_table();
    }
    return nullptr;
  }
  // Throws for the first key that was never taken.
  void RejectUnknown() const {
    if (table_ == nullptr) {
      return;
    }
    for (const auto& [k, v] : *table_) {
      if (!used_.count(std::string(k.str()))) {
        throw ConfigError(file_ + ": unknown key " + Name(k.str()) +
                          " (see dist/bouncewatch.example.toml for every key)");
      }
    }
  }

 private:
  const toml::table* table_;
  std::string prefix_;
  std::string file_;
  std::set<std::string> used_;
};

void ApplyFile(const toml::table& root, const std::string& file, Config& c) {
  TableReader top(&root, "", file);
  top.String("data_dir", &c.data_dir);
  {
    TableReader t(top.Table("server"), "server.", file);
    t.String("listen", &c.server.listen);
    t.Integer("max_body_bytes", &c.server.max_body_bytes, 1024, 64LL << 20);
    t.Integer("threads", &c.server.threads, 0, 256);
    t.Duration("request_timeout", &c.server.request_timeout);
    t.String("public_url", &c.server.public_url);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("api"), "api.", file);
    t.Duration("session_ttl", &c.api.session_ttl);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("store"), "store.", file);
    t.String("url", &c.store.url);
    t.Integer("max_batch", &c.store.max_batch, 1, 100000);
    t.Integer("wal_sync_threads", &c.store.wal_sync_threads, 0, 16);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("sns"), "sns.", file);
    t.StringList("topics", &c.sns.topics);
    t.Bool("auto_confirm", &c.sns.auto_confirm);
    t.Duration("max_message_age", &c.sns.max_message_age);
    t.String("cert_cache_dir", &c.sns.cert_cache_dir);
    t.Bool("trust_simulator", &c.sns.trust_simulator);
    if (const toml::table* pins = t.Table("pinned_certs")) {
      for (const auto& [k, v] : *pins) {
        auto path = v.value<std::string>();
        if (!path) {
          throw ConfigError(file + ": sns.pinned_certs.\"" + std::string(k.str()) +
                            "\" must be a file path string");
        }
        c.sns.pinned_certs[std::string(k.str())] = *path;
      }
    }
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("outbound"), "outbound.", file);
    t.String("ca_file", &c.outbound.ca_file);
    t.StringList("resolve", &c.outbound.resolve);
    t.StringList("connect_to", &c.outbound.connect_to);
    t.Duration("timeout", &c.outbound.timeout);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("mail"), "mail.", file);
    t.String("verp_pattern", &c.mail.verp_pattern);
    t.String("user", &c.mail.user);
    t.String("password", &c.mail.password);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("policy"), "policy.", file);
    t.Integer("soft_bounce_limit", &c.policy.soft_bounce_limit, 1, 1000);
    t.Duration("soft_bounce_window", &c.policy.soft_bounce_window);
    t.Bool("suppress_on_complaint", &c.policy.suppress_on_complaint);
    t.Duration("ttl_soft", &c.policy.ttl_soft);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("reputation"), "reputation.", file);
    metrics::ReputationConfig& r = c.reputation;
    t.Duration("window", &r.window);
    int64_t window_sends = r.window_sends.value_or(0);
    t.Integer("window_sends", &window_sends, 0, int64_t{1} << 50);
    r.window_sends = window_sends > 0 ? std::optional<int64_t>(window_sends) : std::nullopt;
    t.Duration("bucket", &r.bucket);
    t.Duration("retention", &r.retention);
    t.Double("bounce_elevated", &r.bounce_elevated, 0, 1);
    t.Double("bounce_warning", &r.bounce_warning, 0, 1);
    t.Double("bounce_at_risk", &r.bounce_at_risk, 0, 1);
    double complaint_elevated = r.complaint_elevated.value_or(0);
    t.Double("complaint_elevated", &complaint_elevated, 0, 1);
    r.complaint_elevated =
        complaint_elevated > 0 ? std::optional<double>(complaint_elevated) : std::nullopt;
    t.Double("complaint_warning", &r.complaint_warning, 0, 1);
    t.Double("complaint_at_risk", &r.complaint_at_risk, 0, 1);
    t.Integer("min_sends", &r.min_sends, 0, int64_t{1} << 50);
    t.Bool("count_simulator", &r.count_simulator);
    t.Integer("max_keys_per_bucket", &r.max_keys_per_bucket, 1, 1000000);
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("alerts"), "alerts.", file);
    AlertsConfig& a = c.alerts;
    t.String("instance_name", &a.instance_name);
    t.String("dashboard_url", &a.dashboard_url);
    t.Duration("retry_initial", &a.retry_initial);
    t.Duration("retry_max", &a.retry_max);
    t.Duration("poll_interval", &a.poll_interval);
    auto common = [](TableReader& r, AlertChannelCommon& ch) {
      r.Duration("min_interval", &ch.min_interval);
      r.Duration("digest_interval", &ch.digest_interval);
      r.StringList("triggers", &ch.triggers);
    };
    {
      TableReader e(t.Table("email"), "alerts.email.", file);
      e.String("smtp_url", &a.email.smtp_url);
      e.String("from", &a.email.from);
      e.StringList("to", &a.email.to);
      e.String("username", &a.email.username);
      e.String("password", &a.email.password);
      e.String("starttls", &a.email.starttls);
      e.String("ca_file", &a.email.ca_file);
      e.Bool("insecure", &a.email.insecure);
      common(e, a.email);
      e.RejectUnknown();
    }
    {
      TableReader w(t.Table("webhook"), "alerts.webhook.", file);
      w.String("url", &a.webhook.url);
      w.Duration("timeout", &a.webhook.timeout);
      common(w, a.webhook);
      w.RejectUnknown();
    }
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("log"), "log.", file);
    t.String("level", &c.log.level);
    t.RejectUnknown();
  }
  top.RejectUnknown();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string::npos) {
      out.push_back(item.substr(b, e - b + 1));
    }
  }
  return out;
}

bool ParseBool(const std::string& name, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "false" || v == "0" || v == "no" || v == "off") {
    return false;
  }
  throw ConfigError("environment: " + name + " must be true or false, not \"" + v + "\"");
}

void ApplyEnvironment(char** env, Config& c) {
  std::map<std::string, std::string> vars;
  for (char** p = env; p != nullptr && *p != nullptr; ++p) {
    std::string kv(*p);
    if (kv.rfind("BOUNCEWATCH_", 0) != 0) {
      continue;
    }
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto duration = [](const std::string& name, const std::string& v) {
    auto d = ParseDuration(v);
    if (!d) {
      throw ConfigError("environment: " + name + " must be a duration such as \"1h\", not \"" +
                        v + "\"");
    }
    return *d;
  };
  auto integer = [](const std::string& name, const std::string& v) {
    try {
      size_t used = 0;
      long long n = std::stoll(v, &used);
      if (used != v.size() || n < 0) {
        throw std::invalid_argument(v);
      }
      return n;
    } catch (const std::exception&) {
      throw ConfigError("environment: " + name + " must be a non-negative integer, not \"" + v +
                        "\"");
    }
  };
  auto fraction = [](const std::string& name, const std::string& v) {
    try {
      size_t used = 0;
      double d = std::stod(v, &used);
      if (used != v.size() || !(d >= 0 && d <= 1)) {
        throw std::invalid_argument(v);
      }
      return d;
    } catch (const std::exception&) {
      throw ConfigError("environment: " + name + " must be a number between 0 and 1, not \"" +
                        v + "\"");
    }
  };
  for (const auto& [name, v] : vars) {
    if (name == "BOUNCEWATCH_DATA_DIR") c.data_dir = v;
    else if (name == "BOUNCEWATCH_SERVER_LISTEN") c.server.listen = v;
    else if (name == "BOUNCEWATCH_SERVER_MAX_BODY_BYTES") c.server.max_body_bytes = integer(name, v);
    else if (name == "BOUNCEWATCH_SERVER_THREADS") c.server.threads = static_cast<int>(integer(name, v));
    else if (name == "BOUNCEWATCH_SERVER_REQUEST_TIMEOUT") c.server.request_timeout = duration(name, v);
    else if (name == "BOUNCEWATCH_SERVER_PUBLIC_URL") c.server.public_url = v;
    else if (name == "BOUNCEWATCH_API_SESSION_TTL") c.api.session_ttl = duration(name, v);
    else if (name == "BOUNCEWATCH_STORE_URL") c.store.url = v;
    else if (name == "BOUNCEWATCH_STORE_MAX_BATCH") c.store.max_batch = static_cast<int>(integer(name, v));
    else if (name == "BOUNCEWATCH_STORE_WAL_SYNC_THREADS") c.store.wal_sync_threads = static_cast<int>(integer(name, v));
    else if (name == "BOUNCEWATCH_SNS_TOPICS") c.sns.topics = SplitList(v);
    else if (name == "BOUNCEWATCH_SNS_AUTO_CONFIRM") c.sns.auto_confirm = ParseBool(name, v);
    else if (name == "BOUNCEWATCH_SNS_MAX_MESSAGE_AGE") c.sns.max_message_age = duration(name, v);
    else if (name == "BOUNCEWATCH_SNS_CERT_CACHE_DIR") c.sns.cert_cache_dir = v;
    else if (name == "BOUNCEWATCH_SNS_TRUST_SIMULATOR") c.sns.trust_simulator = ParseBool(name, v);
    else if (name == "BOUNCEWATCH_OUTBOUND_CA_FILE") c.outbound.ca_file = v;
    else if (name == "BOUNCEWATCH_OUTBOUND_RESOLVE") c.outbound.resolve = SplitList(v);
    else if (name == "BOUNCEWATCH_OUTBOUND_CONNECT_TO") c.outbound.connect_to = SplitList(v);
    else if (name == "BOUNCEWATCH_OUTBOUND_TIMEOUT") c.outbound.timeout = duration(name, v);
    else if (name == "BOUNCEWATCH_LOG_LEVEL") c.log.level = v;
    else if (name == "BOUNCEWATCH_MAIL_VERP_PATTERN") c.mail.verp_pattern = v;
    else if (name == "BOUNCEWATCH_MAIL_USER") c.mail.user = v;
    else if (name == "BOUNCEWATCH_MAIL_PASSWORD") c.mail.password = v;
    else if (name == "BOUNCEWATCH_POLICY_SOFT_BOUNCE_LIMIT") c.policy.soft_bounce_limit = static_cast<int>(integer(name, v));
    else if (name == "BOUNCEWATCH_POLICY_SOFT_BOUNCE_WINDOW") c.policy.soft_bounce_window = duration(name, v);
    else if (name == "BOUNCEWATCH_POLICY_SUPPRESS_ON_COMPLAINT") c.policy.suppress_on_complaint = ParseBool(name, v);
    else if (name == "BOUNCEWATCH_POLICY_TTL_SOFT") c.policy.ttl_soft = duration(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_WINDOW") c.reputation.window = duration(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_WINDOW_SENDS") {
      const long long n = integer(name, v);
      c.reputation.window_sends = n > 0 ? std::optional<int64_t>(n) : std::nullopt;
    }
    else if (name == "BOUNCEWATCH_REPUTATION_BUCKET") c.reputation.bucket = duration(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_RETENTION") c.reputation.retention = duration(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_BOUNCE_ELEVATED") c.reputation.bounce_elevated = fraction(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_BOUNCE_WARNING") c.reputation.bounce_warning = fraction(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_BOUNCE_AT_RISK") c.reputation.bounce_at_risk = fraction(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_COMPLAINT_ELEVATED") {
      const double d = fraction(name, v);
      c.reputation.complaint_elevated = d > 0 ? std::optional<double>(d) : std::nullopt;
    }
    else if (name == "BOUNCEWATCH_REPUTATION_COMPLAINT_WARNING") c.reputation.complaint_warning = fraction(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_COMPLAINT_AT_RISK") c.reputation.complaint_at_risk = fraction(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_MIN_SENDS") c.reputation.min_sends = integer(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_COUNT_SIMULATOR") c.reputation.count_simulator = ParseBool(name, v);
    else if (name == "BOUNCEWATCH_REPUTATION_MAX_KEYS_PER_BUCKET") {
      const long long n = integer(name, v);
      if (n < 1) {
        throw ConfigError("environment: " + name + " must be at least 1");
      }
      c.reputation.max_keys_per_bucket = static_cast<size_t>(n);
    }
    else if (name == "BOUNCEWATCH_ALERTS_INSTANCE_NAME") c.alerts.instance_name = v;
    else if (name == "BOUNCEWATCH_ALERTS_DASHBOARD_URL") c.alerts.dashboard_url = v;
    else if (name == "BOUNCEWATCH_ALERTS_RETRY_INITIAL") c.alerts.retry_initial = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_RETRY_MAX") c.alerts.retry_max = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_POLL_INTERVAL") c.alerts.poll_interval = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_SMTP_URL") c.alerts.email.smtp_url = v;
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_FROM") c.alerts.email.from = v;
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_TO") c.alerts.email.to = SplitList(v);
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_USERNAME") c.alerts.email.username = v;
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_PASSWORD") c.alerts.email.password = v;
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_STARTTLS") c.alerts.email.starttls = v;
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_CA_FILE") c.alerts.email.ca_file = v;
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_INSECURE") c.alerts.email.insecure = ParseBool(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_MIN_INTERVAL") c.alerts.email.min_interval = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_DIGEST_INTERVAL") c.alerts.email.digest_interval = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_EMAIL_TRIGGERS") c.alerts.email.triggers = SplitList(v);
    else if (name == "BOUNCEWATCH_ALERTS_WEBHOOK_URL") c.alerts.webhook.url = v;
    else if (name == "BOUNCEWATCH_ALERTS_WEBHOOK_TIMEOUT") c.alerts.webhook.timeout = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_WEBHOOK_MIN_INTERVAL") c.alerts.webhook.min_interval = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_WEBHOOK_DIGEST_INTERVAL") c.alerts.webhook.digest_interval = duration(name, v);
    else if (name == "BOUNCEWATCH_ALERTS_WEBHOOK_TRIGGERS") c.alerts.webhook.triggers = SplitList(v);
    else if (name == "BOUNCEWATCH_CONFIG" || name == "BOUNCEWATCH_TOKEN") continue;  // used elsewhere
    else throw ConfigError("environment: unknown variable " + name);
  }
}

void Validate(Config& c) {
  SplitHostPort(c.server.listen);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.count(c.log.level)) {
    throw ConfigError(c.source + ": log.level must be one of trace, debug, info, warn, error, off");
  }
  if (c.store.url.empty()) {
    c.store.url = "sqlite:" + (std::filesystem::path(c.data_dir) / "bouncewatch.db").string();
  }
  if (c.store.url.rfind("sqlite:", 0) != 0 && c.store.url.rfind("postgresql://", 0) != 0 &&
      c.store.url.rfind("postgres://", 0) != 0) {
    throw ConfigError(c.source + ": store.url must start with sqlite: or postgresql://, not \"" +
                      c.store.url + "\"");
  }
  if (Status p = policy::Validate(c.policy); !p) {
    throw ConfigError(c.source + ": " + p.error().message());
  }
  if (Status r = c.reputation.Validate(); !r) {
    throw ConfigError(c.source + ": " + r.error().message());
  }
  if (c.alerts.dashboard_url.empty()) {
    c.alerts.dashboard_url = c.server.public_url;
  }
  ValidateAlerts(c.alerts, c.source);
  if (!c.server.public_url.empty() && c.server.public_url.rfind("https://", 0) != 0 &&
      c.server.public_url.rfind("http://", 0) != 0) {
    throw ConfigError(c.source + ": server.public_url must start with https:// or http://, not \"" +
                      c.server.public_url + "\"");
  }
  if (c.api.session_ttl < std::chrono::seconds(1)) {
    throw ConfigError(c.source + ": api.session_ttl must be at least 1s");
  }
  if (c.sns.cert_cache_dir.empty()) {
    c.sns.cert_cache_dir = (std::filesystem::path(c.data_dir) / "sns-certs").string();
  }
  for (const auto& topic : c.sns.topics) {
    if (topic.rfind("arn:", 0) != 0) {
      throw ConfigError(c.source + ": sns.topics entry \"" + topic +
                        "\" is not a topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)");
    }
  }
  for (const auto& [url, path] : c.sns.pinned_certs) {
    if (!std::filesystem::exists(path)) {
      throw ConfigError(c.source + ": sns.pinned_certs file \"" + path + "\" for " + url +
                        " does not exist");
    }
  }
}

}  // namespace

std::pair<std::string, uint16_t> SplitHostPort(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      throw ConfigError("listen address \"" + listen + "\" must be HOST:PORT");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
      throw ConfigError("listen address \"" + listen + "\" must be HOST:PORT");
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (host.empty() || port.empty() || *end != '\0' || p < 0 || p > 65535) {
    throw ConfigError("listen address \"" + listen + "\" must be HOST:PORT with a port 0-65535");
  }
  return {host, static_cast<uint16_t>(p)};
}

Config LoadConfig(const std::string& path, const ConfigOverrides& overrides, char** env) {
  Config c;
  c.source = "defaults";
  std::string file = path;
  if (file.empty() && std::filesystem::exists("bouncewatch.toml")) {
    file = "bouncewatch.toml";
  }
  if (!file.empty()) {
    if (!std::filesystem::exists(file)) {
      throw ConfigError("configuration file " + file + " does not exist");
    }
    c.source = file;
    toml::table root;
    try {
      root = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      throw ConfigError(file + ":" + std::to_string(where.line) + ":" +
                        std::to_string(where.column) + ": " + std::string(e.description()));
    }
    ApplyFile(root, file, c);
  }
  ApplyEnvironment(env != nullptr ? env : environ, c);
  if (overrides.data_dir) c.data_dir = *overrides.data_dir;
  if (overrides.listen) c.server.listen = *overrides.listen;
  if (overrides.store_url) c.store.url = *overrides.store_url;
  Validate(c);
  return c;
}

}  // namespace bw::app
