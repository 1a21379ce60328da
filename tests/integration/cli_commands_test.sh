#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The command line's composition (src/cli/main.cc): a subcommand named first is built alone, any
# other command line builds every subcommand; both must answer the same. Checks --help of every
# subcommand, the top-level help, global options before the subcommand, unknown subcommands and
# options. Usage: cli_commands_test.sh BOUNCEWATCH
set -uo pipefail

bin=${1:?usage: cli_commands_test.sh BOUNCEWATCH}
tmp=$(mktemp -d /tmp/bw-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "cli_commands_test: $*" >&2; exit 1; }

commands="serve events check-config parse-mail ingest-mail simulate suppress token stats"

"$bin" --help >"$tmp/top" 2>&1 || fail "--help exited $?"
for c in $commands; do
  grep -q "^  $c" "$tmp/top" || fail "--help does not list $c"
  "$bin" "$c" --help >"$tmp/help" 2>&1 || fail "$c --help exited $?"
  head -3 "$tmp/help" | grep -q "Usage: bouncewatch $c" || fail "$c --help: $(head -3 "$tmp/help")"
  # The same help when the subcommand is not first (every subcommand is built then).
  "$bin" --data-dir "$tmp/data" "$c" --help >"$tmp/help2" 2>&1 || fail "--data-dir D $c --help"
  cmp -s "$tmp/help" "$tmp/help2" || fail "$c --help differs when a global option comes first"
done

mkdir -p "$tmp/empty"
"$bin" parse-mail --format jsonl "$tmp/empty" >"$tmp/out" 2>&1 || fail "parse-mail on an empty directory"
"$bin" --data-dir "$tmp/data" parse-mail --format jsonl "$tmp/empty" >"$tmp/out" 2>&1 ||
  fail "a global option before parse-mail"

"$bin" nosuch >"$tmp/out" 2>&1
[ $? -eq 2 ] || fail "an unknown subcommand must exit 2"
"$bin" parse-mail --nosuch "$tmp/empty" >"$tmp/out" 2>&1
[ $? -eq 2 ] || fail "an unknown option must exit 2"
grep -q -- "--nosuch" "$tmp/out" || fail "the unknown option is not named: $(cat "$tmp/out")"
"$bin" >"$tmp/out" 2>&1
[ $? -eq 2 ] || fail "no subcommand must exit 2"

# libcrypto (crypto/libcrypto.h). With the lazy loader (the default build), parse-mail and
# ingest-mail never load it, the commands that need it load it before any work, and an unusable
# libcrypto.so.3 is one line on stderr and the command's failure code.
LD_DEBUG=files "$bin" --data-dir "$tmp/data" token create --name t --scope read >/dev/null 2>"$tmp/ld" ||
  fail "token create: $(grep -v 'file=' "$tmp/ld" | tail -3)"
if grep -q 'file=libcrypto.so.3 .*dynamically loaded' "$tmp/ld"; then
  LD_DEBUG=files "$bin" parse-mail "$tmp/empty" >/dev/null 2>"$tmp/ld" || fail "parse-mail"
  grep -q 'file=libcrypto' "$tmp/ld" && fail "parse-mail loaded libcrypto"
  mkdir -p "$tmp/badlib"
  : >"$tmp/badlib/libcrypto.so.3"  # not an ELF object: dlopen fails
  for args in "token list:1" "simulate success:1"; do
    want=${args##*:}
    LD_LIBRARY_PATH="$tmp/badlib" "$bin" --data-dir "$tmp/data" ${args%:*} >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq "$want" ] || fail "${args%:*} without libcrypto exited $rc, expected $want"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'libcrypto could not be loaded' "$tmp/err" ||
      fail "${args%:*} without libcrypto: $(cat "$tmp/err")"
  done
  LD_LIBRARY_PATH="$tmp/badlib" "$bin" parse-mail "$tmp/empty" >"$tmp/out" 2>&1 ||
    fail "parse-mail needs no libcrypto: $(cat "$tmp/out")"
  # ingest-mail (one process per mail under an MTA) hashes mails with Nettle: no libcrypto.
  printf 'From: a@example.com\nSubject: hello\n\nhi\n' >"$tmp/mail.eml"
  LD_DEBUG=files LD_LIBRARY_PATH="$tmp/badlib" "$bin" --data-dir "$tmp/data" ingest-mail \
    "$tmp/mail.eml" >"$tmp/out" 2>"$tmp/ld" || fail "ingest-mail needs no libcrypto: $(grep -v 'file=\|^ *[0-9]*:' "$tmp/ld")"
  grep -q 'file=libcrypto' "$tmp/ld" && fail "ingest-mail loaded libcrypto"
fi
echo "cli_commands_test: ok"
