// SPDX-License-Identifier: Apache-2.0
#include "testing/tls_test_server.h"

#include <cctype>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/ascii.h"
#include "testing/test_data.h"

namespace bw::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kMaxRequestBodyBytes = 16 << 20;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct ExtDeleter {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using Cert = std::unique_ptr<X509, X509Deleter>;

void Check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("TlsTestServer: ") + what + " failed");
  }
}

Pkey NewKey() {
  Pkey key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EC key generation");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtDeleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  Check(ext != nullptr, "certificate extension");
  Check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

// A certificate for `key` named `cn`, with its validity set; extensions are added by the caller
// and then it is signed.
Cert NewCert(EVP_PKEY* key, const std::string& cn) {
  Cert cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  unsigned char serial[16];
  Check(RAND_bytes(serial, sizeof(serial)) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  Check(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr,
        "serial number");
  BN_free(bn);
  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "subject name");
  Check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  return cert;
}

std::string ToPem(X509* cert) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  Check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

const std::string* TlsTestServer::Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return &value;
    }
  }
  return nullptr;
}

struct TlsTestServer::Impl {
  Options options;
  TempDir dir;
  std::string ca_file;
  std::string ca_pem;
  std::string leaf_pem;
  ssl::context ssl_ctx{ssl::context::tls_server};

  mutable std::mutex mu;
  Handler handler;                // GUARDED_BY(mu)
  bool stall = false;             // GUARDED_BY(mu)
  std::vector<Request> requests;  // GUARDED_BY(mu)

  // Reset in Stop(), acceptor first: destroying the io_context destroys every suspended
  // session coroutine, which closes its connection.
  std::optional<asio::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  uint16_t port = 0;
  std::thread thread;
  std::mutex stop_mu;

  void MakeCertificates() {
    Pkey ca_key = NewKey();
    Cert ca = NewCert(ca_key.get(), "bouncewatch throw-away test CA");
    Check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) == 1, "issuer");
    AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    Check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing the CA");

    Check(!options.hosts.empty(), "finding a host name for the certificate");
    Pkey leaf_key = NewKey();
    Cert leaf = NewCert(leaf_key.get(), options.hosts.front());
    Check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())) == 1, "issuer");
    std::string san;
    for (const std::string& host : options.hosts) {
      san += (san.empty() ? "" : ",") + std::string(IsIpLiteral(host) ? "IP:" : "DNS:") + host;
    }
    AddExtension(leaf.get(), ca.get(), NID_subject_alt_name, san);
    AddExtension(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    AddExtension(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    AddExtension(leaf.get(), ca.get(), NID_subject_key_identifier, "hash");
    AddExtension(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
    Check(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()) > 0, "signing the leaf");

    ca_pem = ToPem(ca.get());
    leaf_pem = ToPem(leaf.get());
    ca_file = (dir.path() / "ca.pem").string();
    std::ofstream out(ca_file, std::ios::binary);
    out << ca_pem;
    Check(static_cast<bool>(out.flush()), "writing the CA file");

    SSL_CTX* native = ssl_ctx.native_handle();
    Check(SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) == 1, "min TLS version");
    Check(SSL_CTX_use_certificate(native, leaf.get()) == 1, "SSL_CTX_use_certificate");
    Check(SSL_CTX_use_PrivateKey(native, leaf_key.get()) == 1, "SSL_CTX_use_PrivateKey");
    Check(SSL_CTX_check_private_key(native) == 1, "SSL_CTX_check_private_key");
  }

  Response Handle(const Request& request) {
    Handler h;
    {
      std::lock_guard<std::mutex> lock(mu);
      h = handler;
    }
    if (!h) {
      Response ok;
      ok.body = "ok";
      return ok;
    }
    try {
      return h(request);
    } catch (const std::exception& e) {
      Response failed;
      failed.status = 500;
      failed.body = std::string("handler threw: ") + e.what();
      return failed;
    }
  }

  // One HTTP/1.1 connection, keep-alive honoured. Throws when the peer goes away.
  template <class Stream>
  asio::awaitable<void> ServeHttp(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxRequestBodyBytes);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
      const auto& req = parser.get();
      Request request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      for (const auto& field : req) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = req.body();
      bool stall_now = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        requests.push_back(request);
        stall_now = stall;
      }
      if (stall_now) {
        continue;  // read on: returns only when the client sends more or hangs up
      }
      Response response = Handle(request);
      http::response<http::string_body> res{static_cast<http::status>(response.status),
                                            req.version()};
      res.set(http::field::server, "bouncewatch-tls-test-server");
      res.set(http::field::content_type, response.content_type);
      for (const auto& [name, value] : response.headers) {
        res.insert(name, value);
      }
      res.body() = std::move(response.body);
      res.keep_alive(req.keep_alive());
      if (response.chunked) {
        res.chunked(true);
      } else {
        res.prepare_payload();
      }
      co_await http::async_write(stream, res, asio::use_awaitable);
      if (!res.keep_alive()) {
        co_return;
      }
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    try {
      if (options.plain_http) {
        beast::tcp_stream stream(std::move(socket));
        co_await ServeHttp(stream);
        stream.socket().shutdown(tcp::socket::shutdown_send);
      } else {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ssl_ctx);
        co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
        co_await ServeHttp(stream);
        // A client that already closed makes this fail; nothing to do about it.
        co_await stream.async_shutdown(asio::experimental::as_tuple(asio::use_awaitable));
      }
    } catch (const std::exception&) {
      // The client hung up, rejected our certificate, or timed out: all normal in tests.
    }
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor->async_accept(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return;  // closed by Stop()
      }
      asio::co_spawn(*ioc, Session(std::move(socket)), asio::detached);
    }
  }

  void Start() {
    MakeCertificates();
    ioc.emplace(1);
    acceptor.emplace(*ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor->local_endpoint().port();
    asio::co_spawn(*ioc, Accept(), asio::detached);
    thread = std::thread([this] {
      try {
        ioc->run();
      } catch (const std::exception&) {
        // Nothing should escape the coroutines; never take the test process down.
      }
    });
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu);
    if (!thread.joinable()) {
      return;
    }
    ioc->stop();
    thread.join();
    acceptor.reset();
    ioc.reset();
  }
};

TlsTestServer::TlsTestServer(std::vector<std::string> hosts, Handler handler)
    : TlsTestServer(Options{.hosts = std::move(hosts), .plain_http = false}, std::move(handler)) {}

TlsTestServer::TlsTestServer(Options options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->Start();
}

TlsTestServer::~TlsTestServer() { Stop(); }

uint16_t TlsTestServer::port() const { return impl_->port; }
const std::string& TlsTestServer::ca_file() const { return impl_->ca_file; }
std::string TlsTestServer::ca_pem() const { return impl_->ca_pem; }
std::string TlsTestServer::leaf_pem() const { return impl_->leaf_pem; }

std::string TlsTestServer::Url(std::string_view host, std::string_view target) const {
  return std::string(impl_->options.plain_http ? "http://" : "https://") + std::string(host) + ":" +
         std::to_string(impl_->port) + std::string(target);
}

std::string TlsTestServer::ResolveEntry(std::string_view host) const {
  return std::string(host) + ":" + std::to_string(impl_->port) + ":127.0.0.1";
}

void TlsTestServer::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->handler = std::move(handler);
}

void TlsTestServer::SetStall(bool stall) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->stall = stall;
}

std::vector<TlsTestServer::Request> TlsTestServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

void TlsTestServer::Stop() { impl_->Stop(); }

}  // namespace bw::testing
