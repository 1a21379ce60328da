# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared by the shell integration tests that run `bouncewatch serve` with the simulator trusted
# (simulate_cli_test.sh, stats_cli_test.sh, crash_test.sh). Source it once `bin` (the binary)
# and `tmp` (a fresh temp dir) are set: source "$(dirname "$0")/cli_test_lib.sh"

: "${bin:?set bin before sourcing cli_test_lib.sh}" "${tmp:?set tmp before sourcing cli_test_lib.sh}"
serve_pid=""
failures=0

# fail MESSAGE...: reports a failure on stderr and counts it in `failures`.
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# cleanup: stops the server started by start_serve (if running) and removes $tmp. For trap.
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
  rm -rf "$tmp"
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_sim_config FILE PORT: a config that keeps its data in $tmp/data, serves on
# 127.0.0.1:PORT and trusts the simulator for the test topic. Append more sections with >>.
write_sim_config() {
  cat >"$1" <<TOML
data_dir = "$tmp/data"
[server]
listen = "127.0.0.1:$2"
[sns]
topics = ["arn:aws:sns:us-east-1:123456789012:ses-feedback"]
trust_simulator = true
TOML
}

# start_serve CONFIG PORT: starts `$bin serve --config CONFIG` in the background (output appended
# to $tmp/serve.log), sets serve_pid and waits up to 10 s for /healthz on PORT. Returns 1 when the
# server did not come up.
start_serve() {
  "$bin" serve --config "$1" >>"$tmp/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
