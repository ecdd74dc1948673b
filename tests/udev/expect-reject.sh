#!/bin/sh
# Runs the rules checker on every file in a folder of rules it must reject.
# Each file's first "# expect: LINE: MESSAGE" comment says where and how:
# the checker must exit 1 and print, on stderr, a line that starts with
# "FILE:LINE: " and contains MESSAGE.
#
# usage: expect-reject.sh CHECKER FOLDER

checker=$1
folder=$2
failed=0
count=0

for file in "$folder"/*.rules; do
  [ -e "$file" ] || continue
  count=$((count + 1))
  expect=$(sed -n 's/^# expect: //p' "$file" | head -n 1)
  if [ -z "$expect" ]; then
    echo "FAIL $file: no '# expect: LINE: MESSAGE' comment"
    failed=1
    continue
  fi
  line=${expect%%: *}
  message=${expect#*: }

  errors=$("$checker" "$file" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -ne 1 ]; then
    echo "FAIL $file: exit status $status, expected 1"
    printf '%s\n' "$errors" | sed 's/^/    /'
    failed=1
    continue
  fi
  if printf '%s\n' "$errors" | grep -F "$file:$line: " | grep -qF -- "$message"; then
    echo "ok   $file:$line: $message"
  else
    echo "FAIL $file: expected an error at line $line containing '$message', got:"
    printf '%s\n' "$errors" | sed 's/^/    /'
    failed=1
  fi
done

if [ "$count" -eq 0 ]; then
  echo "FAIL no rules files in $folder"
  exit 1
fi
echo "$count files checked"
exit $failed
