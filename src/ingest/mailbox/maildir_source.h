// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ingest/mailbox/mail_source.h"

namespace bw::mailbox {

// A maildir (new/, cur/, tmp/). Lists new/; settling moves a mail to cur/ (flag S for a stored
// one; no flag for one that is not a bounce, so that a human still sees it unread). A mail that
// is never settled stays in new/ and is read again next time.
class MaildirSource final : public MailSource {
 public:
  explicit MaildirSource(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // kNotFound when dir has no new/ and cur/ subdirectory.
  Result<std::vector<MailRef>> List() override;
  Result<std::string> Fetch(const MailRef& mail) override;
  // Renames new/NAME to cur/NAME:2,S (kStored) or cur/NAME:2, (kNotBounce) and syncs cur/.
  Status Settle(const MailRef& mail, Disposition d) override;
  Status Close() override { return {}; }

 private:
  std::filesystem::path dir_;
};

// Files named on the command line (directories expanded recursively, sorted). Settling does
// nothing: files are inputs, not a queue.
class FileListSource final : public MailSource {
 public:
  explicit FileListSource(std::vector<std::string> files) : files_(std::move(files)) {}

  Result<std::vector<MailRef>> List() override;
  Result<std::string> Fetch(const MailRef& mail) override;
  Status Settle(const MailRef& mail, Disposition d) override { return {}; }
  Status Close() override { return {}; }

 private:
  std::vector<std::string> files_;
};

// Files named directly, then every regular file below each directory, sorted. Names that are
// neither are appended to `missing`.
std::vector<std::string> ExpandInputs(const std::vector<std::string>& inputs,
                                      std::vector<std::string>* missing);

// The whole file. kNotFound when it does not exist; kUnavailable when it cannot be read.
Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace bw::mailbox
