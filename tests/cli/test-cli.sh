#!/bin/sh
# emocap tests: the command line — help built from the table, exit codes,
# and refusals that leave the archive as it was.
#
# Copyright (C) 2026 emocap developers
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

: "${EMOCAP:?}" "${EMOCAP_SOURCE_ROOT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
n=0

fail () {
  echo "not ok - $*"
  failures=$((failures + 1))
}

# expect STATUS PATTERN -- ARGS...: runs emocap, checks its exit status and
# that stdout+stderr contains PATTERN (a fixed string).
expect () {
  want=$1 pattern=$2
  shift 3
  n=$((n + 1))
  "$EMOCAP" "$@" >"$tmp/out" 2>&1 </dev/null
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "emocap $*: exit $got, expected $want"; sed 's/^/    /' "$tmp/out"
  elif ! grep -qF -- "$pattern" "$tmp/out"; then
    fail "emocap $*: output lacks '$pattern'"; sed 's/^/    /' "$tmp/out"
  else
    echo "ok $n - emocap $*"
  fi
}

expect 1 "usage: emocap <command>" -- 
expect 0 "exit codes:" -- help
expect 0 "2  environment" -- help
expect 1 "'frobnicate' is not an emocap command" -- frobnicate
for cmd in record check verify devices; do
  expect 0 "emocap $cmd" -- help "$cmd"
  expect 0 "emocap $cmd" -- "$cmd" -h
  "$EMOCAP" help "$cmd" >"$tmp/a" 2>&1
  "$EMOCAP" "$cmd" --help >"$tmp/b" 2>&1
  n=$((n + 1))
  if cmp -s "$tmp/a" "$tmp/b"; then echo "ok $n - help $cmd = $cmd --help"; else fail "help $cmd differs from $cmd --help"; fi
  # every command in the table is listed by `emocap help`
  n=$((n + 1))
  if "$EMOCAP" help | grep -q "^  $cmd "; then echo "ok $n - help lists $cmd"; else fail "help does not list $cmd"; fi
done
expect 1 "Unknown option --frobnicate" -- record --frobnicate x.json
expect 1 "no session script given" -- record
expect 1 "--auto needs --consent-file" -- record x.json --auto
expect 1 "cannot read" -- check "$tmp/nope.json"

# A session to start from.
mkdir -p "$tmp/s"
cp "$EMOCAP_SOURCE_ROOT/scripts/demo-session/contract.json" "$EMOCAP_SOURCE_ROOT/scripts/demo-session/consent.json" "$tmp/s/"
sed -e 's/@SESSION@/cli-test/' -e 's/"seconds": 4/"seconds": 1/' -e 's/1280, "height": 720/320, "height": 240/' \
  "$EMOCAP_SOURCE_ROOT/scripts/demo-session/script.json.in" >"$tmp/s/script.json"

# The demo's consent file matches its contract.
expect 0 "the script is valid" -- check "$tmp/s/script.json" --consent-file "$tmp/s/consent.json"

# A camera that is not there: exit 2, named, and nothing created.
sed 's#"test:ball"#"/dev/video42"#' "$tmp/s/script.json" >"$tmp/s/nocam.json"
expect 2 "camera 'front': '/dev/video42' does not exist" -- record "$tmp/s/nocam.json" \
  --archive "$tmp/archive" --auto --consent-file "$tmp/s/consent.json"
n=$((n + 1))
if [ -e "$tmp/archive" ]; then fail "archive created for a missing camera"; else echo "ok $n - no archive for a missing camera"; fi

# A microphone that is not there: exit 2, named.
sed 's#"test:sine"#"hw:CARD=NoSuchCard,DEV=0"#' "$tmp/s/script.json" >"$tmp/s/nomic.json"
expect 2 "microphone 'hw:CARD=NoSuchCard,DEV=0'" -- record "$tmp/s/nomic.json" \
  --archive "$tmp/archive" --auto --consent-file "$tmp/s/consent.json"
n=$((n + 1))
if [ -e "$tmp/archive" ]; then fail "archive created for a missing microphone"; else echo "ok $n - no archive for a missing microphone"; fi

# An ALSA file PCM reading a plain file has no clock: refused before the
# session opens, with the way out.
mkdir -p "$tmp/xdg/alsa"
head -c 960000 /dev/zero >"$tmp/plain.raw"
cat >"$tmp/xdg/alsa/asoundrc" <<EOF
pcm.plainfile {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "$tmp/plain.raw"
  format "raw"
}
EOF
sed 's#"test:sine"#"plainfile"#' "$tmp/s/script.json" >"$tmp/s/fastmic.json"
XDG_CONFIG_HOME="$tmp/xdg" expect 2 "delivers sound faster than real time" -- record "$tmp/s/fastmic.json" \
  --archive "$tmp/archive" --auto --consent-file "$tmp/s/consent.json"
n=$((n + 1))
if [ -e "$tmp/archive" ]; then fail "archive created for a clockless microphone"; else echo "ok $n - no archive for a clockless microphone"; fi

# Record once; a second time is refused and changes nothing.
expect 0 "3 takes recorded" -- record "$tmp/s/script.json" --archive "$tmp/archive" \
  --auto --consent-file "$tmp/s/consent.json"
sum1=$(cat "$tmp/archive/sessions/cli-test/journal.jsonl" | sha256sum)
expect 3 "session 'cli-test' already exists" -- record "$tmp/s/script.json" \
  --archive "$tmp/archive" --auto --consent-file "$tmp/s/consent.json"
sum2=$(cat "$tmp/archive/sessions/cli-test/journal.jsonl" | sha256sum)
n=$((n + 1))
if [ "$sum1" = "$sum2" ]; then echo "ok $n - existing session untouched"; else fail "existing session changed"; fi
expect 0 "chain and signatures intact" -- verify cli-test --archive "$tmp/archive"

# Archive permissions: folders 0700, files 0600.
n=$((n + 1))
bad=$(find "$tmp/archive" \( -type d ! -perm 0700 \) -o \( -type f ! -perm 0600 \) | head -n 3)
if [ -z "$bad" ]; then echo "ok $n - archive is private"; else fail "not private: $bad"; fi

echo "1..$n"
[ "$failures" -eq 0 ]
