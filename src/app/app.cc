// SPDX-License-Identifier: Apache-2.0
#include "app/app.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "app/alert_service.h"
#include "app/service_metrics.h"
#include "app/simulator_trust.h"
#include "app/tokens.h"
#include "http/api_handler.h"
#include "http/health_handler.h"
#include "http/reputation_handler.h"
#include "http/router.h"
#include "http/server.h"
#include "http/session_handler.h"
#include "http/setup_handler.h"
#include "http/sns_handler.h"
#include "http/static_handler.h"
#include "http/web_assets.h"
#include "ingest/sns/cert_provider.h"
#include "ingest/sns/sns_verifier.h"
#include "net/curl_http_client.h"
#include "store/sqlite/sqlite_store.h"

namespace bw::app {

Result<std::unique_ptr<store::Store>> OpenStore(const Config& config, const Clock& clock,
                                                bool read_only, bool serving,
                                                store::CommitObserver observer) {
  const std::string& url = config.store.url;
  if (url.rfind("sqlite:", 0) == 0) {
    store::sqlite::SqliteOptions options;
    options.path = url.substr(std::string_view("sqlite:").size());
    options.read_only = read_only;
    options.max_batch = config.store.max_batch;
    options.wal_sync_threads = config.store.wal_sync_threads;
    options.suppression_index = serving && !read_only;
    // The policy runs inside the store's ingest transaction (store::SuppressionPolicy).
    options.suppression_policy = [policy = config.policy](
                                     const std::optional<SuppressionState>& current,
                                     const FeedbackEvent& event, const NormalizedAddress& address,
                                     TimePoint now) {
      return policy::Decide(policy, current, event, address.key, address.display, now);
    };
    // Reputation bucket rows are written in the same transaction (store::ReputationRowsFn).
    options.reputation_rows = [reputation = config.reputation](const FeedbackEvent& event,
                                                               TimePoint now) {
      return metrics::RowsForEvent(event, reputation, ToUnixMs(now));
    };
    options.commit_observer = std::move(observer);
    // Hard bounces and complaints get alert outbox rows in the same transaction (also from the
    // CLI's ingest-mail: the server's alert worker sends them).
    options.alert_rule = MakeAlertRule(config.alerts);
    return store::sqlite::OpenSqliteStore(options, clock);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return InvalidInput("the PostgreSQL store is not built into this version yet; use "
                        "store.url = \"sqlite:PATH\"");
  }
  return InvalidInput("unsupported store.url \"" + url + "\"; use sqlite:PATH");
}

namespace {

// Without sns.trust_simulator, messages signed by `bouncewatch simulate` name a certificate URL
// that exists nowhere: refuse them at once (403, never retried) with the setting to change,
// instead of trying to fetch it (which fails as 503 and makes senders retry for nothing).
class RefuseSimulatorCertificate final : public sns::CertificateProvider {
 public:
  explicit RefuseSimulatorCertificate(sns::CertificateProvider& inner) : inner_(inner) {}
  Result<std::shared_ptr<const sns::Certificate>> Get(const std::string& url) override {
    if (url == kSimulatorCertUrl) {
      return PermissionDenied("message is signed by the local `bouncewatch simulate` key; set "
                              "sns.trust_simulator = true to accept simulator messages (never in "
                              "production)");
    }
    return inner_.Get(url);
  }

 private:
  sns::CertificateProvider& inner_;
};

}  // namespace

// Owned parts, in construction order; destroyed in reverse, so the server (declared first)
// outlives everything its handlers reference until ~App stopped it.
struct App::Parts {
  Config config;
  const Clock* clock = nullptr;
  // Declared before the store: its writer feeds them (CommitObserver) until the store is gone.
  std::unique_ptr<metrics::ReputationCounter> reputation;  // the live rates
  metrics::Registry metrics_registry;                       // GET /metrics
  ServiceMetrics service_metrics;
  // The alert worker to wake after a commit stored alert-worthy events; null while none runs.
  std::atomic<AlertService*> alert_wake{nullptr};
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<boost::asio::thread_pool> blocking;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<net::CurlHttpClient> http_client;
  std::unique_ptr<sns::CachingCertificateProvider> certs;
  std::unique_ptr<sns::CertificateProvider> refuse_simulator;
  std::unique_ptr<sns::SnsVerifier> verifier;
  std::unique_ptr<http::SessionStore> sessions;  // the dashboard's sign-ins
  // [alerts]: the outbox worker and its channels; null when no channel is configured. Declared
  // after the store, so it is destroyed (its thread stopped) before the store.
  std::unique_ptr<AlertService> alerts;
  std::string created_admin_token;
};

App::App() : parts_(std::make_unique<Parts>()) {}

App::~App() { Stop(); }

std::unique_ptr<App> App::Create(const Config& config, const Clock& clock) {
  std::unique_ptr<App> app(new App());
  Parts& p = *app->parts_;
  p.config = config;
  p.clock = &clock;

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    throw ConfigError("cannot create data_dir " + config.data_dir + ": " + ec.message());
  }

