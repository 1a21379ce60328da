// SPDX-License-Identifier: Apache-2.0
#include "app/tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <openssl/rand.h>

#include "app/config.h"
#include "core/ids.h"
#include "http/api_auth.h"

namespace bw::app {
namespace {

// Writes `content` to `path` with mode 0600 (also when the file existed with another mode).
Status WritePrivateFile(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable("cannot write " + path + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t written = 0;
  while (ok && written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ok = false;
      break;
    }
    written += static_cast<size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    return Unavailable("cannot write " + path);
  }
  return {};
}

}  // namespace

std::string AdminTokenPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "admin-token").string();
}

Result<std::string> CreateApiToken(store::Store& store, const std::string& name,
                                   const std::string& scope, const Clock& clock) {
  if (name.empty() || name.size() > 100) {
    return InvalidInput("a token name must have 1 to 100 characters");
  }
  if (!http::ParseScope(scope)) {
    return InvalidInput("scope must be read, write or admin, not \"" + scope + "\"");
  }
  auto secret = http::NewTokenSecret();
  if (!secret) {
    return secret.error();
  }
  store::ApiToken t;
  t.created_at_ms = ToUnixMs(clock.Now());
  t.id = NewId(t.created_at_ms);
  t.name = name;
  t.scope = scope;
  t.hash = http::TokenHash(*secret);
  if (auto s = store.CreateToken(t); !s) {
    return s.error();
  }
  return std::move(*secret);
}

Result<std::optional<std::string>> EnsureAdminToken(store::Store& store,
                                                    const std::string& data_dir,
                                                    const Clock& clock) {
  auto tokens = store.ListTokens();
  if (!tokens) {
    return tokens.error();
  }
  for (const auto& t : *tokens) {
    if (t.revoked_at_ms == 0) {
      return std::optional<std::string>();
    }
  }
  auto token = CreateApiToken(store, "admin", "admin", clock);
  if (!token) {
    return token.error();
  }
  if (auto s = WritePrivateFile(AdminTokenPath(data_dir), *token + "\n"); !s) {
    (void)store.RevokeToken("admin", ToUnixMs(clock.Now()));
    return s.error();
  }
  return std::optional<std::string>(std::move(*token));
}

std::string LoadOrCreateCursorKey(const std::string& data_dir) {
  std::string path = (std::filesystem::path(data_dir) / "cursor-key").string();
  {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      std::string key = ss.str();
      while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) {
        key.pop_back();
      }
      if (key.size() >= 32) {
        return key;
      }
    }
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    throw ConfigError("cannot create the API cursor key: the random generator failed");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string key;
  for (unsigned char b : bytes) {
    key += kDigits[b >> 4];
    key += kDigits[b & 15];
  }
  if (auto s = WritePrivateFile(path, key + "\n"); !s) {
    throw ConfigError(s.error().message());
  }
  return key;
}

}  // namespace bw::app
