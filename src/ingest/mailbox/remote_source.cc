// SPDX-License-Identifier: Apache-2.0
#include "ingest/mailbox/remote_source.h"

#include <cctype>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include <curl/curl.h>

#include "net/curl_handles.h"

namespace bw::mailbox {
namespace {

// A mail larger than this is not read (the parser refuses more than 25 MiB anyway).
constexpr size_t kMaxResponseBytes = 32u << 20;

bool GlobalInit() { return net::CurlGlobalInit(); }
using EasyHandle = net::CurlEasyHandle;
using UrlHandle = net::CurlUrlHandle;
std::optional<std::string> GetPart(CURLU* url, CURLUPart what) {
  return net::CurlUrlPart(url, what);
}

size_t Collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxResponseBytes) {
    return 0;  // CURLE_WRITE_ERROR
  }
  out->append(data, size * n);
  return size * n;
}

// The URL split into what the sources need: `base` is scheme://[userinfo@]host[:port] and
// `shown` the same without credentials, for messages.
struct ParsedUrl {
  std::string scheme;
  std::string base;
  std::string shown;
  std::string path;  // decoded-as-given path, "/" when empty
};

Result<ParsedUrl> Parse(const std::string& url) {
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidInput("\"" + url + "\" is not a URL (imap://user@host/INBOX)");
  }
  ParsedUrl p;
  p.scheme = GetPart(u.get(), CURLUPART_SCHEME).value_or("");
  p.path = GetPart(u.get(), CURLUPART_PATH).value_or("/");
  if (p.path.empty()) {
    p.path = "/";
  }
  curl_url_set(u.get(), CURLUPART_PATH, "/", 0);
  curl_url_set(u.get(), CURLUPART_QUERY, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  p.base = GetPart(u.get(), CURLUPART_URL).value_or("");
  while (!p.base.empty() && p.base.back() == '/') {
    p.base.pop_back();
  }
  curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_OPTIONS, nullptr, 0);
  p.shown = GetPart(u.get(), CURLUPART_URL).value_or(p.scheme + "://?");
  while (!p.shown.empty() && p.shown.back() == '/') {
    p.shown.pop_back();
  }
  return p;
}

// One libcurl easy handle whose connection (and login, and IMAP SELECT) is kept between
// requests. Not thread-safe.
class CurlSession {
 public:
  CurlSession(const RemoteOptions& options, std::string shown)
      : options_(options), shown_(std::move(shown)) {}

  // Performs one request. `custom` replaces the protocol's default command; `nobody` for
  // commands without a multi-line answer (POP3 DELE).
  Result<std::string> Perform(const std::string& url, const std::string& custom, bool nobody,
                              std::string_view what) {
    if (!GlobalInit()) {
      return Internal("libcurl could not be initialised");
    }
    if (!easy_) {
      easy_.reset(curl_easy_init());
      if (!easy_) {
        return Internal("libcurl could not create a handle");
      }
      CURL* h = easy_.get();
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Collect);
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(options_.timeout.count()));
      // A server that sends nothing for `timeout` is gone.
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                       std::max(1L, static_cast<long>(options_.timeout.count() / 1000)));
      curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps,pop3,pop3s");
      if (!options_.user.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, options_.user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
      }
      if (!options_.ca_file.empty()) {
        curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
      }
    }
    CURL* h = easy_.get();
    std::string body;
    error_[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, custom.empty() ? nullptr : custom.c_str());
    curl_easy_setopt(h, CURLOPT_NOBODY, nobody ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      return body;
    }
    std::string detail = error_[0] != '\0' ? error_ : curl_easy_strerror(rc);
    std::string message = shown_ + ": " + std::string(what) + " failed: " + detail;
    switch (rc) {
      case CURLE_LOGIN_DENIED:
        return PermissionDenied(shown_ + ": the server refused the login (" + detail + ")");
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return InvalidInput(message);
      case CURLE_WRITE_ERROR:
        return TooLarge(shown_ + ": " + std::string(what) + " is larger than " +
                        std::to_string(kMaxResponseBytes >> 20) + " MiB");
      default:
        return Unavailable(message);
    }
  }

  // Closes the connection (POP3: QUIT, which commits DELE). Idempotent.
  void Close() { easy_.reset(); }

 private:
  RemoteOptions options_;
  std::string shown_;
  EasyHandle easy_;
  char error_[CURL_ERROR_SIZE] = {};
};

