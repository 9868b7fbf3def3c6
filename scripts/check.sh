#!/bin/bash
# make check: everything a submission must pass, ending with the line
# "N passed, N failed, N skipped".  make check-all (CHECK=all) runs the
# full matrix.
#
# For each series, 7.3 (upstream) and 6.12 (its backport), steps named
# "<series> <step>", each logged to $XR_OUT/check/<series>-<step>.log:
#   series      patches/<series> applies to the pristine base, and agrees
#               with the tree
#   checkpatch  the base's scripts/checkpatch.pl --strict on every patch
#   fixes-tags  every Fixes: id and subject is a checked upstream commit
#   identity    every patch authored and signed off by the project identity
#   threat-tests  every test the threat-model table cites exists
#   bisect      every patch builds drivers/xen/ on its own (W=1)
#   warnings    W=1 and sparse C=2 on drivers/xen/: nothing new against base
#   oot         the drivers build out of tree for the series' stock kernel
#   lab-stock   the lab on that stock kernel + the out-of-tree drivers
# and, for 7.3 (for both series with CHECK=all):
#   lab-kernel  the lab kernel builds from the series tree
#   lab-lab     the lab on the lab kernel
#   kunit       the KUnit suites, by kunit.py
# and, with CHECK=all, for both series:
#   lab-kernel-debug  the lab kernel with UBSAN, lockdep, KFENCE,
#               kmemleak and atomic-sleep checks (lab/kernel-debug.config)
#   lab-debug   the lab on it; any report of those detectors fails it
# and once:
#   backport    the two series are the same patches, in the same order
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
CHECK=${CHECK:-}
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

# The static checks of one series: it applies to its pristine base, the tree
# agrees with it, and every patch passes checkpatch and builds on its own.
# A tree on another base than deps.lock resolves to is rebuilt (tree.sh
# refuses if that would lose commits that are not in patches/).
#
# checkpatch --strict on every patch, with no type ignored, from inside the
# tree, with the base's own checkpatch, so that it also runs spdxcheck
# (with Debian's python3, which has python3-ply).  One warning cannot be
# cleared in these trees: checkpatch looks up the commit of each Fixes: tag
# in the tree's history, and a base is Debian's source tarball, which has
# no upstream history, so it calls every upstream id unknown
# (UNKNOWN_COMMIT_ID).  Such a warning is accepted only for an id that
# scripts/upstream-commits.txt records as checked against a public source,
# and only if checkpatch reports nothing else: the tag's form is still
# checked (BAD_FIXES_TAG), and the ids and subjects themselves by the
# fixes-tags step below.
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

