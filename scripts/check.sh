#!/bin/bash
# make check: everything a submission must pass, ending with the line
# "N passed, N failed, N skipped".
#
# Steps, each logged to $XR_OUT/check/<step>.log:
#   series      patches/ applies to the pristine base, and agrees with the tree
#   checkpatch  scripts/checkpatch.pl --strict on every patch
#   fixes-tags  every Fixes: id and subject is a checked upstream commit
#   identity    every patch authored and signed off by the project identity
#   threat-tests  every test the threat-model table cites exists
#   bisect      every patch builds drivers/xen/ on its own (W=1)
#   warnings    W=1 and sparse C=2 on drivers/xen/: nothing new against base
#   lab-kernel  the lab kernel builds from the series tree
#   oot         the four drivers build out of tree for the stock kernel
#   lab-stock   the lab on the stock kernel + out-of-tree drivers
#   lab-lab     the lab on the lab kernel (KUnit included)
#   lab-kernel-debug  the lab kernel with KASAN, UBSAN, lockdep, KFENCE,
#               kmemleak and atomic-sleep checks (lab/kernel-debug.config)
#   lab-debug   the lab on it; any report of those detectors fails it
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
XR_TREE=${XR_TREE:-$TOP/linux}
export XR_TREE
C=$XR_OUT/check
rm -rf "$C"
mkdir -p "$C"
PASS=0 FAIL=0 SKIP=0
FAILED=()
T0=$(date +%s)
export CCACHE_DIR=${CCACHE_DIR:-$XR_CACHE/ccache}
CCW="ccache gcc"

ok() { PASS=$((PASS + 1)); printf 'ok    %-44s %s\n' "$1" "${2:-}"; }
bad() {
	FAIL=$((FAIL + 1))
	FAILED+=("$1 ${2:-}")
	printf 'FAIL  %-44s %s\n' "$1" "${2:-}"
}
elapsed() { echo "$(($(date +%s) - T0))s"; }

# step NAME CMD...: run a step with its output in $C/NAME.log.
step() {
	local name=$1
	shift
	log "check: $name"
	if "$@" >"$C/$name.log" 2>&1; then
		ok "$name" "($(elapsed))"
		return 0
	fi
	bad "$name" "see $C/$name.log"
	tail -15 "$C/$name.log" | sed 's/^/      | /'
	return 1
}