class ImapSource final : public MailSource {
 public:
  ImapSource(ParsedUrl url, const RemoteOptions& options)
      : url_(std::move(url)), options_(options), session_(options, url_.shown) {
    std::string path = url_.path == "/" ? "/INBOX" : url_.path;
    mailbox_url_ = url_.base + path;
    shown_mailbox_ = url_.shown + path;
  }

  Result<std::vector<MailRef>> List() override {
    auto out = session_.Perform(mailbox_url_,
                                std::string("UID SEARCH UNDELETED UNKEYWORD ") + kDoneKeyword,
                                false, "UID SEARCH");
    if (out.has_error()) {
      return out.error();
    }
    std::vector<MailRef> mails;
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("* SEARCH", 0) != 0) {
        continue;
      }
      std::istringstream words(line.substr(8));
      std::string uid;
      while (words >> uid) {
        if (!uid.empty() && std::isdigit(static_cast<unsigned char>(uid[0]))) {
          mails.push_back(MailRef{uid, shown_mailbox_ + "/;UID=" + uid});
        }
      }
    }
    return mails;
  }

  Result<std::string> Fetch(const MailRef& mail) override {
    return session_.Perform(mailbox_url_ + "/;UID=" + mail.id, "", false, "UID FETCH " + mail.id);
  }

  Status Settle(const MailRef& mail, Disposition d) override {
    std::string flags = std::string(kDoneKeyword);
    if (d == Disposition::kStored) {
      flags = options_.keep ? "\\Seen " + flags : "\\Seen \\Deleted " + flags;
    }
    auto out = session_.Perform(mailbox_url_, "UID STORE " + mail.id + " +FLAGS (" + flags + ")",
                                false, "UID STORE " + mail.id);
    if (out.has_error()) {
      return out.error();
    }
    if (d == Disposition::kStored && !options_.keep) {
      deleted_.push_back(mail.id);
    }
    return {};
  }

  Status Close() override {
    Status result;
    if (!deleted_.empty()) {
      std::string set;
      for (const auto& uid : deleted_) {
        set += (set.empty() ? "" : ",") + uid;
      }
      auto out = session_.Perform(mailbox_url_, "UID EXPUNGE " + set, false, "UID EXPUNGE");
      if (out.has_error()) {
        // Without UIDPLUS: the mails stay flagged \Deleted, which the next run skips.
        result = out.error();
      }
      deleted_.clear();
    }
    session_.Close();
    return result;
  }

 private:
  ParsedUrl url_;
  RemoteOptions options_;
  CurlSession session_;
  std::string mailbox_url_;
  std::string shown_mailbox_;
  std::vector<std::string> deleted_;  // UIDs flagged \Deleted in this session
};

class Pop3Source final : public MailSource {
 public:
  Pop3Source(ParsedUrl url, const RemoteOptions& options)
      : url_(std::move(url)), session_(options, url_.shown) {}

  Result<std::vector<MailRef>> List() override {
    auto out = session_.Perform(url_.base + "/", "", false, "LIST");
    if (out.has_error()) {
      return out.error();
    }
    std::vector<MailRef> mails;
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::string number;
      if (words >> number && !number.empty() &&
          number.find_first_not_of("0123456789") == std::string::npos) {
        mails.push_back(MailRef{number, url_.shown + "/" + number});
      }
    }
    return mails;
  }

  Result<std::string> Fetch(const MailRef& mail) override {
    return session_.Perform(url_.base + "/" + mail.id, "", false, "RETR " + mail.id);
  }

  Status Settle(const MailRef& mail, Disposition d) override {
    if (d != Disposition::kStored) {
      return {};
    }
    auto out = session_.Perform(url_.base + "/" + mail.id, "DELE", true, "DELE " + mail.id);
    if (out.has_error()) {
      return out.error();
    }
    return {};
  }

  Status Close() override {
    session_.Close();
    return {};
  }

 private:
  ParsedUrl url_;
  CurlSession session_;
};

}  // namespace

Result<std::unique_ptr<MailSource>> OpenRemoteSource(const std::string& url,
                                                     const RemoteOptions& options) {
  auto parsed = Parse(url);
  if (parsed.has_error()) {
    return parsed.error();
  }
  const std::string& scheme = parsed->scheme;
  if (scheme == "imap" || scheme == "imaps") {
    return std::unique_ptr<MailSource>(std::make_unique<ImapSource>(*parsed, options));
  }
  if (scheme == "pop3" || scheme == "pop3s") {
    return std::unique_ptr<MailSource>(std::make_unique<Pop3Source>(*parsed, options));
  }
  return InvalidInput("\"" + parsed->shown + "\" is not an imap://, imaps://, pop3:// or "
                      "pop3s:// URL");
}

}  // namespace bw::mailbox
