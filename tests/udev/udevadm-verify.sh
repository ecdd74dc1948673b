#!/bin/sh
# Has the installed udev check the rules too, where it can: `udevadm
# verify` came with systemd 253, so on Debian 12 (252) this test is
# skipped (exit 77) and udev-rules-check stands in.
#
# usage: udevadm-verify.sh RULES...

if ! command -v udevadm >/dev/null 2>&1; then
  echo "no udevadm on this machine"
  exit 77
fi
if ! udevadm verify --help >/dev/null 2>&1; then
  echo "udevadm $(udevadm --version) has no 'verify' command (systemd 253 or later)"
  exit 77
fi
# Group names are resolved on the target machine, not here.
exec udevadm verify --resolve-names=never "$@"
