#!/bin/sh
# The lab's proofs that a deprivileged QEMU serves the HVM guest on the
# series' drivers.  Run in dom0 by dom0-main.sh once the guest is ready;
# writes TAP to stdout.  Needs HVM_DOMID and HVM_QEMU_PID.
#
#   hvm-checks.sh          the proofs, before the tests
#   hvm-checks.sh after    after the tests, which attack through QEMU's
#                          own handles: QEMU and its guest still run
R=/share/results
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); FAILED=1; echo "not ok $N $*"; }
check() {
	# check NAME COMMAND...: one TAP line, the command's output as notes
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		notok "$name"
	fi
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
}

# The guest's serial output, as dom0 keeps reading it from QEMU's pty.
log=/var/log/xen/console/guest-hvm-target.log
P=$HVM_QEMU_PID

ready() {
	grep -q XR-GUEST-READY "$log" || return 1
	grep -m1 XR-GUEST-READY "$log" | tr -d '\r'
}

# Every byte of these lines went out through QEMU's 16550 on transmit
# interrupts; the guest's digest of what it sent must match what arrived.
serial_io() {
	local l want got i0 i1
	l=$(grep -m1 '^XR-HVM-SERIAL ' "$log" | tr -d '\r')
	[ -n "$l" ] || { echo "no XR-HVM-SERIAL line"; return 1; }
	echo "$l"
	want=$(echo "$l" | sed -n 's/.* sha256=\([0-9a-f]*\) .*/\1/p')
	got=$(tr -d '\r' <"$log" | grep '^XR-HVM-IO ' | sha256sum | cut -d' ' -f1)
	# dom0's own tools have crashed here under emulation (a segfault of
	# the pipeline, no digest at all): compute it once more if so.
	if [ -z "$got" ]; then
		echo "dom0 computed no digest; computing it again"
		got=$(tr -d '\r' <"$log" | grep '^XR-HVM-IO ' | sha256sum | cut -d' ' -f1)
	fi
	echo "dom0 got $(tr -d '\r' <"$log" | grep -c '^XR-HVM-IO ') lines, sha256=$got"
	[ "$want" = "$got" ] || return 1
	i0=$(echo "$l" | sed -n 's/.*irqs-before=\([0-9]*\).*/\1/p')
	i1=$(echo "$l" | sed -n 's/.*irqs-after=\([0-9]*\).*/\1/p')
	[ -n "$i0" ] && [ -n "$i1" ] && [ "$i1" -gt "$i0" ]
}

# QEMU runs deprivileged: not as root, with no capabilities, chrooted,
# and told to restrict.
qemu_deprivileged() {
	local uid cap root args
	[ -n "$P" ] && [ -d /proc/$P ] || { echo "no QEMU process ($P)"; return 1; }
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$P/status)
	cap=$(awk '/^CapEff:/ { print $2 }' /proc/$P/status)
	root=$(readlink /proc/$P/root)
	args=$(tr '\0' ' ' </proc/$P/cmdline)
	echo "pid $P uid $uid CapEff $cap root $root"
	echo "args: $args"
	case $args in *-xen-domid-restrict*) ;; *) echo "no -xen-domid-restrict"; return 1 ;; esac
	case " $uid " in *" 0 "*) echo "QEMU still has uid 0"; return 1 ;; esac
	[ -n "$cap" ] && [ "$(echo "$cap" | tr -d 0)" = "" ] ||
		{ echo "QEMU has capabilities"; return 1; }
	[ "$root" != / ] || { echo "QEMU is not chrooted"; return 1; }
}

# QEMU's handles on the series' devices, and its privcmd mappings.  (The
# mapcache unmaps what it no longer needs, so how many varies; that it
# works is shown by the guest's boot, which QEMU loaded through it.)
qemu_handles() {
	local f
	for f in /proc/$P/fd/*; do
		echo "fd ${f##*/} -> $(readlink $f)"
	done | grep -E '/dev/(xen|null)' || true
	echo "privcmd mappings: $(grep -c /dev/xen/privcmd /proc/$P/maps)"
	[ "$(grep -c /dev/xen/privcmd /proc/$P/maps)" -gt 0 ]
}

# QEMU's privcmd and evtchn handles, taken with pidfd_getfd(), answer the
# series' query: pinned to the guest.  The denial counters say what QEMU
# tried and was refused.
qemu_pinned() {
	local out
	out=$(/share/bin/xr-fishfds query $P) || return 1
	echo "$out"
	echo "$out" | grep -q "^/dev/xen/privcmd .*: domid $HVM_DOMID " &&
		echo "$out" | grep -q "^/dev/xen/evtchn .*: domid $HVM_DOMID " &&
		! echo "$out" | grep -v ": domid $HVM_DOMID " | grep -q .
}

