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
    t.RejectUnknown();
  }
  {
    TableReader t(top.Table("store"), "store.", file);
    t.String("url", &c.store.url);
    t.Integer("max_batch", &c.store.max_batch, 1, 100000);
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
  for (const auto& [name, v] : vars) {
    if (name == "BOUNCEWATCH_DATA_DIR") c.data_dir = v;
    else if (name == "BOUNCEWATCH_SERVER_LISTEN") c.server.listen = v;
    else if (name == "BOUNCEWATCH_SERVER_MAX_BODY_BYTES") c.server.max_body_bytes = integer(name, v);
    else if (name == "BOUNCEWATCH_SERVER_THREADS") c.server.threads = static_cast<int>(integer(name, v));
    else if (name == "BOUNCEWATCH_SERVER_REQUEST_TIMEOUT") c.server.request_timeout = duration(name, v);
    else if (name == "BOUNCEWATCH_STORE_URL") c.store.url = v;
    else if (name == "BOUNCEWATCH_STORE_MAX_BATCH") c.store.max_batch = static_cast<int>(integer(name, v));
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
