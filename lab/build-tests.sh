#!/bin/bash
# Build the series' kselftests, the lab's demonstration and its benchmark
# into a lab share.
#
#   lab/build-tests.sh SHARE_DIR
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
XR_TREE=${XR_TREE:-$TOP/linux}
SHARE=$1
ST=$XR_OUT/selftests

[ -d "$XR_TREE/tools/testing/selftests/xen" ] ||
	die "no tools/testing/selftests/xen in $XR_TREE; run 'make tree'"
rm -rf "$ST"
mkdir -p "$ST" "$SHARE/selftests" "$SHARE/bin"
CFLAGS=-Werror make -C "$XR_TREE/tools/testing/selftests" TARGETS=xen O="$ST" \
	all
for t in "$ST"/kselftest/xen/*; do
	[ -x "$t" ] && [ -f "$t" ] && cp "$t" "$SHARE/selftests/"
done
ls "$SHARE"/selftests/* >/dev/null || die "no selftest binaries were built"
gcc -Wall -Werror -O2 -I"$XR_TREE/tools/testing/selftests/xen" \
	-o "$SHARE/bin/xr-demo" "$TOP/lab/xr-demo.c"
gcc -Wall -Werror -O2 -I"$XR_TREE/tools/testing/selftests/xen" \
	-o "$SHARE/bin/xr-bench" "$TOP/lab/xr-bench.c"
gcc -Wall -Werror -O2 -I"$XR_TREE/tools/testing/selftests/xen" \
	-o "$SHARE/bin/xr-fishfds" "$TOP/lab/xr-fishfds.c"
