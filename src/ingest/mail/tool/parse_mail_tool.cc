// SPDX-License-Identifier: Apache-2.0
// bw_parse_mail_tool [--jobs N] [--detector] FILE|DIR... : prints parse-mail --format jsonl for
// every file (directories are walked recursively, in sorted order); --jobs N parses with N threads
// (0: one per core), same output; --detector prints "FILE DETECTOR RECIPIENT" lines instead.
// --dump FILE shows what the detectors see of one mail. Exit 0, or 1 when a file could not be
// read.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
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
  // Plain POSIX reads: iostreams cost more than parsing a small mail.
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n <= 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bw_parse_mail_tool [--jobs N] [--detector] FILE|DIR...\n"
                 "       bw_parse_mail_tool --dump FILE\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  if (std::string_view(argv[1]) == "--dump" && argc == 3) {
    // Debugging aid: what the detectors see of one mail.
    std::string raw;
    if (!ReadFile(argv[2], raw)) {
      return 1;
    }
    if (raw.compare(0, 5, "From ") == 0) {
      raw.erase(0, raw.find('\n') == std::string::npos ? raw.size() : raw.find('\n') + 1);
    }
    auto mail = bw::mail::LoadMail(raw, bw::mail::MimeLimits{});
    if (!mail) {
      std::cout << "error: " << mail.error().message() << "\n";
      return 1;
    }
    std::cout << "reader: " << (mail->fast_path ? "fast path" : "gmime")
              << "\nmime_type: " << mail->mime_type << "\nreport_type: " << mail->report_type
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
  bool show_detector = false;
  int jobs = 1;
  int first = 1;
  while (first < argc) {
    std::string_view a = argv[first];
    if (a == "--detector") {
      // Debugging aid: "FILE DETECTOR RECIPIENT" per result instead of JSONL.
      show_detector = true;
      ++first;
    } else if (a == "--jobs" && first + 1 < argc) {
      jobs = std::atoi(argv[first + 1]);
      if (jobs <= 0) {
        jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      }
      first += 2;
    } else {
      break;
    }
  }
  for (int i = first; i < argc; ++i) {
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
  {
    // Sorted as std::filesystem::path orders them (component by component), but on plain
    // strings with '/' as the smallest byte: path::compare costs more than parsing a mail.
    std::vector<std::pair<std::string, size_t>> keys;
    keys.reserve(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      std::string k = files[i].native();
      std::replace(k.begin(), k.end(), '/', '\0');
      keys.emplace_back(std::move(k), i);
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::filesystem::path> sorted;
    sorted.reserve(files.size());
    for (const auto& k : keys) {
      sorted.push_back(std::move(files[k.second]));
    }
    files = std::move(sorted);
  }
  bw::mail::ParseOptions options;
  // One file: its output, or why it failed.
  auto parse_one = [&](const std::filesystem::path& f, std::string& raw, std::string& out,
                       std::string& err) {
    if (!ReadFile(f, raw)) {
      err += "bw_parse_mail_tool: cannot read " + f.string() + "\n";
      return false;
    }
    auto results = bw::mail::ParseMail(raw, options);
    if (!results) {
      err += "bw_parse_mail_tool: " + f.string() + ": " + results.error().message() + "\n";
      return true;
    }
    if (show_detector) {
      for (const auto& r : *results) {
        out += f.string() + " " + r.detector + " " + r.recipient + "\n";
      }
    } else {
      out += bw::mail::FormatJsonl(f.string(), *results);
    }
    return true;
  };
  int rc = 0;
  if (jobs <= 1) {
    std::string raw;
    std::string out;
    for (const auto& f : files) {
      std::string err;
      if (!parse_one(f, raw, out, err)) {
        rc = 1;
      }
      std::fputs(err.c_str(), stderr);
      if (out.size() > (1u << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return rc;
  }
  // --jobs N: N threads take files in turn; the output keeps the sorted file order.
  std::vector<std::string> outs(files.size());
  std::vector<std::string> errs(files.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < jobs; ++t) {
    workers.emplace_back([&] {
      std::string raw;
      for (size_t i = next++; i < files.size(); i = next++) {
        if (!parse_one(files[i], raw, outs[i], errs[i])) {
          failed = true;
        }
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::fputs(errs[i].c_str(), stderr);
    std::fwrite(outs[i].data(), 1, outs[i].size(), stdout);
  }
  return failed ? 1 : 0;
}