  // The live reputation counter only ever learns rows from committed transactions.
  p.reputation = std::make_unique<metrics::ReputationCounter>(config.reputation, clock);
  auto on_commit = [&p](const store::CommitReport& report) {
    if (!report.reputation_rows.empty()) {
      p.reputation->Merge(report.reputation_rows);
      p.reputation->Prune();
    }
    p.service_metrics.OnCommit(report);
    if (AlertService* alerts = p.alert_wake.load()) {
      for (const FeedbackEvent* e : report.events) {
        if (IsAlertWorthy(p.config.alerts, *e)) {
          alerts->Wake();  // the rows are committed: no need to wait for the next poll
          break;
        }
      }
    }
  };
  auto store = OpenStore(config, clock, /*read_only=*/false, /*serving=*/true, on_commit);
  if (store.has_error()) {
    throw ConfigError("cannot open the store (" + config.store.url +
                      "): " + store.error().message());
  }
  p.store = std::move(*store);
  {
    const int64_t oldest = ToUnixMs(clock.Now()) - config.reputation.retention.count() -
                           config.reputation.bucket.count();
    if (auto pruned = p.store->DeleteReputationRowsBefore(oldest); pruned.has_error()) {
      spdlog::warn("reputation: cannot prune old buckets: {}", pruned.error().message());
    }
    auto rows = p.store->ListReputationRows(oldest);
    if (rows.has_error()) {
      throw ConfigError("cannot load the reputation buckets: " + rows.error().message());
    }
    p.reputation->Merge(*rows);
  }

  // With no API token at all, make one so the local CLI and the demo work at once.
  auto admin = EnsureAdminToken(*p.store, config.data_dir, clock);
  if (admin.has_error()) {
    throw ConfigError("cannot create the first API token: " + admin.error().message());
  }
  if (*admin) {
    p.created_admin_token = **admin;
    spdlog::warn("api: no API token existed, so an admin token was created and written to {} "
                 "(mode 0600); `bouncewatch token create` makes more, `token revoke` removes it",
                 AdminTokenPath(config.data_dir));
  }

  net::CurlClientOptions curl;
  curl.ca_file = config.outbound.ca_file;
  curl.resolve = config.outbound.resolve;
  curl.connect_to = config.outbound.connect_to;
  curl.user_agent = "bouncewatch/0.1";
  p.http_client = std::make_unique<net::CurlHttpClient>(curl);

  sns::CertificateProviderOptions cert_options;
  cert_options.pinned = config.sns.pinned_certs;
  cert_options.cache_dir = config.sns.cert_cache_dir;
  if (config.sns.trust_simulator) {
    SimulatorTrust trust = EnsureSimulatorTrust(config.data_dir);
    cert_options.pinned[trust.cert_url] = trust.cert_path;
    spdlog::warn("sns: trusting the local simulator's certificate {} (sns.trust_simulator = "
                 "true); never enable this in production",
                 trust.cert_path);
  }
  p.certs = std::make_unique<sns::CachingCertificateProvider>(cert_options, *p.http_client, clock);
  // A pinned certificate that cannot be used is a configuration error: say so at startup, not
  // on the first message.
  if (Status pinned = p.certs->LoadPinned(); pinned.has_error()) {
    throw ConfigError("sns.pinned_certs: " + pinned.error().message());
  }

  sns::VerifierOptions verifier_options;
  verifier_options.topics = config.sns.topics;
  verifier_options.max_message_age = config.sns.max_message_age;
  sns::CertificateProvider* provider = p.certs.get();
  if (!config.sns.trust_simulator) {
    p.refuse_simulator = std::make_unique<RefuseSimulatorCertificate>(*p.certs);
    provider = p.refuse_simulator.get();
  }
  p.verifier = std::make_unique<sns::SnsVerifier>(verifier_options, clock, *provider);
  if (config.sns.topics.empty()) {
    spdlog::warn("sns: sns.topics is empty, so every SNS message will be refused with 403; add "
                 "your topic ARN to sns.topics");
  }

  int threads = config.server.threads;
  if (threads <= 0) {
    threads = std::max(2u, std::thread::hardware_concurrency());
  }
  p.blocking = std::make_unique<boost::asio::thread_pool>(2);
  http::BlockingExecutor blocking = [pool = p.blocking.get()](std::function<void()> fn) {
    boost::asio::post(*pool, std::move(fn));
  };

