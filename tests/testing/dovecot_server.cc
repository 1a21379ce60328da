// SPDX-License-Identifier: Apache-2.0
#include "testing/dovecot_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bw::testing {
namespace fs = std::filesystem;

namespace {

constexpr const char* kDovecot = "/usr/sbin/dovecot";

// A port that was free a moment ago on 127.0.0.1.
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket() failed");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

void Chown(const fs::path& path, uid_t uid, gid_t gid) {
  if (chown(path.c_str(), uid, gid) != 0) {
    throw std::runtime_error("cannot chown " + path.string());
  }
}

}  // namespace

bool DovecotServer::Available(std::string* why) {
  if (access(kDovecot, X_OK) != 0) {
    *why = std::string(kDovecot) + " is not installed (Debian packages dovecot-imapd, "
           "dovecot-pop3d; scripts/install-deps installs them)";
    return false;
  }
  if (geteuid() != 0) {
    *why = "Dovecot's master process must start as root, and this test runs as uid " +
           std::to_string(geteuid());
    return false;
  }
  if (getpwnam("dovenull") == nullptr || getpwnam("dovecot") == nullptr) {
    *why = "the dovecot and dovenull users are missing (reinstall dovecot-core)";
    return false;
  }
  return true;
}

DovecotServer::DovecotServer() {
  std::string why;
  if (!Available(&why)) {
    throw std::runtime_error(why);
  }
  std::string tmpl = (fs::temp_directory_path() / "bwdovecot-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = tmpl;
  // Login processes (dovenull) and mail processes (nobody) must reach their parts of it.
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  const passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr) {
    throw std::runtime_error("there is no user nobody to serve the mail as");
  }
  mail_uid_ = nobody->pw_uid;
  mail_gid_ = nobody->pw_gid;

  maildir_ = dir_ / "mail" / kUser;
  for (const char* sub : {"new", "cur", "tmp"}) {
    fs::create_directories(maildir_ / sub);
  }
  fs::create_directories(dir_ / "home" / kUser);
  for (const fs::path& p : {dir_ / "mail", maildir_, maildir_ / "new", maildir_ / "cur",
                            maildir_ / "tmp", dir_ / "home", dir_ / "home" / kUser}) {
    Chown(p, mail_uid_, mail_gid_);
  }
  WriteFile(dir_ / "passwd", std::string(kUser) + ":{PLAIN}" + kPassword + "\n");

  imap_port_ = FreePort();
  pop3_port_ = FreePort();
  while (pop3_port_ == imap_port_) {
    pop3_port_ = FreePort();
  }
  const std::string d = dir_.string();
  std::ostringstream conf;
  conf << "base_dir = " << d << "/run\n"
       << "state_dir = " << d << "/state\n"
       << "log_path = " << d << "/dovecot.log\n"
       << "instance_name = bwtest-" << getpid() << "-" << imap_port_ << "\n"
       << "protocols = imap pop3\n"
       << "listen = 127.0.0.1\n"
       << "ssl = no\n"
       << "disable_plaintext_auth = no\n"
       << "auth_mechanisms = plain login\n"
       << "default_login_user = dovenull\n"
       << "default_internal_user = dovecot\n"
       << "mail_location = maildir:" << d << "/mail/%u\n"
       << "first_valid_uid = " << mail_uid_ << "\n"
       << "pop3_uidl_format = %08Xu%08Xv\n"
       << "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " << d
       << "/passwd\n}\n"
       << "userdb {\n  driver = static\n  args = uid=" << mail_uid_ << " gid=" << mail_gid_
       << " home=" << d << "/home/%u\n}\n"
       << "service imap-login {\n  inet_listener imap {\n    port = " << imap_port_
       << "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
       << "service pop3-login {\n  inet_listener pop3 {\n    port = " << pop3_port_
       << "\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}\n";
  WriteFile(dir_ / "dovecot.conf", conf.str());

  const std::string conf_path = (dir_ / "dovecot.conf").string();
  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    execl(kDovecot, kDovecot, "-F", "-c", conf_path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(Accepts(imap_port_) && Accepts(pop3_port_))) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("dovecot exited at start: " + Log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("dovecot did not listen within 20 s: " + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

DovecotServer::~DovecotServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string DovecotServer::ImapUrl() const {
  return std::string("imap://") + kUser + ":" + kPassword + "@127.0.0.1:" +
         std::to_string(imap_port_) + "/INBOX";
}

std::string DovecotServer::Pop3Url() const {
  return std::string("pop3://") + kUser + ":" + kPassword + "@127.0.0.1:" +
         std::to_string(pop3_port_) + "/";
}

std::string DovecotServer::Deliver(const std::string& raw) {
  const int n = delivered_++;
  std::string name = std::to_string(1700000000 + n) + ".M" + std::to_string(n + 1) + "P" +
                     std::to_string(getpid()) + ".bwtest";
  fs::path tmp = maildir_ / "tmp" / name;
  WriteFile(tmp, raw);
  Chown(tmp, mail_uid_, mail_gid_);
  fs::rename(tmp, maildir_ / "new" / name);
  return name;
}

std::vector<DovecotServer::StoredMail> DovecotServer::Mails() const {
  std::vector<StoredMail> out;
  for (const char* sub : {"new", "cur"}) {
    for (const auto& e : fs::directory_iterator(maildir_ / sub)) {
      std::string name = e.path().filename().string();
      if (name.empty() || name[0] == '.') {
        continue;
      }
      StoredMail m;
      m.in_new = std::string(sub) == "new";
      size_t info = name.find(":2,");
      m.name = name.substr(0, info);
      if (info != std::string::npos) {
        m.flags = name.substr(info + 3);
      }
      out.push_back(m);
    }
  }
  return out;
}

std::string DovecotServer::Log() const {
  std::ifstream in(dir_ / "dovecot.log");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace bw::testing
