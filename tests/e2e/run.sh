#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard end to end in a real browser (issue 7): starts two `bouncewatch serve` (the
# simulator trusted and counted; the second with a 3 s session_ttl and an empty list), then runs
# dashboard.spec.mjs (playwright-core from web/node_modules driving Debian's chromium headless).
# Screenshots of every page go to SHOT_DIR.
# Usage: tests/e2e/run.sh BOUNCEWATCH_BINARY SHOT_DIR
# Exit 77 (skipped) only when chromium is not installed; any other problem fails.
set -euo pipefail

bin=${1:?usage: run.sh BOUNCEWATCH_BINARY SHOT_DIR}
shots=${2:?usage: run.sh BOUNCEWATCH_BINARY SHOT_DIR}
here="$(cd "$(dirname "$0")" && pwd)"
web="$here/../../web"
chromium=${BW_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "run.sh: $chromium is not installed (scripts/install-deps installs it); skipping" >&2
  exit 77
fi
if [ ! -d "$web/node_modules/playwright-core" ]; then
  (cd "$web" && npm ci --no-audit --no-fund >/dev/null)
fi

tmp=$(mktemp -d /tmp/bw-e2e-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME SESSION_TTL: writes $tmp/NAME.toml, starts serve (its pid in pids, so it is
# stopped on exit: not in a subshell), waits for /healthz; the URL is in $tmp/NAME.url.
start() {
  local name=$1 ttl=$2 port
  port=$(free_port)
  cat >"$tmp/$name.toml" <<TOML
data_dir = "$tmp/$name-data"
[server]
listen = "127.0.0.1:$port"
[api]
session_ttl = "$ttl"
[sns]
topics = ["arn:aws:sns:us-east-1:123456789012:ses-feedback"]
trust_simulator = true
[reputation]
count_simulator = true
TOML
  "$bin" serve --config "$tmp/$name.toml" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
      echo "http://127.0.0.1:$port" >"$tmp/$name.url"
      return 0
    fi
    sleep 0.1
  done
  echo "run.sh: serve ($name) did not start:" >&2
  cat "$tmp/$name.log" >&2
  return 1
}

start main 12h
start short 3s
main_url=$(cat "$tmp/main.url")
short_url=$(cat "$tmp/short.url")
read_token=$("$bin" --config "$tmp/main.toml" token create --name viewer --scope read)

mkdir -p "$shots"
rm -f "$shots"/*.png
BW_URL="$main_url" BW_SHORT_URL="$short_url" \
  BW_ADMIN_TOKEN="$(cat "$tmp/main-data/admin-token")" \
  BW_SHORT_ADMIN_TOKEN="$(cat "$tmp/short-data/admin-token")" \
  BW_READ_TOKEN="$read_token" BW_BIN="$bin" BW_CONFIG="$tmp/main.toml" \
  BW_SHOTS="$shots" BW_CHROMIUM="$chromium" NODE_PATH="$web/node_modules" \
  node "$here/dashboard.spec.mjs"