finish() {
	echo
	echo "make check took $(elapsed); logs in $C"
	[ ! -f "$XR_OUT/versions.txt" ] || cat "$XR_OUT/versions.txt"
	# Repeat what failed here, so that the last lines of the output say it.
	if [ ${#FAILED[@]} != 0 ]; then
		echo "what failed:"
		printf '  %s\n' "${FAILED[@]}"
	fi
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
	[ $FAIL = 0 ]
	exit
}

step fetch "$TOP/scripts/deps.sh" fetch || finish
# Say so when the archive made a group move past deps.lock.
grep '^notice:' "$C/fetch.log" | sed 's/^/      | /' || true

# The series: it applies to the pristine base, and the tree agrees with it.
# A tree on another base than deps.lock resolves to is rebuilt (tree.sh
# refuses if that would lose commits that are not in patches/).
load_versions
if [ "$("$TOP/scripts/tree.sh" base)" != "$KSRC_VER" ]; then
	step tree "$TOP/scripts/tree.sh" tree || finish
fi
step series "$TOP/scripts/tree.sh" verify || finish

patches=$(ls "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch | grep -v 0000-cover-letter)
n=$(echo "$patches" | wc -l)

# checkpatch --strict on every patch, with no type ignored, from inside the
# tree so that it also runs spdxcheck (with Debian's python3, which has
# python3-ply).  One warning cannot be cleared in this tree: checkpatch
# looks up the commit of each Fixes: tag in the tree's history, and the
# base is Debian's source tarball, which has no upstream history, so it
# calls every upstream id unknown (UNKNOWN_COMMIT_ID).  Such a warning is
# accepted only for an id that scripts/upstream-commits.txt records as
# checked against a public source, and only if checkpatch reports nothing
# else: the tag's form is still checked (BAD_FIXES_TAG), and the ids and
# subjects themselves by the fixes-tags step below.
checkpatch_ok() {
	local l=$1 id n
	grep -q 'has no obvious style problems' "$l" && return 0
	grep -q '^total: 0 errors, [1-9][0-9]* warnings, 0 checks' "$l" ||
		return 1
	n=$(sed -nE 's/^total: 0 errors, ([0-9]+) warnings.*/\1/p' "$l")
	[ "$(grep -c '^WARNING:UNKNOWN_COMMIT_ID:' "$l")" = "$n" ] || return 1
	for id in $(sed -nE "s/^WARNING:UNKNOWN_COMMIT_ID: Unknown commit id '([0-9a-f]+)'.*/\1/p" "$l"); do
		grep -v '^#' "$TOP/scripts/upstream-commits.txt" |
			grep -q "^$id (" || return 1
	done
}
for p in $patches; do
	l=$C/checkpatch-$(basename "$p").log
	name="checkpatch $(basename "$p" .patch | cut -c1-34)"
	(cd "$XR_TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--show-types "$p") >"$l" 2>&1
	if checkpatch_ok "$l"; then
		ok "$name"
	else
		bad "$name" "see $l"
		grep -E '^(ERROR|WARNING|CHECK)|Traceback|Error' "$l" | head -5 | sed 's/^/      | /'
	fi
done

# Every Fixes: tag names an upstream commit checked against a public source
# (scripts/upstream-commits.txt), id and subject exactly: the check that
# checkpatch's UNKNOWN_COMMIT_ID cannot make here.
fixes_known() {
	local line bad=0
	while IFS= read -r line; do
		if ! cut -f1 "$TOP/scripts/upstream-commits.txt" | grep -v '^#' |
			grep -qxF "${line#Fixes: }"; then
			echo "not in scripts/upstream-commits.txt: $line"
			bad=1
		fi
	done < <(grep -h '^Fixes:' $patches)
	return $bad
}
step fixes-tags fixes_known

# Every patch is authored and signed off by the project's one identity,
# and by no one else.
identity() {
	local id="$XR_NAME <$XR_EMAIL>" p b bad=0
	for p in $patches; do
		b=$(basename "$p")
		grep -qxF "From: $id" "$p" || { echo "$b: not authored by $id"; bad=1; }
		grep -qxF "Signed-off-by: $id" "$p" || { echo "$b: not signed off by $id"; bad=1; }
		if grep '^Signed-off-by:' "$p" | grep -qvxF "Signed-off-by: $id"; then
			echo "$b: signed off by someone else too"
			bad=1
		fi
	done
	[ $bad = 0 ] && echo "$n patches: authored and signed off by $id"
}
step identity identity
step threat-tests python3 "$TOP/scripts/threat-tests.py" "$XR_TREE"

# Every patch builds on its own, and the series adds no W=1 or sparse
# warnings to drivers/xen/ over the pristine base.
bisect_build() {
	local wt=$XR_OUT/bisect-tree o=$XR_OUT/bisect-build i=0 c
	git -C "$XR_TREE" worktree remove --force "$wt" 2>/dev/null
	rm -rf "$wt"
	git -C "$XR_TREE" worktree prune
	git -C "$XR_TREE" worktree add -q --detach "$wt" base || return 1
	mkdir -p "$o"
	make -s -C "$wt" O="$o" tinyconfig >/dev/null &&
		"$wt"/scripts/kconfig/merge_config.sh -m -O "$o" "$o/.config" \
			"$TOP/lab/kernel.config" >/dev/null &&
		make -s -C "$wt" O="$o" olddefconfig &&
		make -s -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" prepare || return 1
	# Baseline warnings of the pristine base.
	touch "$wt"/drivers/xen/*.c
	make -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" W=1 C=2 drivers/xen/ \
		>"$C/warnings-base.raw" 2>&1 || return 1
	for c in $(git -C "$XR_TREE" rev-list --reverse base..HEAD); do
		i=$((i + 1))
		git -C "$wt" checkout -q --detach "$c" || return 1
		echo "== patch $i/$n: $(git -C "$wt" log -1 --format=%s)"
		make -s -C "$wt" O="$o" olddefconfig &&
			make -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" W=1 drivers/xen/ \
				>"$C/bisect-$i.raw" 2>&1 || {
			tail -20 "$C/bisect-$i.raw"
			echo "patch $i does not build"
			return 1
		}
	done
	touch "$wt"/drivers/xen/*.c
	make -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" W=1 C=2 drivers/xen/ \
		>"$C/warnings-series.raw" 2>&1 || return 1
}

# "file: message" for each warning, without line numbers, so that moved
# lines do not count as new warnings.
norm_warnings() {
	sed -n -E 's#^.*(drivers/xen/[^:]*):[0-9]+:([0-9]+:)? (warning|error): (.*)$#\1: \3: \4#p' "$1" |
		sort -u
}

new_warnings() {
	norm_warnings "$C/warnings-base.raw" >"$C/warnings-base.txt"
	norm_warnings "$C/warnings-series.raw" >"$C/warnings-series.txt"
	comm -13 "$C/warnings-base.txt" "$C/warnings-series.txt" >"$C/warnings-new.txt"
	echo "base: $(wc -l <"$C/warnings-base.txt") warnings; series: $(wc -l <"$C/warnings-series.txt")"
	if [ -s "$C/warnings-new.txt" ]; then
		echo "new warnings from W=1 / sparse C=2:"
		cat "$C/warnings-new.txt"
		return 1
	fi
}

if step bisect bisect_build; then
	step warnings new_warnings
fi

step lab-kernel "$TOP/scripts/lab-kernel.sh"

oot_build() {
	"$TOP/scripts/oot.sh" W=1 C=2 >"$C/oot.raw" 2>&1 || {
		cat "$C/oot.raw"
		return 1
	}
	cat "$C/oot.raw"
	# Out-of-tree paths are the staging directory; name them drivers/xen/.
	sed -E "s#$XR_OUT/oot/#drivers/xen/#" "$C/oot.raw" >"$C/oot-norm.raw"
	norm_warnings "$C/oot-norm.raw" | comm -13 "$C/warnings-base.txt" - >"$C/oot-new.txt"
	if [ -s "$C/oot-new.txt" ]; then
		echo "new warnings in the out-of-tree build:"
		cat "$C/oot-new.txt"
		return 1
	fi
}
step oot oot_build

# The KUnit suites of the series' pure decisions (the pin, privcmd's
# allowlists), which need no hypervisor, the kernel's way: kunit.py builds
# a small x86_64 kernel from drivers/xen/.kunitconfig and boots it under
# QEMU.
kunit_run() {
	(cd "$XR_TREE" && python3 tools/testing/kunit/kunit.py run \
		--arch=x86_64 --kunitconfig=drivers/xen \
		--build_dir="$XR_OUT/kunit" --jobs="$(nproc)" --timeout=900 \
		--make_options "CC=$CCW")
}
# Each KUnit case passed counts, as each kselftest case does.
if step kunit kunit_run; then
	grep -h 'Testing complete' "$C/kunit.log" | sed 's/^/      /'
	kp=$(sed -nE 's/.*Testing complete\. Ran [0-9]+ tests: passed: ([0-9]+).*/\1/p' \
		"$C/kunit.log" | tail -1)
	PASS=$((PASS + ${kp:-0}))
fi

# The lab, on both dom0 kernels.  Each run's own tests are counted.
lab_run() {
	local k=$1 s
	if KERNEL=$k LAB_MODE=tests RUN= HVM=1 "$TOP/lab/run.sh" >"$C/lab-$k.log" 2>&1; then
		:
	fi
	cat "$C/lab-$k.log"
	s=$XR_OUT/lab-$k/summary
	if [ -f "$s" ]; then
		read -r p f sk <"$s"
		PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + sk))
		while IFS= read -r l; do
			FAILED+=("lab-$k: $l")
		done < <(cat "$XR_OUT/lab-$k/failures" 2>/dev/null)
		[ "$f" = 0 ] && [ "$p" -gt 0 ] && return 0
		return 1
	fi
	bad "lab-$k" "the lab did not produce results; see $C/lab-$k.log"
	# Why, in the summary too: the error, and the first crash or hang
	# report in the console.
	while IFS= read -r l; do
		FAILED+=("lab-$k: $l")
	done < <({
		grep -m2 '^error:' "$C/lab-$k.log"
		grep -m6 -E 'Kernel panic|BUG:|Oops|general protection|WARNING:|\(XEN\) (Panic|\*\*\*)|blocked for more than|XR-LAB-FATAL' \
			"$XR_OUT/lab-$k/console.log"
	} 2>/dev/null | cut -c1-200)
	return 1
}
log "check: lab on the stock kernel"
lab_run stock
log "check: lab on the lab kernel"
lab_run lab

if step lab-kernel-debug env VARIANT=debug "$TOP/scripts/lab-kernel.sh"; then
	log "check: lab on the debug kernel"
	lab_run debug
fi

finish
