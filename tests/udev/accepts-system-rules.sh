#!/bin/sh
# The checker models udev 252, so on a machine with udev 252 every rules
# file udev itself ships must pass it: a check of the checker against
# real, varied rules.  Skipped (exit 77) on other udev versions.
#
# usage: accepts-system-rules.sh CHECKER

checker=$1

version=$(udevadm --version 2>/dev/null)
if [ "$version" != 252 ]; then
  echo "udev ${version:-not installed}, not 252: skipped"
  exit 77
fi
for dir in /usr/lib/udev/rules.d /lib/udev/rules.d; do
  [ -d "$dir" ] && break
done
set -- "$dir"/*.rules
if [ ! -e "$1" ]; then
  echo "no rules in $dir: skipped"
  exit 77
fi
exec "$checker" "$@"
