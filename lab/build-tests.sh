#!/bin/bash
# Build the series' kselftests, the lab's demonstration and its benchmark
# into a lab share.
#
#   lab/build-tests.sh SHARE_DIR
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
SHARE=$1
ST=$XR_OUT/selftests-$SERIES

[ -d "$XR_TREE/tools/testing/selftests/xen" ] ||
	die "no tools/testing/selftests/xen in $XR_TREE; run 'make tree'"
rm -rf "$ST" "$SHARE/kselftest"
mkdir -p "$ST" "$SHARE/kselftest" "$SHARE/bin"
# The kselftest way: the selftests' install target (what
# kselftest_install.sh runs, for the xen target only) builds them and
# installs them with run_kselftest.sh and kselftest-list.txt.
CFLAGS=-Werror make -C "$XR_TREE/tools/testing/selftests" TARGETS=xen O="$ST" \
	KSFT_INSTALL_PATH="$SHARE/kselftest" install
grep -q '^xen:' "$SHARE/kselftest/kselftest-list.txt" ||
	die "no xen selftests were installed"
gcc -Wall -Werror -O2 -I"$XR_TREE/tools/testing/selftests/xen" \
	-o "$SHARE/bin/xr-demo" "$TOP/lab/xr-demo.c"
gcc -Wall -Werror -O2 -I"$XR_TREE/tools/testing/selftests/xen" \
	-o "$SHARE/bin/xr-bench" "$TOP/lab/xr-bench.c"
gcc -Wall -Werror -O2 -I"$XR_TREE/tools/testing/selftests/xen" \
	-o "$SHARE/bin/xr-fishfds" "$TOP/lab/xr-fishfds.c"
gcc -Wall -Werror -O2 -pthread -o "$SHARE/bin/xr-fpucheck" "$TOP/lab/xr-fpucheck.c"
