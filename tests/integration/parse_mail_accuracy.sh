#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scores the mail parser over tests/data/corpus (issue 6 accuracy bars).
# usage: parse_mail_accuracy.sh BIN   (BIN = bouncewatch, or bw_parse_mail_tool)
set -euo pipefail
bin=${1:?usage: parse_mail_accuracy.sh BIN}
case "$bin" in /*) ;; */*) bin="$(pwd)/$bin" ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
corpus="$here/data/corpus"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$corpus"
if [ "$(basename "$bin")" = "bouncewatch" ]; then
  "$bin" parse-mail --format jsonl maildir >"$out"
else
  "$bin" maildir >"$out"
fi
if grep -q '"file": *"[^"]*maildir/not/' "$out"; then
  echo "parse_mail_accuracy: a mail in maildir/not/ was reported:" >&2
  grep '"file": *"[^"]*maildir/not/' "$out" | head -5 >&2
  exit 1
fi
python3 "$here/data/tools/score-parse-mail" "$corpus/expected.jsonl" "$out" \
  --min recipients=98 --min reason=90 --min hardbounce=95 --min status=95
