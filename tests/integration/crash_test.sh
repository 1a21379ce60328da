#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 2's durability promise under a real crash: a 200 means the events are on disk.
# Starts `bouncewatch serve` (temp data dir, simulator trusted), runs `bouncewatch simulate bounce
# --count N --concurrency 8 --ack-log ACKS` against it, kill -9's the server after ~1.5 s,
# restarts it on the same data dir, and checks that every MessageId the server acknowledged has
# its events stored, once. Prints the counts; exits non-zero on any loss or duplicate.
# Usage: crash_test.sh BUILD_DIR   (env: CRASH_COUNT=20000, CRASH_AFTER=1.5 seconds)
set -euo pipefail

build=${1:?usage: crash_test.sh BUILD_DIR}
bin="$(cd "$build" && pwd)/bouncewatch"
count=${CRASH_COUNT:-20000}
after=${CRASH_AFTER:-1.5}
tmp=$(mktemp -d /tmp/bw-crash-XXXXXX)
# shellcheck source=tests/integration/cli_test_lib.sh
source "$(dirname "$0")/cli_test_lib.sh"
sim_pid=""
crash_cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  [ -n "$serve_pid" ] && kill -9 "$serve_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap crash_cleanup EXIT

port=$(free_port)
write_sim_config "$tmp/bw.toml" "$port"

start_server() {
  if start_serve "$tmp/bw.toml" "$port"; then
    return 0
  fi
  echo "crash_test: the server did not come up; its log:" >&2
  cat "$tmp/serve.log" >&2
  exit 1
}

start_server
"$bin" simulate bounce --config "$tmp/bw.toml" --count "$count" --concurrency 8 \
  --ack-log "$tmp/acks" >"$tmp/simulate.out" 2>"$tmp/simulate.err" &
sim_pid=$!
sleep "$after"
kill -9 "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=""
touch "$tmp/acks"
acked_at_kill=$(wc -l <"$tmp/acks")
# The simulator would carry on against the dead server (connection refused for every remaining
# message); stop it. Every 2xx it had received is already flushed to the ack log.
sleep 0.5
kill "$sim_pid" 2>/dev/null || true
wait "$sim_pid" 2>/dev/null || true
sim_pid=""
if [ ! -s "$tmp/acks" ]; then
  echo "crash_test: FAIL: the simulator got no 2xx; its output:" >&2
  cat "$tmp/simulate.out" "$tmp/simulate.err" >&2
  exit 1
fi

start_server
"$bin" events --config "$tmp/bw.toml" --format json --limit 1000000 >"$tmp/events.jsonl"
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=""

python3 - "$tmp/acks" "$tmp/events.jsonl" "$count" "$acked_at_kill" <<'PY'
import collections, json, sys
acks_path, events_path, acked_at_kill = sys.argv[1], sys.argv[2], sys.argv[4]
count = int(sys.argv[3])
acks = [l.strip() for l in open(acks_path) if l.strip()] if acks_path else []
stored = collections.Counter()
for line in open(events_path):
    line = line.strip()
    if line:
        stored[json.loads(line)["origin"]["sns_message_id"]] += 1
acked = set(acks)
missing = acked - set(stored)
dups = {k: v for k, v in stored.items() if v > 1}
print(f"crash_test: requested {count}, acknowledged {len(acks)} ({acked_at_kill} at the kill), "
      f"stored {sum(stored.values())} events for {len(stored)} messages, "
      f"acknowledged but missing {len(missing)}, duplicated {len(dups)}, "
      f"stored but unacknowledged {len(set(stored) - acked)} (in flight at the kill: allowed)")
ok = True
if len(acks) == 0:
    print("crash_test: FAIL: nothing was acknowledged, so nothing was tested", file=sys.stderr)
    ok = False
if len(acks) != len(acked):
    print("crash_test: FAIL: a MessageId was acknowledged twice", file=sys.stderr)
    ok = False
if missing:
    print("crash_test: FAIL: acknowledged but lost, e.g. " + ", ".join(sorted(missing)[:5]),
          file=sys.stderr)
    ok = False
if dups:
    print("crash_test: FAIL: stored more than once, e.g. " + ", ".join(sorted(dups)[:5]),
          file=sys.stderr)
    ok = False
if len(acks) >= count:
    print("crash_test: warning: every message was acknowledged before the kill; raise "
          "CRASH_COUNT or lower CRASH_AFTER to crash mid-run", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
