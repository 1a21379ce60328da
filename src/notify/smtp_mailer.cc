// SPDX-License-Identifier: Apache-2.0
#include "notify/smtp_mailer.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <random>
#include <string_view>

#include <curl/curl.h>

#include "net/curl_handles.h"

namespace bw::notify {

namespace {

using net::CurlGlobalInit;
using EasyHandle = net::CurlEasyHandle;
using Slist = net::CurlSlist;
using UrlHandle = net::CurlUrlHandle;
bool GlobalInit() { return CurlGlobalInit(); }
std::string GetPart(CURLU* url, CURLUPart what) {
  return net::CurlUrlPart(url, what).value_or("");
}

// The URL without user information, for error messages.
std::string Redacted(const std::string& url) {
  UrlHandle h(curl_url());
  if (!h || curl_url_set(h.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return "(unparsable URL)";
  }
  std::string out = GetPart(h.get(), CURLUPART_SCHEME) + "://" + GetPart(h.get(), CURLUPART_HOST);
  const std::string port = GetPart(h.get(), CURLUPART_PORT);
  if (!port.empty()) {
    out += ":" + port;
  }
  return out;
}

bool SafeAddress(std::string_view a) {
  return !a.empty() && a.find_first_of("\r\n<>") == std::string_view::npos;
}

std::string RandomToken() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%016llx.%llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(++counter));
  return buf;
}

std::string Rfc5322Date(TimePoint now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string DomainOf(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? "bouncewatch.invalid" : std::string(address.substr(at + 1));
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, u->data.size() - u->offset);
  std::copy_n(u->data.data() + u->offset, n, buffer);
  u->offset += n;
  return n;
}

}  // namespace

std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t column = 0;
  const auto emit = [&](std::string_view piece) {
    if (column + piece.size() > 75) {
      out += "=\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // the \n ends the line
    }
    if (c == '\n') {
      out += "\r\n";
      column = 0;
      continue;
    }
    const bool line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
    // A leading '.' is encoded too, so no line can be mistaken for the SMTP end of data.
    if (literal && !(c == '.' && column == 0)) {
      emit(std::string_view(&text[i], 1));
    } else {
      const char enc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      emit(std::string_view(enc, 3));
    }
  }
  return out;
}

std::string EncodeHeaderWords(std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 32 && static_cast<unsigned char>(c) < 127;
  });
  if (ascii) {
    return std::string(text);
  }
  // RFC 2047 §2: encoded words of at most 75 characters, never splitting a UTF-8 sequence;
  // 45 input bytes make 60 base64 characters plus the 12 of "=?UTF-8?B?" and "?=".
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + 45);
    while (end < text.size() && end > i && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    std::string chunk(text.substr(i, end - i));
    for (char& c : chunk) {
      if (c == '\r' || c == '\n') {
        c = ' ';
      }
    }
    if (!out.empty()) {
      out += "\r\n ";
    }
    out += "=?UTF-8?B?" + Base64(chunk) + "?=";
    i = end;
  }
  return out;
}

