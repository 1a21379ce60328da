// SPDX-License-Identifier: Apache-2.0
#include "app/app.h"

#include <csignal>
#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "app/simulator_trust.h"
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
    return store::sqlite::OpenSqliteStore(options, clock);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return InvalidInput("the PostgreSQL store is not built into this version yet; use "
                        "store.url = \"sqlite:PATH\"");
  }
  return InvalidInput("unsupported store.url \"" + url + "\"; use sqlite:PATH");
}

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
  std::unique_ptr<sns::SnsVerifier> verifier;
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
  p.verifier = std::make_unique<sns::SnsVerifier>(verifier_options, clock, *p.certs);
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
