// SPDX-License-Identifier: Apache-2.0
// `bouncewatch suppress list|check|add|remove|import|export|rebuild`: the suppression list,
// directly on the store (works while serve runs: SQLite readers never wait, writers share the
// file with the server's writer).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/app.h"
#include "app/suppression_io.h"
#include "cli/command.h"
#include "core/address.h"
#include "core/time_format.h"
#include "store/suppression_import.h"

namespace bw::cli {
namespace {

struct SuppressOptions {
  std::vector<std::string> addresses;
  std::string reason;
  std::string domain;
  std::string since;
  size_t limit = 100;
  std::string format;
  std::string note;
  std::string file;
  std::string output;
  bool skip_invalid = false;
  bool dry_run = false;
};

int Fail(const std::string& what, const std::string& message, int code = kExitFailure) {
  std::cerr << "bouncewatch suppress " << what << ": " << message << "\n";
  return code;
}

Result<std::unique_ptr<store::Store>> Open(const GlobalOptions& g, app::Config* config,
                                           bool read_only) {
  *config = LoadConfigFor(g);
  spdlog::set_level(spdlog::level::warn);
  return app::OpenStore(*config, SystemClock::Instance(), read_only);
}

std::string Describe(const SuppressionState& s) {
  std::string out = std::string(SuppressionReasonName(s.reason)) + " (" + s.detail + ") since " +
                    FormatIso8601Ms(s.suppressed_at_ms);
  out += s.expires_at_ms == 0 ? ", never expires" : ", until " + FormatIso8601Ms(s.expires_at_ms);
  if (!s.note.empty()) {
    out += ", note: " + s.note;
  }
  return out;
}

int List(const GlobalOptions& g, const SuppressOptions& o) {
  const int64_t now = ToUnixMs(SystemClock::Instance().Now());
  store::SuppressionQuery q;
  q.active_at_ms = now;
  q.limit = o.limit;
  if (!o.reason.empty()) {
    q.reason = ParseSuppressionReason(o.reason);
    if (!q.reason) {
      return Fail("list", "--reason must be bounce, complaint, manual or import", kExitUsage);
    }
  }
  if (!o.since.empty()) {
    auto since = ParseSinceMs(o.since, now);
    if (!since) {
      return Fail("list", "--since must be a duration such as 24h or an ISO-8601 time",
                  kExitUsage);
    }
    q.since_ms = *since;
  }
  if (!o.domain.empty()) {
    auto a = NormalizeAddress("x@" + o.domain);
    if (!a) {
      return Fail("list", "--domain \"" + o.domain + "\" is not a valid domain", kExitUsage);
    }
    q.domain = a->domain;
  }
  std::string format = o.format.empty() ? "table" : o.format;
  if (format != "table" && !app::ParseSuppressionFormat(format)) {
    return Fail("list", "--format must be table, csv or jsonl", kExitUsage);
  }
  app::Config config;
  auto store = Open(g, &config, true);
  if (!store) {
    return Fail("list", store.error().message());
  }
  auto page = (*store)->ListSuppressions(q);
  if (!page) {
    return Fail("list", page.error().message());
  }
  if (format == "table") {
    for (const auto& s : *page) {
      std::cout << s.address << "\t" << Describe(s) << "\n";
    }
  } else {
    app::WriteSuppressions(std::cout, *page, *app::ParseSuppressionFormat(format), true);
  }
  return kExitOk;
}

int Check(const GlobalOptions& g, const SuppressOptions& o) {
  std::vector<NormalizedAddress> addresses;
  std::vector<std::string> keys;
  for (size_t i = 0; i < o.addresses.size(); ++i) {
    auto a = NormalizeAddress(o.addresses[i]);
    if (!a) {
      return Fail("check", a.error().message(), kExitUsage);
    }
    keys.push_back(a->key);
    addresses.push_back(std::move(*a));
  }
  app::Config config;
  auto store = Open(g, &config, true);
  if (!store) {
    return Fail("check", store.error().message());
  }
  auto states = (*store)->GetSuppressions(keys);
  if (!states) {
    return Fail("check", states.error().message());
  }
  const int64_t now = ToUnixMs(SystemClock::Instance().Now());
  for (const auto& a : addresses) {
    const SuppressionState* found = nullptr;
    for (const auto& s : *states) {
      if (s.address_key == a.key && IsSuppressedAt(s, now)) {
        found = &s;
      }
    }
    std::cout << a.display << "\t"
              << (found ? "suppressed: " + Describe(*found) : std::string("not suppressed"))
              << "\n";
  }
  return kExitOk;
}

int AddOrRemove(const GlobalOptions& g, const SuppressOptions& o, bool add) {
  const char* what = add ? "add" : "remove";
  std::vector<store::ManualSuppression> entries;
  for (const auto& text : o.addresses) {
    auto a = NormalizeAddress(text);
    if (!a) {
      return Fail(what, a.error().message(), kExitUsage);
    }
    entries.push_back({std::move(*a), SuppressionReason::kManual, o.note, ""});
  }
  app::Config config;
  auto store = Open(g, &config, false);
  if (!store) {
    return Fail(what, store.error().message());
  }
  store::AuditInfo audit{"cli", o.note};
  if (add) {
    if (auto s = (*store)->AddSuppressions(entries, audit); !s) {
      return Fail(what, s.error().message());
    }
    std::cout << "suppressed " << entries.size() << " address(es)\n";
    return kExitOk;
  }
  int missing = 0;
  const int64_t now = ToUnixMs(SystemClock::Instance().Now());
  for (const auto& e : entries) {
    auto s = (*store)->RemoveSuppression(e.address.key, now, audit);
    if (!s) {
      if (s.error().code() != Code::kNotFound) {
        return Fail(what, s.error().message());
      }
      std::cerr << "bouncewatch suppress remove: " << e.address.display << " is not suppressed\n";
      ++missing;
      continue;
    }
    std::cout << "removed " << e.address.display << "\n";
  }
  return missing == 0 ? kExitOk : kExitFailure;
}

int Import(const GlobalOptions& g, const SuppressOptions& o) {
  std::string format_name = o.format.empty() ? "csv" : o.format;
  auto format = app::ParseSuppressionFormat(format_name);
  if (!format) {
    return Fail("import", "--format must be csv or jsonl", kExitUsage);
  }
  // Read and parsed piece by piece on a second thread while the store writes (constant
  // memory, two cores): store/suppression_import.h.
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.file != "-") {
    file.open(o.file, std::ios::binary);
    if (!file) {
      return Fail("import", "cannot read " + o.file);
    }
    in = &file;
  }
  app::Config config;
  auto store = Open(g, &config, false);
  if (!store) {
    return Fail("import", store.error().message());
  }
  std::string buffer(1 << 20, '\0');
  store::ImportReader read = [&]() -> Result<std::string_view> {
    in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in->bad()) {
      return Error(Code::kInternal, "cannot read " + o.file);
    }
    return std::string_view(buffer.data(), static_cast<size_t>(in->gcount()));
  };
  store::ImportOptions options;
  options.format = *format;
  options.skip_invalid = o.skip_invalid;
  auto report = store::ImportSuppressionStream(**store, read, options, {"cli", "import " + o.file});
  if (!report) {
    return Fail("import", report.error().message());
  }
  for (const auto& [line, why] : report->invalid) {
    std::cerr << o.file << ":" << line << ": " << why << "\n";
  }
  if (!report->stored) {
    return Fail("import", std::to_string(report->invalid.size()) +
                              " invalid line(s), nothing imported; fix them or use --skip-invalid");
  }
  std::cout << "imported " << report->imported << " address(es)";
  if (!report->invalid.empty()) {
    std::cout << ", skipped " << report->invalid.size() << " invalid line(s)";
  }
  std::cout << "\n";
  return kExitOk;
}

