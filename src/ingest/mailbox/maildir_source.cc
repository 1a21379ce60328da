// SPDX-License-Identifier: Apache-2.0
#include "ingest/mailbox/maildir_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

namespace bw::mailbox {
namespace fs = std::filesystem;

namespace {

// Makes a rename in `dir` durable (the maildir spec relies on rename; fsync makes it survive a
// power loss).
Status SyncDir(const fs::path& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Unavailable("cannot open " + dir.string() + ": " + std::strerror(errno));
  }
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) {
    return Unavailable("cannot sync " + dir.string() + ": " + std::strerror(err));
  }
  return {};
}

}  // namespace

Result<std::string> ReadFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return NotFound(path.string() + " is not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Unavailable("cannot read " + path.string());
  }
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return Unavailable("cannot read " + path.string());
  }
  return raw;
}

Result<std::vector<MailRef>> MaildirSource::List() {
  std::error_code ec;
  if (!fs::is_directory(dir_ / "new", ec) || !fs::is_directory(dir_ / "cur", ec)) {
    return NotFound(dir_.string() + " is not a maildir (it needs new/ and cur/)");
  }
  std::vector<MailRef> out;
  for (auto it = fs::directory_iterator(dir_ / "new", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || !it->is_regular_file(ec)) {
      continue;
    }
    out.push_back(MailRef{name, (dir_ / "new" / name).string()});
  }
  if (ec) {
    return Unavailable("cannot list " + (dir_ / "new").string() + ": " + ec.message());
  }
  // Maildir names start with the delivery time, so this is roughly oldest first.
  std::sort(out.begin(), out.end(), [](const MailRef& a, const MailRef& b) { return a.id < b.id; });
  return out;
}

Result<std::string> MaildirSource::Fetch(const MailRef& mail) {
  return ReadFile(dir_ / "new" / mail.id);
}

Status MaildirSource::Settle(const MailRef& mail, Disposition d) {
  std::string target = mail.id;
  if (target.find(":2,") == std::string::npos) {
    target += d == Disposition::kStored ? ":2,S" : ":2,";
  }
  std::error_code ec;
  fs::rename(dir_ / "new" / mail.id, dir_ / "cur" / target, ec);
  if (ec) {
    return Unavailable("cannot move " + mail.origin + " to cur/: " + ec.message());
  }
  return SyncDir(dir_ / "cur");
}

Result<std::vector<MailRef>> FileListSource::List() {
  std::vector<MailRef> out;
  out.reserve(files_.size());
  for (const auto& f : files_) {
    out.push_back(MailRef{f, f});
  }
  return out;
}

Result<std::string> FileListSource::Fetch(const MailRef& mail) { return ReadFile(mail.id); }

std::vector<std::string> ExpandInputs(const std::vector<std::string>& inputs,
                                      std::vector<std::string>* missing) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(in, ec)) {
      files.push_back(in);
    } else {
      missing->push_back(in);
    }
  }
  return files;
}

}  // namespace bw::mailbox
