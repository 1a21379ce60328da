// SPDX-License-Identifier: Apache-2.0
// `bouncewatch token create|list|revoke`: API tokens (only their SHA-256 is stored).
#include <iostream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "app/app.h"
#include "app/tokens.h"
#include "cli/command.h"
#include "core/time_format.h"

namespace bw::cli {
namespace {

struct TokenOptions {
  std::string name;
  std::string scope = "read";
  std::string id;
};

int TokenFail(const std::string& what, const std::string& message, int code = kExitFailure) {
  std::cerr << "bouncewatch token " << what << ": " << message << "\n";
  return code;
}

int Run(const GlobalOptions& g, const TokenOptions& o, const std::string& what) {
  app::Config config = LoadConfigFor(g);
  spdlog::set_level(spdlog::level::warn);
  auto store = app::OpenStore(config, SystemClock::Instance(), what == "list");
  if (!store) {
    return TokenFail(what, store.error().message());
  }
  if (what == "create") {
    auto token = app::CreateApiToken(**store, o.name, o.scope, SystemClock::Instance());
    if (!token) {
      return TokenFail(what, token.error().message(),
                       token.error().code() == Code::kInvalidInput ? kExitUsage : kExitFailure);
    }
    std::cerr << "created token \"" << o.name << "\" (scope " << o.scope
              << "); it is shown only now:\n";
    std::cout << *token << "\n";
    return kExitOk;
  }
  if (what == "list") {
    auto tokens = (*store)->ListTokens();
    if (!tokens) {
      return TokenFail(what, tokens.error().message());
    }
    std::cout << "ID\tNAME\tSCOPE\tCREATED\tREVOKED\n";
    for (const auto& t : *tokens) {
      std::cout << t.id << "\t" << t.name << "\t" << t.scope << "\t"
                << FormatIso8601Ms(t.created_at_ms) << "\t"
                << (t.revoked_at_ms ? FormatIso8601Ms(t.revoked_at_ms) : "-") << "\n";
    }
    return kExitOk;
  }
  if (auto s = (*store)->RevokeToken(o.id, ToUnixMs(SystemClock::Instance().Now())); !s) {
    return TokenFail(what, s.error().message());
  }
  std::cout << "revoked " << o.id << "\n";
  return kExitOk;
}

}  // namespace

Command AddTokenCommand(CLI::App& root, GlobalOptions& g) {
  auto o = std::make_shared<TokenOptions>();
  Command c;
  c.libcrypto_exit = kExitFailure;  // hashes tokens
  c.node = root.add_subcommand("token", "API tokens for /v1 (Authorization: Bearer)");
  c.node->require_subcommand(1);
  auto* create = c.node->add_subcommand("create", "create a token and print it once");
  create->add_option("--name", o->name, "a unique name")->required();
  create->add_option("--scope", o->scope, "read (default), write or admin")
      ->check(CLI::IsMember({"read", "write", "admin"}));
  auto* list = c.node->add_subcommand("list", "list tokens (never the tokens themselves)");
  auto* revoke = c.node->add_subcommand("revoke", "revoke a token by id or name");
  revoke->add_option("id", o->id, "token id or name")->required();
  c.run = [&g, o, create, list, revoke] {
    if (create->parsed()) {
      return Run(g, *o, "create");
    }
    if (list->parsed()) {
      return Run(g, *o, "list");
    }
    if (revoke->parsed()) {
      return Run(g, *o, "revoke");
    }
    return kExitUsage;
  };
  return c;
}

}  // namespace bw::cli