# Every patch builds on its own, and the series adds no W=1 or sparse
# warnings to drivers/xen/, or to any other C file it touches (x86/xen's
# mmu_pv.c in 7.3), over the pristine base.
bisect_build() {
	local wt=$XR_OUT/bisect-tree-$SERIES o=$XR_OUT/bisect-build-$SERIES i=0 c
	local objs
	objs="drivers/xen/ $(git -C "$XR_TREE" diff --name-only base HEAD -- '*.c' |
		grep -v -e '^drivers/xen/' -e '^tools/' | sed 's/\.c$/.o/' | tr '\n' ' ')"
	echo "built by each patch: $objs"
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
	touch $(for f in $objs; do [ "$f" = drivers/xen/ ] || echo "$wt/${f%.o}.c"; done) /dev/null
	make -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" W=1 C=2 $objs \
		>"$C/$SERIES-warnings-base.raw" 2>&1 || return 1
	for c in $(git -C "$XR_TREE" rev-list --reverse base..HEAD); do
		i=$((i + 1))
		git -C "$wt" checkout -q --detach "$c" || return 1
		echo "== patch $i/$n: $(git -C "$wt" log -1 --format=%s)"
		make -s -C "$wt" O="$o" olddefconfig &&
			make -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" W=1 $objs \
				>"$C/$SERIES-bisect-$i.raw" 2>&1 || {
			tail -20 "$C/$SERIES-bisect-$i.raw"
			echo "patch $i does not build"
			return 1
		}
	done
	touch "$wt"/drivers/xen/*.c
	touch $(for f in $objs; do [ "$f" = drivers/xen/ ] || echo "$wt/${f%.o}.c"; done) /dev/null
	make -C "$wt" O="$o" -j"$(nproc)" CC="$CCW" W=1 C=2 $objs \
		>"$C/$SERIES-warnings-series.raw" 2>&1 || return 1
}

# "file: message" for each warning, without line numbers, so that moved
# lines do not count as new warnings.
norm_warnings() {
	sed -n -E 's#^.*((drivers/xen|arch/x86/xen)/[^:]*):[0-9]+:([0-9]+:)? (warning|error): (.*)$#\1: \4: \5#p' "$1" |
		sort -u
}

new_warnings() {
	local w=$C/$SERIES-warnings
	norm_warnings "$w-base.raw" >"$w-base.txt"
	norm_warnings "$w-series.raw" >"$w-series.txt"
	comm -13 "$w-base.txt" "$w-series.txt" >"$w-new.txt"
	echo "base: $(wc -l <"$w-base.txt") warnings; series: $(wc -l <"$w-series.txt")"
	if [ -s "$w-new.txt" ]; then
		echo "new warnings from W=1 / sparse C=2:"
		cat "$w-new.txt"
		return 1
	fi
}

oot_build() {
	local raw=$C/$SERIES-oot.raw
	"$TOP/scripts/oot.sh" W=1 C=2 >"$raw" 2>&1 || {
		cat "$raw"
		return 1
	}
	cat "$raw"
	# Out-of-tree paths are the staging directory; name them drivers/xen/.
	sed -E "s#$XR_OUT/oot-$SERIES/#drivers/xen/#" "$raw" >"$C/$SERIES-oot-norm.raw"
	norm_warnings "$C/$SERIES-oot-norm.raw" |
		comm -13 "$C/$SERIES-warnings-base.txt" - >"$C/$SERIES-oot-new.txt"
	if [ -s "$C/$SERIES-oot-new.txt" ]; then
		echo "new warnings in the out-of-tree build:"
		cat "$C/$SERIES-oot-new.txt"
		return 1
	fi
}

# The KUnit suites of the series' pure decisions (the pin, privcmd's
# allowlists), which need no hypervisor, the kernel's way: kunit.py builds
# a small x86_64 kernel from drivers/xen/.kunitconfig and boots it under
# QEMU.
#
# 7.3's kunit.py asks QEMU for KVM first.  Where /dev/kvm exists but KVM
# does not work (this machine, nested), QEMU takes it and the kernel
# never prints a line, so hide /dev/kvm in a mount namespace of its own:
# QEMU then falls back to TCG, as 6.12's kunit.py always used.
kunit_run() {
	local run=()
	[ ! -e /dev/kvm ] ||
		run=(unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh)
	(cd "$XR_TREE" && "${run[@]}" python3 tools/testing/kunit/kunit.py run \
		--arch=x86_64 --kunitconfig=drivers/xen \
		--build_dir="$XR_OUT/kunit-$SERIES" --jobs="$(nproc)" --timeout=900 \
		--make_options "CC=$CCW")
}

# The lab on one dom0 kernel of the series.  Each run's own tests are
# counted.
lab_run() {
	local k=$1 s w=$XR_OUT/lab-$SERIES-$1 l=$C/$SERIES-lab-$1.log
	if KERNEL=$k LAB_MODE=tests RUN= HVM=1 "$TOP/lab/run.sh" >"$l" 2>&1; then
		:
	fi
	cat "$l"
	s=$w/summary
	if [ -f "$s" ]; then
		read -r p f sk <"$s"
		PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + sk))
		while IFS= read -r x; do
			FAILED+=("$SERIES lab-$k: $x")
		done < <(cat "$w/failures" 2>/dev/null)
		[ "$f" = 0 ] && [ "$p" -gt 0 ] && return 0
		return 1
	fi
	bad "$SERIES lab-$k" "the lab did not produce results; see $l"
	# Why, in the summary too: the error, and the first crash or hang
	# report in the console.
	while IFS= read -r x; do
		FAILED+=("$SERIES lab-$k: $x")
	done < <({
		grep -m2 '^error:' "$l"
		grep -m6 -E 'Kernel panic|BUG:|Oops|general protection|WARNING:|\(XEN\) (Panic|\*\*\*)|blocked for more than|XR-LAB-FATAL' \
			"$w/console.log"
	} 2>/dev/null | cut -c1-200)
	return 1
}

# check_series SERIES LEVEL: the checks of one series; LEVEL 1 adds its lab
# kernel and KUnit, LEVEL 2 the debug kernel too.
check_series() {
	SERIES=$1
	local full=$2
	XR_TREE=$TOP/linux-$SERIES
	PATCHES=$TOP/patches/$SERIES
	export SERIES XR_TREE PATCHES
	load_versions
	if [ "$("$TOP/scripts/tree.sh" base)" != "$KSRC_VER" ]; then
		step "$SERIES-tree" "$TOP/scripts/tree.sh" tree || return 1
	fi
	step "$SERIES-series" "$TOP/scripts/tree.sh" verify || return 1

	patches=$(ls "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch | grep -v 0000-cover-letter)
	n=$(echo "$patches" | wc -l)
	local p l name
	for p in $patches; do
		l=$C/$SERIES-checkpatch-$(basename "$p").log
		name="$SERIES checkpatch $(basename "$p" .patch | cut -c1-34)"
		(cd "$XR_TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
			--show-types "$p") >"$l" 2>&1
		if checkpatch_ok "$l"; then
			ok "$name"
		else
			bad "$name" "see $l"
			grep -E '^(ERROR|WARNING|CHECK)|Traceback|Error' "$l" | head -5 | sed 's/^/      | /'
		fi
	done
	step "$SERIES-fixes-tags" fixes_known
	step "$SERIES-identity" identity
	step "$SERIES-threat-tests" python3 "$TOP/scripts/threat-tests.py" "$XR_TREE"
	if step "$SERIES-bisect" bisect_build; then
		step "$SERIES-warnings" new_warnings
	fi
	step "$SERIES-oot" oot_build
	log "check: $SERIES lab on the stock kernel"
	lab_run stock
	[ "$full" -ge 1 ] || return 0

	if step "$SERIES-lab-kernel" "$TOP/scripts/lab-kernel.sh"; then
		log "check: $SERIES lab on the lab kernel"
		lab_run lab
	fi
	# Each KUnit case passed counts, as each kselftest case does.
	if step "$SERIES-kunit" kunit_run; then
		grep -h 'Testing complete' "$C/$SERIES-kunit.log" | sed 's/^/      /'
		kp=$(sed -nE 's/.*Testing complete\. Ran [0-9]+ tests: passed: ([0-9]+).*/\1/p' \
			"$C/$SERIES-kunit.log" | tail -1)
		PASS=$((PASS + ${kp:-0}))
	fi
	[ "$full" -ge 2 ] || return 0
	if step "$SERIES-lab-kernel-debug" env VARIANT=debug "$TOP/scripts/lab-kernel.sh"; then
		log "check: $SERIES lab on the debug kernel"
		lab_run debug
	fi
}

