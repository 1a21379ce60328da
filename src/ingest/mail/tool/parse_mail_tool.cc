// SPDX-License-Identifier: Apache-2.0
// bw_parse_mail_tool [--jobs N] [--detector] FILE|DIR... : prints parse-mail --format jsonl for
// every file, listed and read as `bouncewatch parse-mail` does (mail_files.h: inputs in the order
// given, each directory walked recursively in sorted order); --jobs N parses with N threads
// (0: one per core), same output; --detector prints "FILE DETECTOR RECIPIENT" lines instead.
// --dump FILE shows what the detectors see of one mail. Exit 0, or 1 when a file could not be
// read.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/mail/mail.h"
#include "ingest/mail/mail_files.h"
#include "ingest/mail/mail_parser.h"

namespace {

bool ReadFile(const std::string& p, std::string& out) {
  bw::mail::MailFileReader reader;
  std::string_view bytes;
  if (!reader.Read(p.c_str(), &bytes)) {
    return false;
  }
  out.assign(bytes);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: bw_parse_mail_tool [--jobs N] [--detector] FILE|DIR...\n"
      "       bw_parse_mail_tool --dump FILE\n"
      "Prints what `bouncewatch parse-mail --format jsonl` prints for the mails (the same "
      "listing,\n"
      "reading and parsing, without the CLI's start-up; the speed bench times it).\n"
      "  --jobs N    parse with N threads (0: one per core); the output keeps the file order\n"
      "  --detector  print \"FILE DETECTOR RECIPIENT\" per result instead of JSONL\n"
      "  --dump      print what the detectors see of one mail\n";
  if (argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
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
  // The same listing and reading as `bouncewatch parse-mail` (mail_files.h).
  std::vector<std::string> missing;
  const bw::mail::MailFileList files =
      bw::mail::ListMailFiles(std::vector<std::string>(argv + first, argv + argc), &missing);
  for (const auto& m : missing) {
    std::cerr << "bw_parse_mail_tool: cannot read " << m << "\n";
  }
  bw::mail::ParseOptions options;
  options.original_fields = false;  // as parse-mail: no output prints them
  // One file: its output, or why it failed.
  // files[i, end): a batch the reader may read ahead in.
  auto parse_one = [&](size_t i, size_t end, bw::mail::MailFileReader& reader, std::string& out,
                       std::string& err) {
    const std::string_view f = files[i];
    std::string_view raw;
    if (!reader.ReadAt(files, i, end, &raw)) {
      err.append("bw_parse_mail_tool: cannot read ").append(f).append("\n");
      return false;
    }
    auto results = bw::mail::ParseMail(raw, options);
    if (!results) {
      err.append("bw_parse_mail_tool: ").append(f).append(": ");
      err += results.error().message() + "\n";
      return true;
    }
    if (show_detector) {
      for (const auto& r : *results) {
        out.append(f).append(" ");
        out += r.detector + " " + r.recipient + "\n";
      }
    } else {
      bw::mail::AppendJsonl(f, *results, out);
    }
    return true;
  };
  int rc = missing.empty() ? 0 : 1;
  if (jobs <= 1) {
    bw::mail::MailFileReader reader;
    bw::mail::BlockWriter out(stdout);
    for (size_t i = 0; i < files.size(); ++i) {
      std::string err;
      if (!parse_one(i, files.size(), reader, out.buffer(), err)) {
        rc = 1;
      }
      std::fputs(err.c_str(), stderr);
      out.MaybeFlush();
    }
    return rc;
  }
  // --jobs N: N threads take batches of files in turn; the output keeps the sorted file order.
  std::vector<std::string> outs(files.size());
  std::vector<std::string> errs(files.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < jobs; ++t) {
    workers.emplace_back([&] {
      bw::mail::MailFileReader reader;
      constexpr size_t kBatch = bw::mail::MailFileReader::kBatch;
      for (size_t b = next.fetch_add(kBatch); b < files.size(); b = next.fetch_add(kBatch)) {
        const size_t end = std::min(b + kBatch, files.size());
        for (size_t i = b; i < end; ++i) {
          if (!parse_one(i, end, reader, outs[i], errs[i])) {
            failed = true;
          }
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
  return failed || rc != 0 ? 1 : 0;
}
