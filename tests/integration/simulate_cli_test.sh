#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `bouncewatch simulate` as a user meets it: the demo workflow (serve with the simulator trusted,
# simulate, events) and the bad-input answers (one sentence on stderr, exit 2 for usage, 1 for
# runtime). Usage: simulate_cli_test.sh BUILD_DIR
set -uo pipefail

build=${1:?usage: simulate_cli_test.sh BUILD_DIR}
bin="$(cd "$build" && pwd)/bouncewatch"
tmp=$(mktemp -d /tmp/bw-simcli-XXXXXX)
# shellcheck source=tests/integration/cli_test_lib.sh
source "$(dirname "$0")/cli_test_lib.sh"
trap cleanup EXIT

# expect CODE PATTERN -- command...: exit code and a one-line stderr matching PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then
    fail "$* exited $rc, expected $code; stderr: $(cat "$tmp/err")"
  elif [ "$code" -eq 0 ]; then
    [ -s "$tmp/err" ] && fail "$* printed on stderr: $(cat "$tmp/err")"
  elif ! grep -qE -e "$pattern" "$tmp/err"; then
    fail "$* stderr does not match /$pattern/: $(cat "$tmp/err")"
  elif [ "$code" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
    fail "$* printed more than one line on stderr: $(cat "$tmp/err")"
  fi
  return 0
}

port=$(free_port)
closed=$(free_port)
write_sim_config "$tmp/bw.toml" "$port"
start_serve "$tmp/bw.toml" "$port" || fail "serve did not come up: $(cat "$tmp/serve.log")"
sim=("$bin" --config "$tmp/bw.toml" simulate)

# The demo: simulate bounce, then events --type bounce shows the address, status, diagnostic.
expect 0 '^$' -- "${sim[@]}" bounce --label label1
grep -q "200" "$tmp/out" || fail "simulate bounce printed no 200: $(cat "$tmp/out")"
"$bin" --config "$tmp/bw.toml" events --type bounce --format json >"$tmp/events.json"
grep -q '"recipient":"bounce+label1@simulator.amazonses.com"' "$tmp/events.json" &&
  grep -q '"status":"5.1.1"' "$tmp/events.json" &&
  grep -q 'smtp; 550 5.1.1 user unknown' "$tmp/events.json" ||
  fail "events --type bounce lacks the simulated bounce: $(cat "$tmp/events.json")"
for s in success complaint suppressionlist ooto; do
  expect 0 '^$' -- "${sim[@]}" "$s" --format event --signature-version 1
done
expect 0 '^$' -- "${sim[@]}" custom --notification-file \
  "$(dirname "$0")/../data/ses/ses-notification-delivery.json"
n=$("$bin" --config "$tmp/bw.toml" events --format json | wc -l)
[ "$n" -eq 6 ] || fail "expected 6 stored events, found $n"

# Load mode prints a summary that adds up.
expect 0 '^$' -- "${sim[@]}" success --count 200 --concurrency 4 --ack-log "$tmp/acks"
grep -q "2xx 200, 4xx 0, 5xx 0, other 0, errors 0" "$tmp/out" || fail "summary: $(cat "$tmp/out")"
grep -qE "p50 .* p90 .* p99" "$tmp/out" || fail "no percentiles: $(cat "$tmp/out")"
[ "$(sort -u "$tmp/acks" | wc -l)" -eq 200 ] || fail "ack log has not 200 distinct ids"

# --write-dir writes instead of sending.
expect 0 '^$' -- "${sim[@]}" complaint --count 3 --write-dir "$tmp/reqs"
[ -f "$tmp/reqs/000003.json" ] && [ -f "$tmp/reqs/000003.headers" ] && [ -f "$tmp/reqs/wrk.lua" ] ||
  fail "--write-dir did not write the files"

# Bad input.
expect 2 'unknown scenario "bogus"' -- "${sim[@]}" bogus
expect 2 'custom scenario needs --notification-file' -- "${sim[@]}" custom
echo '{"hello":"world"}' >"$tmp/not-ses.json"
expect 2 'is not an SES notification: it has no string "notificationType" or "eventType"' -- \
  "${sim[@]}" custom --notification-file "$tmp/not-ses.json"
expect 1 'cannot read the notification file' -- "${sim[@]}" custom --notification-file "$tmp/nope"
expect 2 '--format must be ses' -- "${sim[@]}" bounce --format xml
expect 2 'must be an http:// URL' -- "${sim[@]}" bounce --to "https://127.0.0.1:$port/"
expect 1 "cannot connect to http://127.0.0.1:$closed/webhooks/sns: Connection refused" -- \
  "${sim[@]}" bounce --to "http://127.0.0.1:$closed/webhooks/sns"
forbidden='403 Forbidden, probably because sns.trust_simulator is not true .* or the topic .*'
forbidden+=' is not in its sns.topics'
expect 1 "$forbidden" -- \
  "${sim[@]}" bounce --topic arn:aws:sns:us-east-1:123456789012:elsewhere
"${sim[@]}" bounce --signature-version 3 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--signature-version 3 is not a usage error"

if [ "$failures" -ne 0 ]; then
  echo "simulate_cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "simulate_cli_test: all passed"
