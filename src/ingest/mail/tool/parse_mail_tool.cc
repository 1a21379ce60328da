// SPDX-License-Identifier: Apache-2.0
// bw_parse_mail_tool FILE|DIR... : prints parse-mail --format jsonl for every file (directories
// are walked recursively, in sorted order). Exit 0, or 1 when a file could not be read.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "ingest/mail/mail.h"
#include "ingest/mail/mail_parser.h"

namespace {

bool ReadFile(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bw_parse_mail_tool FILE|DIR...\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  if (std::string_view(argv[1]) == "--dump" && argc == 3) {
    // Debugging aid: what the detectors see of one mail.
    std::string raw;
    if (!ReadFile(argv[2], raw)) {
      return 1;
    }
    auto mail = bw::mail::LoadMail(raw, bw::mail::MimeLimits{});
    if (!mail) {
      std::cout << "error: " << mail.error().message() << "\n";
      return 1;
    }
    std::cout << "mime_type: " << mail->mime_type << "\nreport_type: " << mail->report_type
              << "\nheaders: " << mail->headers.size()
              << "\ndelivery_status parts: " << mail->delivery_status.size()
              << "\nhas_original: " << mail->has_original << " (" << mail->original_headers.size()
              << " fields)\n--- readable text ---\n"
              << mail->Readable() << "\n";
    for (const auto& d : mail->delivery_status) {
      std::cout << "--- delivery-status ---\n" << d << "\n";
    }
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
          files.push_back(it->path());
        }
      }
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  int rc = 0;
  std::string raw;
  std::string out;
  bw::mail::ParseOptions options;
  for (const auto& f : files) {
    if (!ReadFile(f, raw)) {
      std::cerr << "bw_parse_mail_tool: cannot read " << f.string() << "\n";
      rc = 1;
      continue;
    }
    auto results = bw::mail::ParseMail(raw, options);
    if (!results) {
      std::cerr << "bw_parse_mail_tool: " << f.string() << ": " << results.error().message()
                << "\n";
      continue;
    }
    out += bw::mail::FormatJsonl(f.string(), *results);
    if (out.size() > (1u << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}