# The two series are one: the same patches in the same order, the 6.12
# one a backport of the 7.3 one.  What may differ between them is listed
# in patches/6.12/0000-cover-letter.patch: a 7.3 patch may be left out
# of the backport only if that cover letter names its subject, in double
# quotes, as not backported.
same_series() {
	subjects 7.3 >"$C/subjects-7.3.txt"
	subjects 6.12 >"$C/subjects-6.12.txt"
	python3 - "$C/subjects-7.3.txt" "$C/subjects-6.12.txt" \
		"$TOP/patches/6.12/0000-cover-letter.patch" <<'PY'
import re, sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
cover = " ".join(open(sys.argv[3]).read().split())
said = set(re.findall(r'[Nn]ot backported[^"]*((?:"[^"]+"[ ,;and]*)+)', cover))
named = set()
for group in said:
    named.update(re.findall(r'"([^"]+)"', group))
left_out = [s for s in a if s not in b]
kept = [s for s in a if s in b]
bad = False
if kept != b:
    print("the 6.12 series is not the 7.3 series in the same order, less"
          " what it leaves out:")
    for s in b:
        if s not in a:
            print("  only in 6.12:", s)
    bad = True
for s in left_out:
    if s not in named:
        print("left out of the 6.12 series, and not named as not backported"
              " in its cover letter:", s)
        bad = True
for s in sorted(named - set(left_out)):
    print("named as not backported, but not left out:", s)
    bad = True
if bad:
    sys.exit(1)
print(f"{len(b)} patches, the same subjects in the same order;"
      f" {len(left_out)} 7.3 patch(es) not backported, each named in the"
      " 6.12 cover letter")
PY
}
# subjects SERIES: each patch's subject, unfolded, without its [PATCH ...].
subjects() {
	local p
	for p in $(ls "$TOP/patches/$1"/[0-9][0-9][0-9][0-9]-*.patch | grep -v 0000-cover-letter); do
		awk '/^Subject:/ { s = $0; f = 1; next }
			f && /^[ \t]/ { s = s $0; next }
			f { print s; exit }' "$p" | sed -E 's/^Subject: \[[^]]*\] *//; s/[ \t]+/ /g'
	done
}
step backport same_series

# make check: the upstream series on its stock and lab kernels with KUnit,
# and the backport on its stock kernel, which fits CI's 90 minutes on two
# cores from empty caches; make check-all: both with every kernel.
if [ "$CHECK" = all ]; then
	check_series 7.3 2
	check_series 6.12 2
else
	check_series 7.3 1
	check_series 6.12 0
fi

finish
