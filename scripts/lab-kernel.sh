#!/bin/bash
# Build the lab's dom0 kernel from a series tree (SERIES=7.3, the default,
# or 6.12): tinyconfig plus
# lab/kernel.config, with the series' drivers and KUnit suites as modules.
#
#   scripts/lab-kernel.sh [make flags...]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
# VARIANT=debug builds the debug variant into its own directory, from
# lab/kernel.config plus lab/kernel-debug.config.
VARIANT=${VARIANT:-}
O=$XR_OUT/lab-kernel-$SERIES${VARIANT:+-$VARIANT}
export CCACHE_DIR=${CCACHE_DIR:-$XR_CACHE/ccache}
CC="ccache gcc"
command -v ccache >/dev/null || CC=gcc

[ -f "$XR_TREE/Makefile" ] || die "no tree at $XR_TREE; run 'make tree' first"
mkdir -p "$O"
frag=$TOP/lab/kernel.config
if [ -n "$VARIANT" ]; then
	mkdir -p "$O"
	cat "$frag" "$TOP/lab/kernel-$VARIANT.config" >"$O/fragment.config"
	frag=$O/fragment.config
fi
if [ ! -f "$O/.config" ] || ! cmp -s "$frag" "$O/.config.fragment"; then
	make -s -C "$XR_TREE" O="$O" tinyconfig >/dev/null
	"$XR_TREE"/scripts/kconfig/merge_config.sh -m -O "$O" "$O/.config" "$frag" >/dev/null
	cp "$frag" "$O/.config.fragment"
fi
make -s -C "$XR_TREE" O="$O" olddefconfig
# Every option the fragment asks for must have survived olddefconfig.
grep -o '^CONFIG_[A-Za-z0-9_]*=.*' "$frag" | while read -r line; do
	grep -qxF "$line" "$O/.config" ||
		die "lab/kernel.config: $line did not take (unmet dependency?)"
done
log "building the lab kernel in $O (log: $O/build.log)"
make -C "$XR_TREE" O="$O" -j"$(nproc)" CC="$CC" "$@" bzImage modules \
	>"$O/build.log" 2>&1 || {
	tail -30 "$O/build.log" >&2
	die "lab kernel build failed; see $O/build.log"
}
