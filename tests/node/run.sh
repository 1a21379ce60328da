#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The simulator's signatures checked by implementations we did not write: writes signed requests
# for every scenario, both formats and both signature versions with `bouncewatch simulate
# --write-dir`, then runs validate.js (npm sns-validator + openssl dgst -verify).
# Usage: tests/node/run.sh BUILD_DIR. Exit 77 (skipped) when node or npm is not installed.
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR}
bin="$(cd "$build" && pwd)/bouncewatch"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "run.sh: node/npm not installed; skipping" >&2
  exit 77
fi
if [ ! -d "$here/node_modules/sns-validator" ]; then
  (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
fi

tmp=$(mktemp -d /tmp/bw-node-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dirs=()
v=1
for scenario in success bounce complaint suppressionlist ooto; do
  for format in ses event; do
    v=$((3 - v))
    out="$tmp/$scenario-$format-v$v"
    "$bin" --data-dir "$tmp/data" simulate "$scenario" --format "$format" \
      --signature-version "$v" --count 2 --label "node$v" --write-dir "$out" >/dev/null
    dirs+=("$out")
  done
done
out="$tmp/custom-v1"
"$bin" --data-dir "$tmp/data" simulate custom --signature-version 1 --write-dir "$out" \
  --notification-file "$here/../data/ses/synthetic-escapes-bounce.json" >/dev/null
dirs+=("$out")

# A throw-away TLS identity for the local HTTPS server that serves the signing certificate.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$tmp/tls-key.pem" -out "$tmp/tls-cert.pem" 2>/dev/null
node "$here/validate.js" "$tmp/tls-key.pem" "$tmp/tls-cert.pem" "${dirs[@]}"
