// SPDX-License-Identifier: Apache-2.0
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "cli/command.h"
#include "ingest/mail/mail_files.h"
#include "ingest/mail/mail_parser.h"

namespace bw::cli {
namespace {

struct ParseMailOptions {
  std::vector<std::string> inputs;
  std::string format = "jsonl";
};

int ParseMailFiles(const ParseMailOptions& o) {
  if (o.format != "jsonl" && o.format != "table") {
    std::cerr << "bouncewatch parse-mail: --format must be jsonl or table, not \"" << o.format
              << "\"\n";
    return kExitUsage;
  }
  std::vector<std::string> missing;
  // The same listing and reading as bw_parse_mail_tool, which the speed bench also times.
  const mail::MailFileList files = mail::ListMailFiles(o.inputs, &missing);
  for (const auto& in : missing) {
    std::cerr << "bouncewatch parse-mail: " << in << " is not a file or directory\n";
  }
  bool failed = !missing.empty();
  const bool progress = isatty(STDERR_FILENO) && files.size() > 200;
  mail::ParseOptions options;
  options.original_fields = false;  // neither format prints them
  mail::MailFileReader reader;
  bool first_table = true;
  mail::BlockWriter out(stdout);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string_view file = files[i];
    std::string_view raw;
    if (!reader.ReadAt(files, i, files.size(), &raw)) {
      out.Flush();
      std::cerr << "bouncewatch parse-mail: cannot read " << file << "\n";
      failed = true;
      continue;
    }
    auto results = mail::ParseMail(raw, options);
    if (results.has_error()) {
      out.Flush();
      std::cerr << "bouncewatch parse-mail: " << file << ": " << results.error().message() << "\n";
      failed = true;
      continue;
    }
    if (o.format == "jsonl") {
      mail::AppendJsonl(file, *results, out.buffer());
    } else if (!results->empty()) {
      out.buffer() += mail::FormatTable(file, *results, first_table);
      first_table = false;
    }
    out.MaybeFlush();
    if (progress && (i + 1) % 100 == 0) {
      std::cerr << "\rparse-mail: " << (i + 1) << "/" << files.size() << " mails" << std::flush;
    }
  }
  out.Flush();
  if (progress) {
    std::cerr << "\rparse-mail: " << files.size() << "/" << files.size() << " mails\n";
  }
  return failed ? kExitFailure : kExitOk;
}

}  // namespace

Command AddParseMailCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<ParseMailOptions>();
  Command c;
  c.node = root.add_subcommand(
      "parse-mail",
      "parse bounce, complaint and auto-reply mails and print what was found (stores nothing)");
  c.node->add_option("inputs", o->inputs, "mail files or directories (searched recursively)")
      ->required()
      ->type_name("FILE|DIR");
  c.node
      ->add_option("--format", o->format,
                   "jsonl (default; one object per recipient, Sisimai field names) or table")
      ->type_name("FORMAT");
  c.run = [o] { return ParseMailFiles(*o); };
  c.exit_without_static_destructors = true;  // reads files, writes stdout and stderr
  return c;
}

}  // namespace bw::cli