# Xen's own checker (Debian's xen-utils-4.20) on QEMU's live handles, as
# Xen's docs/designs/qemu-deprivilege.md describes: every class must
# report "pass".  Our own unpinned handles are the control, and must
# report "fail", so the check can see an unrestricted handle.  The
# checker exits 0 either way; its verdict lines decide.  Should QEMU's
# evtchn handle not be pinned, the checker's bind on it would leave an
# event pending there, which stops QEMU; "lab hvm-after" would say so.
CHECKER=/usr/lib/xen-4.20/bin/depriv-fd-checker
depriv_fd_checker() {
	local out rc=0 c
	out=$(/share/bin/xr-fishfds check $P $CHECKER 2>&1) || rc=$?
	echo "$out"
	[ $rc = 0 ] || { echo "exit status $rc"; return 1; }
	for c in privcmd evtchn; do
		echo "$out" | grep -qE "^$c pass [0-9]+ .* qemu-fd-[0-9]+\$" ||
			{ echo "no pass for QEMU's $c"; return 1; }
	done
	for c in privcmd evtchn gntdev; do
		echo "$out" | grep -qE "^$c fail [0-9]+ .* control-unpinned\$" ||
			{ echo "the unpinned $c control did not fail"; return 1; }
	done
	if echo "$out" | grep -E ' qemu-fd-[0-9]+$' | grep -vqE '^[a-z]+ (pass|checking) '; then
		echo "a verdict on QEMU's handles is not pass"
		return 1
	fi
	if echo "$out" | grep -E ' control-unpinned$' | grep -vqE '^[a-z]+ (fail|checking) '; then
		echo "a verdict on a control is not fail"
		return 1
	fi
}

# After the tests: the same QEMU, still pinned, still serving its guest.
qemu_alive() {
	kill -0 "$P" 2>/dev/null || { echo "QEMU ($P) is gone"; return 1; }
	[ "$(xenstore-read /local/domain/$HVM_DOMID/image/device-model-pid)" = "$P" ]
}
guest_running() {
	local l
	l=$(xl list | awk -v d="$HVM_DOMID" '$2 == d')
	echo "$l"
	[ -n "$l" ] || return 1
	case $(echo "$l" | awk '{ print $5 }') in *c* | *d*) return 1 ;; esac
}
# Is dom0's reader of QEMU's pty (dom0-main.sh) still there?  Either its
# loop or the cat it runs will do: the cat goes on while it has the pty.
reader_alive() {
	local p
	kill -0 "$HVM_READER" 2>/dev/null && return 0
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' <$p/cmdline 2>/dev/null)" = "cat $HVM_TTY " ] &&
			return 0
	done
	return 1
}
heartbeats() { grep -c '^XR-HVM-ALIVE' "$log"; }
# A count, or nothing if dom0's grep crashed (as dom0's tools have under
# emulation): then count once more.
count() {
	local n
	n=$(heartbeats)
	case $n in '' | *[!0-9]*) n=$(heartbeats) ;; esac
	case $n in '' | *[!0-9]*) return 1 ;; esac
	echo "$n"
}
guest_still_served() {
	local n0 n i=0
	n0=$(count) || { echo "cannot count the heartbeats in $log"; return 1; }
	while [ $i -lt 30 ]; do
		# dom0's userspace has crashed under emulation; a dead reader
		# would hide a guest that still talks.  Start it again (the
		# pty keeps what it was sent) and say so in the result table.
		if ! reader_alive; then
			echo "dom0's reader of $HVM_TTY had gone: started again"
			echo "dom0's reader of hvm-target's pty had gone; started again" \
				>>$R/setup-retries
			(while :; do cat "$HVM_TTY"; sleep 1; done) \
				>>"$log" 2>>$R/hvm-serial.err &
			HVM_READER=$!
		fi
		if n=$(count) && [ "$n" -gt "$n0" ]; then
			echo "heartbeats: $n0, then $n"
			return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	echo "no new heartbeat from hvm-target on ttyS0 in 30 s ($n0 before)"
	# What a reader needs to tell a stalled guest from a stalled QEMU.
	echo "the log's last lines:"
	tail -n 3 "$log" | tr -d '\r'
	echo "QEMU: $(awk '/^State:/ { print $2, $3 }' /proc/$P/status 2>&1)" \
		"wchan $(cat /proc/$P/wchan 2>&1)"
	xl vcpu-list hvm-target 2>&1
	xl qemu-monitor-command hvm-target "info chardev" 2>&1
	xl dmesg 2>&1 | tail -n 8
	return 1
}
# QEMU's own view, through its QMP socket: the guest runs.
qemu_answers() {
	local out
	out=$(xl qemu-monitor-command hvm-target "info status" 2>&1)
	echo "$out"
	echo "$out" | grep -q 'VM status: running'
}

echo "TAP version 13"
if [ "${1:-}" = after ]; then
	echo "1..5"
	check "QEMU still runs" qemu_alive
	check "hvm-target still runs, not crashed" guest_running
	check "QEMU answers QMP: the guest is running" qemu_answers
	check "QEMU still serves hvm-target's 16550" guest_still_served
	check "QEMU's handles are still pinned to hvm-target" qemu_pinned
	cp "$log" $R/guest-hvm-target.log
	exit $FAILED
fi
echo "1..6"
check "hvm-target booted to its ready line" ready
check "serial I/O through QEMU's 16550, on interrupts" serial_io
check "QEMU runs deprivileged (uid, no capabilities, chroot, -xen-domid-restrict)" qemu_deprivileged
check "QEMU holds privcmd mappings; its other handles are listed" qemu_handles
check "QEMU's privcmd and evtchn handles are pinned to hvm-target" qemu_pinned
check "depriv-fd-checker: pass on QEMU's handles, fail on unpinned" depriv_fd_checker
exit $FAILED