  http::SnsHandlerOptions sns_options;
  sns_options.auto_confirm = config.sns.auto_confirm;
  sns_options.confirm_request.total_timeout = config.outbound.timeout;
  auto router = std::make_shared<http::Router>();
  router->Add("/healthz", {"GET", "HEAD"}, std::make_shared<http::HealthHandler>());
  router->Add("/readyz", {"GET", "HEAD"}, std::make_shared<http::ReadyHandler>(*p.store, blocking));
  http::ApiOptions api_options;
  api_options.cursor_key = LoadOrCreateCursorKey(config.data_dir);
  // OpenStore(serving) keeps the suppression list in memory (SQLite store).
  api_options.suppression_reads_in_memory = true;
  // The dashboard (web/, embedded) with its sign-in: sessions are accepted by every /v1 handler.
  http::SessionOptions session_options;
  session_options.ttl = config.api.session_ttl;
  p.sessions = std::make_unique<http::SessionStore>(session_options, clock);
  api_options.sessions = p.sessions.get();
  http::SessionHandlerOptions session_handler_options;
  session_handler_options.secure_cookie = config.server.public_url.rfind("https://", 0) == 0;
  router->Add("/v1/session", {}, std::make_shared<http::SessionHandler>(
                                     session_handler_options, *p.store, *p.sessions, blocking));
  http::SetupOptions setup_options;
  setup_options.public_url = config.server.public_url;
  setup_options.topics = config.sns.topics;
  setup_options.sessions = p.sessions.get();
  router->Add("/v1/setup", {},
              std::make_shared<http::SetupHandler>(setup_options, *p.store, blocking));
  router->AddPrefix("/", std::make_shared<http::StaticHandler>(http::EmbeddedWebAssets()));
  router->AddPrefix("/v1/", std::make_shared<http::ApiHandler>(api_options, *p.store, clock,
                                                               blocking));
  auto sns_handler = std::make_shared<http::SnsHandler>(sns_options, *p.verifier, *p.store,
                                                        *p.http_client, clock, blocking);
  router->Add("/webhooks/sns", {"POST"}, sns_handler);
  // The reputation API and GET /metrics (unauthenticated, like /healthz).
  http::ReputationHandlerOptions reputation_options;
  reputation_options.sessions = p.sessions.get();
  auto reputation_handler = std::make_shared<http::ReputationHandler>(
      reputation_options, *p.store, *p.reputation, clock, blocking);
  router->Add("/v1/reputation", {}, reputation_handler);
  router->Add("/v1/reputation/series", {}, reputation_handler);
  router->Add("/v1/sends", {}, reputation_handler);
  ServiceMetrics::SnsSources sns_sources;
  {
    // The handler is owned by the router, which the server owns: it outlives every scrape.
    const http::SnsHandlerStats* st = &sns_handler->stats();
    const auto read = [](const std::atomic<uint64_t>& a) {
      return [&a] { return a.load(std::memory_order_relaxed); };
    };
    sns_sources.stored = read(st->stored);
    sns_sources.duplicates = read(st->duplicates);
    sns_sources.rejected_invalid = read(st->rejected_invalid);
    sns_sources.rejected_forbidden = read(st->rejected_forbidden);
    sns_sources.unavailable = read(st->unavailable);
    sns_sources.confirmations = read(st->confirmations);
    sns_sources.signature_failures = [verifier = p.verifier.get()] {
      return verifier->signature_failures();
    };
  }
  p.service_metrics.Register(p.metrics_registry, *p.reputation, *p.store, clock,
                             std::move(sns_sources));
  router->Add("/metrics", {"GET", "HEAD"},
              std::make_shared<http::MetricsHandler>(p.metrics_registry, blocking));

  // Alerts: a worker thread sends the outbox; ingestion never waits for it.
  if (config.alerts.any()) {
    p.alerts = AlertService::Create(config.alerts, config.outbound.ca_file, *p.store, clock,
                                    p.reputation.get(), config.reputation);
    p.metrics_registry.AddGauge(
        "bouncewatch_alert_outbox_depth",
        "Alert items (all channels) in the outbox, not yet accepted by their receiver.",
        [alerts = p.alerts.get()] {
          return static_cast<double>(std::max<int64_t>(0, alerts->depth()));
        });
  }

  auto [host, port] = SplitHostPort(config.server.listen);
  http::ServerOptions server_options;
  server_options.host = host;
  server_options.port = port;
  server_options.threads = threads;
  server_options.max_body_bytes = config.server.max_body_bytes;
  server_options.request_timeout = config.server.request_timeout;
  p.server = std::make_unique<http::HttpServer>(server_options, router);
  return app;
}

Status App::Start() {
  Status s = parts_->server->Start();
  if (s.has_value() && parts_->alerts) {
    parts_->alerts->Start();
    parts_->alert_wake.store(parts_->alerts.get());
  }
  if (s.has_value()) {
    spdlog::info("bouncewatch: listening on {}:{} (store {})",
                 SplitHostPort(parts_->config.server.listen).first, parts_->server->port(),
                 parts_->config.store.url);
  }
  return s;
}

uint16_t App::port() const { return parts_->server->port(); }

store::Store& App::store() { return *parts_->store; }

const metrics::ReputationCounter& App::reputation() const { return *parts_->reputation; }

metrics::Registry& App::metrics_registry() { return parts_->metrics_registry; }

const std::string& App::created_admin_token() const { return parts_->created_admin_token; }

void App::WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("bouncewatch: received signal {}, stopping", sig);
  Stop();
}

void App::Stop() {
  if (!parts_) {
    return;
  }
  if (parts_->server) {
    parts_->server->Stop();
  }
  if (parts_->blocking) {
    parts_->blocking->join();
  }
  parts_->alert_wake.store(nullptr);
  if (parts_->alerts) {
    parts_->alerts->Stop();
  }
}

}  // namespace bw::app
