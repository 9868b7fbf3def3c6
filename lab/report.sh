#!/bin/bash
# Turn one lab run's results into a table and a summary line.
#
#   lab/report.sh RUN_DIR [SECONDS]
#
# Reads RUN_DIR/share/results: kselftest-*.tap (kselftest harness TAP),
# lab-*.tap (the lab's own checks, e.g. the HVM guest's) and user.rc.
# (KUnit runs under kunit.py in make check, not in the lab.)  The demonstration
# (demo.log, demo.rc) is shown under the table, not counted.  Writes
# RUN_DIR/summary as "passed failed skipped" and exits non-zero when
# anything failed or nothing ran.
set -euo pipefail

W=$1
secs=${2:-}
R=$W/share/results
P=0 F=0 S=0
rows=()
fails=()

add() {
	# name pass fail skip note
	rows+=("$(printf '%-38s %5s %5s %5s  %s' "$1" "$2" "$3" "$4" "${5:-}")")
	[ "$3" = 0 ] || fails+=("$1${5:+: $5}")
	P=$((P + $2)) F=$((F + $3)) S=$((S + $4))
}

# TAP with top-level "ok N name" / "not ok N name [# SKIP ...]": the
# kselftest harness's, and the lab's own checks (lab-*.tap).
tap_rows() {
	local t=$1 label=$2 rcf=$3 p s f rc note planned l
	p=$(grep -cE '^ok [0-9]+ ' "$t" | head -1) || true
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$t") || true
	f=$(grep -cE '^not ok [0-9]+ ' "$t") || true
	p=$((p - s))
	rc=$(cat "$rcf" 2>/dev/null || echo missing)
	note=""
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$t" | head -1)
	if [ -z "$planned" ]; then
		f=$((f + 1))
		note="no TAP plan (crashed?)"
	elif [ $((p + s + f)) != "$planned" ]; then
		f=$((f + planned - p - s - f))
		note="plan $planned, reported $((p + s + f))"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$f" = 0 ]; then
		f=1
		note="exit status $rc"
	fi
	add "$label" $p $f $s "$note"
	while read -r l; do
		fails+=("  $l")
	done < <(grep -E '^not ok [0-9]+ ' "$t" || true)
}
for t in "$R"/kselftest-*.tap "$R"/lab-*.tap; do
	[ -f "$t" ] || continue
	n=${t##*/}
	n=${n%.tap}
	# "kselftest-attack_test" is row "kselftest attack_test".
	tap_rows "$t" "${n/-/ }" "$R/$n.rc"
done
if grep -q '^LAB_MODE=tests$' "$W/share/lab.env" 2>/dev/null && [ ! -s "$R/fatal" ] &&
	[ ! -f "$R/lab-platform.tap" ]; then
	add "lab platform" 0 1 0 "the platform check did not run"
fi
if grep -q '^HVM=1$' "$W/share/lab.env" 2>/dev/null && [ ! -s "$R/fatal" ] &&
	grep -q '^LAB_MODE=tests$' "$W/share/lab.env"; then
	for n in hvm hvm-after; do
		[ -f "$R/lab-$n.tap" ] || add "lab $n" 0 1 0 "the HVM checks did not run"
	done
fi

if [ -f "$R/user.rc" ]; then
	if [ "$(cat "$R/user.rc")" = 0 ]; then
		add user 1 0 0
	else
		add user 0 1 0 "exit status $(cat "$R/user.rc"); see $R/user.log"
	fi
fi

# The benchmark: it ran to its end, and every op it announced has a row
# for every round (its ratios are judged by make bench, not here).
if [ -f "$R/bench.rc" ]; then
	rounds=$(sed -n 's/^BENCH_ROUNDS=//p' "$W/share/lab.env")
	short=$(awk -F, -v n="$rounds" '
		/^# FAIL/ { print substr($0, 3); exit }
		/^# .*: result .* sides$/ {
			k = $0; sub(/ sides$/, "", k); sub(/.* /, "", k)
			sub(/^# /, ""); sub(/: result .*/, ""); want[$0] = k * n; next
		}
		/^#/ || /^op,/ { next }
		{ seen[$1]++ }
		END {
			for (op in want)
				if (seen[op] != want[op]) {
					print op ": " seen[op] + 0 " of " want[op] " rows"
					exit
				}
		}' "$R/bench.csv" 2>/dev/null | head -1)
	if [ "$(cat "$R/bench.rc")" != 0 ]; then
		add "bench (short)" 0 1 0 "exit status $(cat "$R/bench.rc")${short:+; $short}; see $R/bench.err"
	elif [ -n "$short" ]; then
		add "bench (short)" 0 1 0 "$short"
	else
		add "bench (short)" 1 0 0
	fi
fi

# The debug kernel's detectors: any report in dom0's log fails the run.
# (Each pattern is the first line the detector prints.)
if grep -q '^LAB_KERNEL=debug$' "$W/share/lab.env" 2>/dev/null; then
	pat='BUG: KASAN|UBSAN:|BUG: KFENCE|WARNING: possible (circular|recursive)|'
	pat+='WARNING: inconsistent lock state|BUG: sleeping function called|'
	pat+='BUG: Invalid wait context|WARNING: suspicious RCU usage|'
	pat+='BUG: lock held when returning|unreferenced object'
	n=0
	[ -f "$R/dmesg.txt" ] &&
		n=$({ grep -cE "$pat" "$R/dmesg.txt" "$R/kmemleak.txt" 2>/dev/null ||
			true; } | awk -F: '{ s += $NF } END { print s + 0 }')
	if [ ! -f "$R/dmesg.txt" ]; then
		add "debug kernel reports" 0 1 0 "no dmesg.txt"
	elif [ "$n" = 0 ]; then
		add "debug kernel reports" 1 0 0
	else
		add "debug kernel reports" 0 1 0 \
			"$n; first: $(grep -hm1 -E "$pat" "$R/dmesg.txt" "$R/kmemleak.txt" 2>/dev/null | head -1)"
	fi
fi

if [ -s "$R/setup-retries" ]; then
	echo "note: $(tr '\n' ';' <"$R/setup-retries") see $R/xl-create-*.log" >&2
fi

if [ -s "$R/fatal" ]; then
	add "lab" 0 1 0 "$(head -1 "$R/fatal")"
fi

echo
printf '%-38s %5s %5s %5s\n' "lab result ($(basename "$W"))" pass fail skip
printf '%s\n' "${rows[@]}"
printf '%-38s %5s %5s %5s\n' total $P $F $S
if [ -f "$R/demo.rc" ]; then
	echo "the demonstration (shown, not counted; exit status $(cat "$R/demo.rc")):"
	sed 's/^/  /' "$R/demo.log" 2>/dev/null || true
fi
[ -z "$secs" ] || printf 'QEMU start to results: %.1f s\n' "$secs"
if [ -f "$R/times" ]; then
	printf 'dom0 uptime at each step: %s\n' "$(tr '\n' ' ' <"$R/times")"
fi
echo "$P $F $S" >"$W/summary"
# What failed, a line each, for make check to repeat at its end.
printf '%s\n' "${fails[@]}" >"$W/failures"
[ ${#fails[@]} != 0 ] || : >"$W/failures"
[ $F = 0 ] && [ $P -gt 0 ]
