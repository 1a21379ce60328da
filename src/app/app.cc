// SPDX-License-Identifier: Apache-2.0
#include "app/app.h"

#include <csignal>
#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "app/simulator_trust.h"
#include "app/tokens.h"
#include "http/api_handler.h"
#include "http/health_handler.h"
#include "http/router.h"
#include "http/server.h"
#include "http/sns_handler.h"
#include "ingest/sns/cert_provider.h"
#include "ingest/sns/sns_verifier.h"
#include "net/curl_http_client.h"
#include "store/sqlite/sqlite_store.h"

namespace bw::app {

Result<std::unique_ptr<store::Store>> OpenStore(const Config& config, const Clock& clock,
                                                bool read_only) {
  const std::string& url = config.store.url;
  if (url.rfind("sqlite:", 0) == 0) {
    store::sqlite::SqliteOptions options;
    options.path = url.substr(std::string_view("sqlite:").size());
    options.read_only = read_only;
    options.max_batch = config.store.max_batch;
    // The policy runs inside the store's ingest transaction (store::SuppressionPolicy).
    options.suppression_policy = [policy = config.policy](
                                     const std::optional<SuppressionState>& current,
                                     const FeedbackEvent& event, const NormalizedAddress& address,
                                     TimePoint now) {
      return policy::Decide(policy, current, event, address.key, address.display, now);
    };
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
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<boost::asio::thread_pool> blocking;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<net::CurlHttpClient> http_client;
  std::unique_ptr<sns::CachingCertificateProvider> certs;
  std::unique_ptr<sns::CertificateProvider> refuse_simulator;
  std::unique_ptr<sns::SnsVerifier> verifier;
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

  auto store = OpenStore(config, clock, /*read_only=*/false);
  if (store.has_error()) {
    throw ConfigError("cannot open the store (" + config.store.url +
                      "): " + store.error().message());
  }
  p.store = std::move(*store);

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
  router->AddPrefix("/v1/", std::make_shared<http::ApiHandler>(api_options, *p.store, clock,
                                                               blocking));
  router->Add("/webhooks/sns", {"POST"},
              std::make_shared<http::SnsHandler>(sns_options, *p.verifier, *p.store,
                                                 *p.http_client, clock, blocking));

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
  if (s.has_value()) {
    spdlog::info("bouncewatch: listening on {}:{} (store {})",
                 SplitHostPort(parts_->config.server.listen).first, parts_->server->port(),
                 parts_->config.store.url);
  }
  return s;
}

uint16_t App::port() const { return parts_->server->port(); }

store::Store& App::store() { return *parts_->store; }

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
}

}  // namespace bw::app
