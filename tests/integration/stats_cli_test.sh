#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `bouncewatch stats` as a user meets it: serve with the simulator trusted and counted, simulate
# deliveries and bounces, then stats (table and json, while serve runs and after it stopped) and
# the bad-input answers. Usage: stats_cli_test.sh BOUNCEWATCH
set -uo pipefail

bin=${1:?usage: stats_cli_test.sh BOUNCEWATCH}
tmp=$(mktemp -d /tmp/bw-statscli-XXXXXX)
# shellcheck source=tests/integration/cli_test_lib.sh
source "$(dirname "$0")/cli_test_lib.sh"
trap cleanup EXIT

port=$(free_port)
write_sim_config "$tmp/bw.toml" "$port"
cat >>"$tmp/bw.toml" <<TOML
[reputation]
count_simulator = true
min_sends = 10
TOML
bw() { "$bin" --config "$tmp/bw.toml" "$@"; }

# Before anything was stored: a store without a schema is a one-line error.
bw stats >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stats without a store: $(cat "$tmp/err")"

start_serve "$tmp/bw.toml" "$port" || fail "serve did not come up: $(cat "$tmp/serve.log")"
bw simulate success --count 18 >/dev/null 2>&1 || fail "simulate success failed"
bw simulate bounce --count 2 >/dev/null 2>&1 || fail "simulate bounce failed"

# While serve runs: 18 deliveries + 2 hard bounces = 20 sends, bounce rate 10 % = at_risk.
bw stats --format json >"$tmp/stats.json" 2>"$tmp/err" || fail "stats --format json: $(cat "$tmp/err")"
python3 - "$tmp/stats.json" <<'PY' || fail "stats json: $(cat "$tmp/stats.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["send_source"] == "delivered_bounced", d["send_source"]
assert d["sends"] == 20, d["sends"]
assert d["bounce"]["hard_bounces"] == 2
assert abs(d["bounce"]["rate"] - 0.1) < 1e-12
assert d["level"] == "at_risk" and d["low_confidence"] is False
assert d["breakdowns"]["recipient_domain"][0]["key"] == "simulator.amazonses.com"
PY
# The same document as the API.
token=$(cat "$tmp/data/admin-token")
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/reputation" >"$tmp/api.json" ||
  fail "GET /v1/reputation failed"
python3 - "$tmp/stats.json" "$tmp/api.json" <<'PY' || fail "stats json differs from the API"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("as_of"); d["window"].pop("end")
assert a == b, (a, b)
PY

bw stats >"$tmp/table" 2>"$tmp/err" || fail "stats: $(cat "$tmp/err")"
grep -q '^  level           at_risk' "$tmp/table" || fail "table level: $(cat "$tmp/table")"
grep -q 'sends           20 (from deliveries + bounces)' "$tmp/table" || fail "table sends: $(cat "$tmp/table")"
grep -q 'bounce rate     10.00 %' "$tmp/table" || fail "table rate: $(cat "$tmp/table")"
grep -q 'LOW CONFIDENCE' "$tmp/table" && fail "20 sends >= min_sends 10 is not low confidence"
grep -q 'simulator.amazonses.com' "$tmp/table" || fail "table breakdown: $(cat "$tmp/table")"

bw stats --by identity --limit 1 >"$tmp/table" 2>"$tmp/err" || fail "stats --by: $(cat "$tmp/err")"
grep -q 'By recipient domain' "$tmp/table" && fail "--by identity still shows domains"
grep -q 'By sending identity' "$tmp/table" || fail "--by identity: $(cat "$tmp/table")"

# After serve stopped: the same numbers from the stored buckets.
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""
bw stats --format json >"$tmp/after.json" || fail "stats after stop"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a["counts"]==b["counts"], (a["counts"], b["counts"])' \
  "$tmp/stats.json" "$tmp/after.json" || fail "numbers changed after stop"

# stats, like every command that makes no outgoing request, does not load libcurl (loading it
# and the ~30 libraries it needs was half of the start of every command; net/curl_loader.cc).
LD_DEBUG=files bw stats --format json >/dev/null 2>"$tmp/ld" || fail "stats under LD_DEBUG=files"
# (libc: the one library every build loads, whether the others are shared or static.)
grep -q 'file=libc\.so' "$tmp/ld" || fail "LD_DEBUG=files lists no libraries: $(head -3 "$tmp/ld")"
grep -q 'file=libcurl' "$tmp/ld" && fail "stats loaded libcurl: $(grep 'file=libcurl' "$tmp/ld")"

# Low volume says so.
sed -i 's/min_sends = 10/min_sends = 1000/' "$tmp/bw.toml"
bw stats >"$tmp/table" || fail "stats low volume"
grep -q 'LOW CONFIDENCE: 20 sends is fewer than min_sends (1000)' "$tmp/table" ||
  fail "no low-confidence hint: $(cat "$tmp/table")"

# Bad input: one line on stderr, exit 2.
for args in "--format xml" "--by planet" "--limit 0"; do
  # shellcheck disable=SC2086
  bw stats $args >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" -eq 2 ] || fail "stats $args exited $rc, expected 2"
  [ "$(wc -l <"$tmp/err")" -ge 1 ] || fail "stats $args printed no error"
done
bw stats --help | grep -q -- '--format' || fail "stats --help"

[ "$failures" -eq 0 ] && echo "stats CLI OK"
exit $(( failures > 0 ))