Result<std::string> BuildMime(const MailMessage& message, TimePoint now,
                              const std::string& message_id_domain) {
  if (!SafeAddress(message.from)) {
    return InvalidInput("the alert mail needs a plain From address");
  }
  if (message.to.empty()) {
    return InvalidInput("the alert mail has no recipient");
  }
  std::string to;
  for (const std::string& a : message.to) {
    if (!SafeAddress(a)) {
      return InvalidInput("an alert recipient is not a plain address");
    }
    to += (to.empty() ? "" : ", ") + a;
  }
  const std::string boundary = "=_bw_" + RandomToken();
  std::string out;
  out += "Date: " + Rfc5322Date(now) + "\r\n";
  out += "From: " + message.from + "\r\n";
  out += "To: " + to + "\r\n";
  out += "Subject: " + EncodeHeaderWords(message.subject) + "\r\n";
  out += "Message-ID: <" + RandomToken() + "@" + message_id_domain + ">\r\n";
  // RFC 3834: machine-generated; auto-responders must not answer it.
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  const std::string text_part =
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
      QuotedPrintable(message.text) + "\r\n";
  if (message.html.empty()) {
    out += text_part;
    return out;
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a MIME message with a plain-text and an HTML version.\r\n";
  out += "--" + boundary + "\r\n" + text_part;
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += QuotedPrintable(message.html) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

CurlSmtpMailer::CurlSmtpMailer(SmtpOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Result<std::unique_ptr<CurlSmtpMailer>> CurlSmtpMailer::Create(SmtpOptions options,
                                                               const Clock& clock) {
  UrlHandle h(curl_url());
  if (!h) {
    return Internal("out of memory parsing the SMTP URL");
  }
  if (curl_url_set(h.get(), CURLUPART_URL, options.url.c_str(), 0) != CURLUE_OK) {
    return InvalidInput("[alerts.email] smtp_url is not a valid URL");
  }
  const std::string scheme = GetPart(h.get(), CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") {
    return InvalidInput("[alerts.email] smtp_url must start with smtp:// or smtps://");
  }
  if (GetPart(h.get(), CURLUPART_HOST).empty()) {
    return InvalidInput("[alerts.email] smtp_url has no host");
  }
  if (!options.helo_name.empty() && GetPart(h.get(), CURLUPART_PATH).size() <= 1) {
    // libcurl takes the EHLO name from the URL path.
    curl_url_set(h.get(), CURLUPART_PATH, ("/" + options.helo_name).c_str(), 0);
    char* full = nullptr;
    if (curl_url_get(h.get(), CURLUPART_URL, &full, 0) == CURLUE_OK && full != nullptr) {
      options.url = full;
      curl_free(full);
    }
  }
  return std::unique_ptr<CurlSmtpMailer>(new CurlSmtpMailer(std::move(options), clock));
}

Status CurlSmtpMailer::Send(const MailMessage& message) {
  auto mime = BuildMime(message, clock_.Now(), DomainOf(message.from));
  if (!mime) {
    return mime.error();
  }
  if (!GlobalInit()) {
    return Internal("libcurl could not be initialised");
  }
  EasyHandle curl(curl_easy_init());
  if (!curl) {
    return Internal("out of memory creating a curl handle");
  }
  Slist rcpt;
  for (const std::string& a : message.to) {
    curl_slist* head = curl_slist_append(rcpt.get(), ("<" + a + ">").c_str());
    if (head == nullptr) {
      return Internal("out of memory building the recipient list");
    }
    if (!rcpt) {
      rcpt.reset(head);
    }
  }
  Upload upload{*mime, 0};
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  const std::string from = "<" + message.from + ">";
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &OnRead);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime->size()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  long use_ssl = CURLUSESSL_TRY;
  if (options_.starttls == SmtpOptions::StartTls::kRequired) {
    use_ssl = CURLUSESSL_ALL;
  } else if (options_.starttls == SmtpOptions::StartTls::kNever) {
    use_ssl = CURLUSESSL_NONE;
  }
  curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_peer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_peer ? 2L : 0L);

  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    return {};
  }
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  const std::string what = "sending the alert mail through " + Redacted(options_.url) +
                           " failed: " + (errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc)) +
                           (reply != 0 ? " (SMTP " + std::to_string(reply) + ")" : "");
  switch (rc) {
    case CURLE_LOGIN_DENIED:
      return Unauthenticated(what + "; check the user and password in smtp_url");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidInput(what);
    default:
      break;
  }
  if (reply >= 500 && reply < 600 && reply != 535) {
    return InvalidInput(what);
  }
  if (reply == 535) {
    return Unauthenticated(what + "; check the user and password in smtp_url");
  }
  return Unavailable(what);
}

}  // namespace bw::notify