int Export(const GlobalOptions& g, const SuppressOptions& o) {
  auto format = app::ParseSuppressionFormat(o.format.empty() ? "csv" : o.format);
  if (!format) {
    return Fail("export", "--format must be csv or jsonl", kExitUsage);
  }
  app::Config config;
  auto store = Open(g, &config, true);
  if (!store) {
    return Fail("export", store.error().message());
  }
  // Streamed: one page of the list in memory at a time, written as it is read.
  const int64_t now_ms = ToUnixMs(SystemClock::Instance().Now());
  if (o.output.empty() || o.output == "-") {
    auto n = app::ExportSuppressed(**store, now_ms, std::cout, *format);
    std::cout.flush();
    if (!n) {
      return Fail("export", n.error().message());
    }
    if (!std::cout) {
      return Fail("export", "cannot write to standard output");
    }
    return kExitOk;
  }
  std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
  if (!out) {
    return Fail("export", "cannot write " + o.output);
  }
  auto n = app::ExportSuppressed(**store, now_ms, out, *format);
  out.close();
  if (!n) {
    return Fail("export", n.error().message());
  }
  if (!out) {
    return Fail("export", "cannot write " + o.output);
  }
  std::cerr << "exported " << *n << " address(es) to " << o.output << "\n";
  return kExitOk;
}

