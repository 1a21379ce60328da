#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `bouncewatch suppress ...` and `token ...` end to end on a SQLite file: exit codes, all-or-nothing
# import, export in the SES layout, audit of removals.
set -euo pipefail
bin="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cfg="$tmp/bw.toml"
printf 'data_dir = "%s/data"\n' "$tmp" >"$cfg"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { local want="$1"; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?; set -e;
  [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(cat "$tmp/err")"; }

expect_rc 0 "$bin" token create --config "$cfg" --name ci --scope read
grep -q '^bw_' "$tmp/out" || fail "token create printed no token"
expect_rc 1 "$bin" token create --config "$cfg" --name ci --scope read
expect_rc 2 "$bin" token create --config "$cfg" --name other --scope root
expect_rc 0 "$bin" token list --config "$cfg"
grep -q $'\tci\tread\t' "$tmp/out" || fail "token list misses ci"
grep -q 'bw_' "$tmp/out" && fail "token list shows a token"

printf 'EmailAddress,Reason\na@x.org,BOUNCE\nnot-an-address,BOUNCE\nB@X.org,COMPLAINT\n' >"$tmp/l.csv"
expect_rc 1 "$bin" suppress import --config "$cfg" "$tmp/l.csv"
grep -q 'l.csv:3:' "$tmp/err" || fail "invalid line not named: $(cat "$tmp/err")"
expect_rc 0 "$bin" suppress export --config "$cfg"
[ "$(cat "$tmp/out")" = "EmailAddress,Reason" ] || fail "failed import stored something"
expect_rc 0 "$bin" suppress import --config "$cfg" --skip-invalid "$tmp/l.csv"
expect_rc 0 "$bin" suppress export --config "$cfg"
[ "$(cat "$tmp/out")" = $'EmailAddress,Reason\na@x.org,BOUNCE\nB@x.org,COMPLAINT' ] ||
  fail "export: $(cat "$tmp/out")"
expect_rc 0 "$bin" suppress export --config "$cfg" --format jsonl --output "$tmp/x.jsonl"
[ "$(wc -l <"$tmp/x.jsonl")" = 2 ] && grep -q '"address":"B@x.org"' "$tmp/x.jsonl" ||
  fail "export --output: $(cat "$tmp/x.jsonl")"
grep -q 'exported 2 address(es)' "$tmp/err" || fail "export count: $(cat "$tmp/err")"
expect_rc 1 "$bin" suppress export --config "$cfg" --output "$tmp/no/such/dir/x.csv"
expect_rc 0 "$bin" suppress add --config "$cfg" --note "asked" '"Jane" <Jane@Bücher.example>'
expect_rc 0 "$bin" suppress check --config "$cfg" jane@xn--bcher-kva.example nobody@x.org
grep -q 'jane@xn--bcher-kva.example.*suppressed: manual' "$tmp/out" || fail "check: $(cat "$tmp/out")"
grep -q 'nobody@x.org.*not suppressed' "$tmp/out" || fail "check: $(cat "$tmp/out")"
expect_rc 2 "$bin" suppress check --config "$cfg" nope
expect_rc 0 "$bin" suppress remove --config "$cfg" a@x.org
expect_rc 1 "$bin" suppress remove --config "$cfg" a@x.org
expect_rc 0 "$bin" suppress list --config "$cfg" --format csv
[ "$(wc -l <"$tmp/out")" = 3 ] || fail "list: $(cat "$tmp/out")"
expect_rc 0 "$bin" suppress rebuild --config "$cfg" --dry-run
grep -q 'would change: 0 added, 0 removed' "$tmp/out" || fail "rebuild: $(cat "$tmp/out")"
expect_rc 0 "$bin" token revoke --config "$cfg" ci
expect_rc 1 "$bin" token revoke --config "$cfg" ci
echo "suppress/token CLI OK"
