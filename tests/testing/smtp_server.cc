// SPDX-License-Identifier: Apache-2.0
#include "testing/smtp_server.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

namespace bw::testing {

namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-aiosmtpd lives

// The server: aiosmtpd's SMTP protocol on an asyncio server bound to 127.0.0.1:0. Prints
// "PORT <n>" once listening. Each accepted mail is written as <n>.eml and <n>.json (envelope
// and parsed content) before the 250 reply.
constexpr const char* kScript = R"PY(
import asyncio, email, email.policy, json, os, signal, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

out_dir, mode, user, password = sys.argv[1:5]
reject_code = int(sys.argv[5])
listen_port = int(sys.argv[6]) if len(sys.argv) > 6 else 0
count = 0

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith('reject'):
            return '%d 5.1.1 <%s>: Recipient address rejected' % (reject_code, address)
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        def part(kind):
            p = msg.get_body(preferencelist=(kind,))
            # Lines as a reader sees them: the CRLF of the wire format becomes \n.
            return p.get_content().replace('\r\n', '\n') if p is not None else ''
        info = {
            'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
            'subject': str(msg.get('Subject', '')), 'from': str(msg.get('From', '')),
            'to': str(msg.get('To', '')), 'content_type': msg.get_content_type(),
            'text': part('plain'), 'html': part('html'),
            'tls': (session.ssl is not None or getattr(server, '_tls_protocol', None) is not None
                    or server.transport.get_extra_info('ssl_object') is not None),
            'auth_login': (getattr(session, 'auth_data', None).login.decode()
                           if isinstance(getattr(session, 'auth_data', None), LoginPassword)
                           else ''),
        }
        base = os.path.join(out_dir, '%06d' % count)
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(raw)
        with open(base + '.json.tmp', 'w') as f:
            json.dump(info, f)
        os.rename(base + '.eml.tmp', base + '.eml')
        os.rename(base + '.json.tmp', base + '.json')
        return '250 Message accepted for delivery'

def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password:
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)

async def main():
    ctx = None
    if mode != 'plain':
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        top = os.path.dirname(out_dir)
        ctx.load_cert_chain(os.path.join(top, 'cert.pem'), os.path.join(top, 'key.pem'))
    kwargs = dict(hostname='smtp-test.localhost')
    if user:
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=(mode in ('starttls', 'starttls-required')))
    if mode in ('starttls', 'starttls-required'):
        kwargs.update(tls_context=ctx, require_starttls=(mode == 'starttls-required'))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler(), **kwargs), host='127.0.0.1', port=listen_port,
                                      ssl=ctx if mode == 'smtps' else None)
    print('PORT %d' % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()

asyncio.run(main())
)PY";

std::string ModeName(SmtpTestServer::Mode m) {
  switch (m) {
    case SmtpTestServer::Mode::kPlain:
      return "plain";
    case SmtpTestServer::Mode::kStartTls:
      return "starttls";
    case SmtpTestServer::Mode::kStartTlsRequired:
      return "starttls-required";
    case SmtpTestServer::Mode::kImplicitTls:
      return "smtps";
  }
  return "plain";
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

bool SmtpTestServer::Available() {
  const std::string cmd = std::string(kPython) +
                          " -c 'import aiosmtpd' > /dev/null 2>&1 && command -v openssl > "
                          "/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

SmtpTestServer::SmtpTestServer(Options options) : options_(std::move(options)) {
  std::filesystem::create_directories(dir_.path() / "mail");
  std::ofstream(dir_.path() / "server.py") << kScript;
  if (options_.mode != Mode::kPlain) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
        (dir_.path() / "key.pem").string() + "' -out '" + (dir_.path() / "cert.pem").string() +
        "' > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("openssl could not create the SMTP test certificate");
    }
  }
  int fds[2];
  if (pipe(fds) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const std::string script = (dir_.path() / "server.py").string();
  const std::string mail_dir = (dir_.path() / "mail").string();
  const std::string mode = ModeName(options_.mode);
  const std::string reject = std::to_string(options_.reject_code);
  const std::string listen_port = std::to_string(options_.port);
  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(kPython, kPython, script.c_str(), mail_dir.c_str(), mode.c_str(), options_.user.c_str(),
          options_.password.c_str(), reject.c_str(), listen_port.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // Read "PORT <n>\n", at most 20 s (a cold python start on a busy 2-core box).
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fds[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char buf[128];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (line.rfind("PORT ", 0) != 0) {
    Stop();
    throw std::runtime_error("the SMTP test server did not start (is python3-aiosmtpd installed?)");
  }
  port_ = std::stoi(line.substr(5));
}

SmtpTestServer::~SmtpTestServer() { Stop(); }

void SmtpTestServer::Stop() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    usleep(50 * 1000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string SmtpTestServer::Url() const {
  std::string url = options_.mode == Mode::kImplicitTls ? "smtps://" : "smtp://";
  if (!options_.user.empty()) {
    url += options_.user + ":" + options_.password + "@";
  }
  return url + "127.0.0.1:" + std::to_string(port_);
}

std::vector<SmtpTestServer::Mail> SmtpTestServer::Mails() const {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "mail")) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Mail> mails;
  for (const auto& f : files) {
    const boost::json::object o = boost::json::parse(ReadFile(f)).as_object();
    Mail m;
    m.mail_from = Str(o, "mail_from");
    for (const auto& r : o.at("rcpt_tos").as_array()) {
      m.rcpt_tos.emplace_back(r.as_string());
    }
    m.subject = Str(o, "subject");
    m.from = Str(o, "from");
    m.to = Str(o, "to");
    m.content_type = Str(o, "content_type");
    m.text = Str(o, "text");
    m.html = Str(o, "html");
    m.tls = o.at("tls").as_bool();
    m.auth_login = Str(o, "auth_login");
    auto raw = f;
    m.raw = ReadFile(raw.replace_extension(".eml"));
    mails.push_back(std::move(m));
  }
  return mails;
}

}  // namespace bw::testing