int Rebuild(const GlobalOptions& g, const SuppressOptions& o) {
  app::Config config;
  auto store = Open(g, &config, false);
  if (!store) {
    return Fail("rebuild", store.error().message());
  }
  auto report =
      app::RebuildSuppressions(**store, config.policy, SystemClock::Instance(), o.dry_run);
  if (!report) {
    return Fail("rebuild", report.error().message());
  }
  for (const auto& a : report->added) {
    std::cout << "+ " << a << "\n";
  }
  for (const auto& a : report->removed) {
    std::cout << "- " << a << "\n";
  }
  for (const auto& a : report->changed) {
    std::cout << "~ " << a << "\n";
  }
  std::cout << (o.dry_run ? "would change" : "changed") << ": " << report->added.size()
            << " added, " << report->removed.size() << " removed, " << report->changed.size()
            << " changed (" << report->events << " events replayed)\n";
  return kExitOk;
}

}  // namespace

Command AddSuppressCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<SuppressOptions>();
  Command c;
  c.node = root.add_subcommand("suppress", "the suppression list");
  c.node->require_subcommand(1);
  auto* list = c.node->add_subcommand("list", "addresses suppressed now, by address");
  list->add_option("--reason", o->reason, "bounce, complaint, manual or import");
  list->add_option("--domain", o->domain, "only this domain")->type_name("DOMAIN");
  list->add_option("--since", o->since, "suppressed since: 24h, 7d or ISO-8601")
      ->type_name("WHEN");
  list->add_option("--limit", o->limit, "at most N (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000000));
  list->add_option("--format", o->format, "table (default), csv or jsonl");
  auto* check = c.node->add_subcommand("check", "whether addresses are suppressed, and why");
  check->add_option("address", o->addresses, "addresses")->required();
  auto* add = c.node->add_subcommand("add", "suppress addresses (manual, never expires)");
  add->add_option("address", o->addresses, "addresses")->required();
  add->add_option("--note", o->note, "why (kept with the entry and in the audit trail)");
  auto* remove = c.node->add_subcommand("remove", "remove addresses (audited)");
  remove->add_option("address", o->addresses, "addresses")->required();
  remove->add_option("--note", o->note, "why (kept in the audit trail)");
  auto* import = c.node->add_subcommand(
      "import", "import a list: CSV (SES layout EmailAddress,Reason) or JSONL; all or nothing");
  import->add_option("file", o->file, "file, or - for stdin")->required();
  import->add_option("--format", o->format, "csv (default) or jsonl");
  import->add_flag("--skip-invalid", o->skip_invalid,
                   "import the valid lines and report the invalid ones");
  auto* exp = c.node->add_subcommand(
      "export", "export the list (CSV in the SES layout, or JSONL), streamed page by page");
  exp->add_option("--format", o->format, "csv (default) or jsonl");
  exp->add_option("--output", o->output, "file (default stdout)")->type_name("FILE");
  auto* rebuild = c.node->add_subcommand(
      "rebuild", "recompute the list from stored events with the current [policy]");
  rebuild->add_flag("--dry-run", o->dry_run, "only say what would change");
  c.run = [&g, o, list, check, add, remove, import, exp, rebuild] {
    if (list->parsed()) {
      return List(g, *o);
    }
    if (check->parsed()) {
      return Check(g, *o);
    }
    if (add->parsed()) {
      return AddOrRemove(g, *o, true);
    }
    if (remove->parsed()) {
      return AddOrRemove(g, *o, false);
    }
    if (import->parsed()) {
      return Import(g, *o);
    }
    if (exp->parsed()) {
      return Export(g, *o);
    }
    if (rebuild->parsed()) {
      return Rebuild(g, *o);
    }
    return kExitUsage;
  };
  return c;
}

}  // namespace bw::cli
