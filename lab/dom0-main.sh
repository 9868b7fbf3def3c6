#!/bin/sh
# The lab's dom0, after init has mounted the 9p share on /share.
#
# Loads the drivers under test, starts the Xen 4.20 toolstack, creates the
# target and bystander PV guests, runs the tests (or a shell, or the user's
# script) and powers off.  Everything it produces goes to /share/results,
# where lab/run.sh reads it.
. /share/lab.env
HVM=${HVM:-0}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/usr/lib/xen-4.20/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
R=/share/results
mkdir -p $R

say() { echo "XR-LAB: $*"; }
stamp() { echo "$1 $(cut -d' ' -f1 /proc/uptime)" >>$R/times; }
finish() {
	stamp done
	# The toolstack's own logs (xl's, QEMU's), for a failed run's reader.
	mkdir -p $R/var-log-xen
	cp /var/log/xen/*.log $R/var-log-xen/ 2>/dev/null
	sync
	echo "XR-LAB-DONE"
	poweroff -f
}
fatal() {
	echo "XR-LAB-FATAL: $*"
	echo "$*" >>$R/fatal
	finish
}

stamp dom0-init

# The drivers under test come from the share, built for the running kernel.
for m in $(cat /share/modules/order); do
	insmod /share/modules/$m || fatal "insmod $m failed"
done
if [ -f /share/modules/xenfs.ko ]; then
	insmod /share/modules/xenfs.ko || fatal "insmod xenfs.ko failed"
elif [ -f /lib/stock-modules/xenfs.ko ]; then
	insmod /lib/stock-modules/xenfs.ko || fatal "insmod stock xenfs.ko failed"
fi
mount -t xenfs xenfs /proc/xen || fatal "cannot mount xenfs"
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
grep -E '^(xen_pin|xen_privcmd|xen_evtchn|xen_gntdev|xen_gntalloc|xenfs) ' /proc/modules >$R/modules
stamp drivers-loaded

# The toolstack.
xenstored --pid-file=/run/xenstored.pid >$R/xenstored.log 2>&1 ||
	fatal "xenstored failed to start"
xen-init-dom0 >$R/xen-init-dom0.log 2>&1 || fatal "xen-init-dom0 failed"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
	--log-dir=/var/log/xen/console >$R/xenconsoled.log 2>&1 ||
	fatal "xenconsoled failed to start"
stamp toolstack

# xl create NAME, from /tmp/NAME.cfg, bounded and retried.  xl itself has
# crashed here (a segfault, or "malloc(): corrupted top size") about once
# in ten boots under emulation, before touching the series' drivers in any
# way we could see, and once hung after "Parsing config" with dom0 idle
# and no hung task.  An HVM start also loses a libxl race about once in
# four: the exit of libxl's QMP probe unlinks /var/run/xen/qmp-libxl-N
# after QEMU made the real socket, so libxl cannot reach QEMU.  Bound each
# try, destroy what a failed try left, try up to three times, keep the
# cores, and say so (and which failure it was) in the result table.
create() {
	local g=$1 n=1 why
	until (ulimit -c unlimited; cd $R && timeout 120 xl create /tmp/$g.cfg) \
		>>$R/xl-create-$g.log 2>&1; do
		why="failed or hung"
		tail -n 20 $R/xl-create-$g.log | grep -q 'Failed to connect to QMP socket .*qmp-libxl-' &&
			why="lost the QMP socket race"
		echo "xl create $g $why (try $n); retried" >>$R/setup-retries
		for f in /var/log/xen/xl-$g.log /var/log/xen/qemu-dm-$g.log; do
			[ ! -f $f ] || mv $f $R/$(basename $f .log)-try$n.log
		done
		[ $n -lt 3 ] ||
			fatal "xl create $g failed three times (see xl-create-$g.log)"
		n=$((n + 1))
		xl destroy $g >/dev/null 2>&1
		sleep 2
	done
}

# Two small PV guests.
GUESTS="target bystander"
for g in target bystander; do
	cat >/tmp/$g.cfg <<EOF
name = "$g"
type = "pv"
kernel = "/lab/guest/vmlinuz"
ramdisk = "/lab/guest/initrd.gz"
extra = "console=hvc0 quiet xr_role=$g"
memory = 128
vcpus = 1
on_crash = "preserve"
EOF
	create $g
done
# The HVM guest, served by a deprivileged QEMU (dm_restrict=1) on the
# series' drivers.  Direct kernel boot of the guests' kernel: QEMU loads
# it through fw_cfg DMA into guest memory it maps with its mapcache.
# vkb_device = 0: QEMU 10 and libxl 4.20 both add xen-vkbd-0 otherwise.
# XEN_DMOP_nr_vcpus answers the domain's maximum, 2; only one is online.
# With two online, vCPU 1 triple-faulted on its IDT (cr2 fffffe0000000080)
# about once in eight boots under emulated SVM and nested paging.
HVM_VCPUS=2
if [ "$HVM" = 1 ]; then
	cat >/tmp/hvm-target.cfg <<EOF
name = "hvm-target"
type = "hvm"
kernel = "/lab/guest/vmlinuz"
ramdisk = "/lab/guest/initrd.gz"
cmdline = "console=ttyS0 quiet xr_role=hvm"
memory = 128
vcpus = 1
maxvcpus = $HVM_VCPUS
serial = "pty"
vga = "none"
# No VNC server: the lab kernel has no TCP/IP, and nothing would connect.
vnc = 0
vkb_device = 0
# Emulated SVM saves no next-RIP, so Xen cannot emulate RDTSCP for the
# guest ("SVM Insn len emulation failed ... 0f 01 f9"); hide it.
cpuid = "host,rdtscp=0"
dm_restrict = 1
device_model_override = "/lab/hvm/qemu-dm"
# A guest that crashes or resets stays down, for the checks to see,
# rather than coming back under a new domid with a new QEMU.
on_crash = "preserve"
on_reboot = "preserve"
EOF
	# The pty QEMU made for the guest's 16550, as libxl published it.
	# Once in CI, after "xl create" had succeeded, the key was not
	# there to read; wait for it a while before giving up.
	hvm_tty() {
		local id n=0
		while [ $n -lt 30 ]; do
			id=$(xl domid hvm-target 2>/dev/null) &&
				xenstore-read /local/domain/$id/serial/0/tty 2>/dev/null &&
				return 0
			n=$((n + 1))
			sleep 1
		done
		return 1
	}
	start_hvm() {
		create hvm-target
		# xenconsoled logs only PV consoles; the guest's 16550 is
		# QEMU's pty.  Read it raw (no CR/LF translation), into the
		# log the wait reads.  If the pty never shows, keep what the
		# toolstack saw, and create the guest once more.
		if ! tty=$(hvm_tty); then
			{
				xl list
				xenstore-ls -f /local/domain
			} >$R/hvm-no-tty-try1.txt 2>&1
			cp /var/log/xen/qemu-dm-hvm-target.log \
				$R/qemu-dm-hvm-target-no-tty.log 2>/dev/null
			echo "QEMU published no serial pty for hvm-target in 30 s; destroyed and created again" \
				>>$R/setup-retries
			xl destroy hvm-target >/dev/null 2>&1
			sleep 2
			create hvm-target
			tty=$(hvm_tty) ||
				fatal "QEMU published no serial pty for hvm-target, twice (see hvm-no-tty-try1.txt)"
		fi
		stty -F $tty raw -echo
		(while :; do cat $tty; sleep 1; done) \
			>/var/log/xen/console/guest-hvm-target.log 2>>$R/hvm-serial.err &
		HVM_READER=$!
		# For hvm-checks.sh, which checks that the reader still runs.
		export HVM_READER HVM_TTY=$tty
	}
	start_hvm
	GUESTS="$GUESTS hvm-target"
	stamp hvm-created
fi

# The HVM guest boots in 20 to 40 s.  Twice in about sixteen boots its
# vCPU 0 triple-faulted as its kernel started ("d3v0 Triple fault" in
# Xen's log, under emulated SVM and nested paging), and the guest stayed
# down (on_reboot = preserve).  Give it one more boot if it has stopped,
# or has not come up within 120 s, and say so in the result table.
hvm_boot_again() {
	local st
	st=$(xl list hvm-target 2>/dev/null | awk 'NR == 2 { print $5 }')
	[ $1 -ge 120 ] || case $st in *s* | *c*) ;; *) return 1 ;; esac
	[ ! -f /tmp/hvm-booted-again ] || return 1
	touch /tmp/hvm-booted-again
	echo "hvm-target did not come up in $1 s (state ${st:-none}); destroyed and created again" \
		>>$R/setup-retries
	cp /var/log/xen/console/guest-hvm-target.log $R/guest-hvm-target-try1.log
	xl list >$R/xl-list-hvm-try1.txt 2>&1
	kill $HVM_READER 2>/dev/null
	xl destroy hvm-target >/dev/null 2>&1
	: >/var/log/xen/console/guest-hvm-target.log
	start_hvm
}
for g in $GUESTS; do
	n=0
	until grep -q XR-GUEST-READY /var/log/xen/console/guest-$g.log 2>/dev/null; do
		n=$((n + 1))
		[ $g != hvm-target ] || ! hvm_boot_again $n || n=0
		# What QEMU and the hypervisor said so far, kept in the
		# share, for a run that ends in the host's timeout.
		if [ $g = hvm-target ] && [ $((n % 30)) = 29 ]; then
			cp /var/log/xen/qemu-dm-hvm-target.log \
				$R/qemu-dm-hvm-target-wait.log 2>/dev/null
			xl dmesg >$R/xl-dmesg-wait.txt 2>&1
		fi
		[ $n -le 300 ] || {
			cp /var/log/xen/console/guest-$g.log $R/ 2>/dev/null
			fatal "guest $g did not come up within 300 s"
		}
		sleep 1
	done
	cp /var/log/xen/console/guest-$g.log $R/
done
stamp guests-up

TARGET_DOMID=$(xl domid target)
BYSTANDER_DOMID=$(xl domid bystander)
TARGET_FRAME=$(xenstore-read /local/domain/$TARGET_DOMID/console/ring-ref)
BYSTANDER_FRAME=$(xenstore-read /local/domain/$BYSTANDER_DOMID/console/ring-ref)
# Pages each guest granted to dom0 (lab/xr-grant.c), and a port of each:
# its xenstore event channel.
TARGET_GREFS=$(xenstore-read /local/domain/$TARGET_DOMID/data/xr-grefs) ||
	fatal "the target published no grants (see guest-target.log)"
BYSTANDER_GREFS=$(xenstore-read /local/domain/$BYSTANDER_DOMID/data/xr-grefs) ||
	fatal "the bystander published no grants (see guest-bystander.log)"
TARGET_PORT=$(xenstore-read /local/domain/$TARGET_DOMID/store/port)
BYSTANDER_PORT=$(xenstore-read /local/domain/$BYSTANDER_DOMID/store/port)
if [ "$HVM" = 1 ]; then
	HVM_DOMID=$(xl domid hvm-target)
	HVM_QEMU_PID=$(xenstore-read /local/domain/$HVM_DOMID/image/device-model-pid) ||
		fatal "no device model pid for hvm-target"
	export HVM_DOMID HVM_QEMU_PID HVM_VCPUS
fi
export TARGET_DOMID BYSTANDER_DOMID TARGET_FRAME BYSTANDER_FRAME
export TARGET_GREFS BYSTANDER_GREFS TARGET_PORT BYSTANDER_PORT
env | grep -E '^(TARGET|BYSTANDER|HVM)_' | sort >$R/guests.env
xl list >$R/xl-list.txt
say "target domid $TARGET_DOMID, bystander domid $BYSTANDER_DOMID"

# The platform first: every task's vector registers must survive
# preemption while the guests run (lab/xr-fpucheck.c), or nothing the
# lab runs can be trusted.
/share/bin/xr-fpucheck 10 >$R/lab-platform.tap 2>&1
echo $? >$R/lab-platform.rc
stamp platform

if [ "$LAB_MODE" = shell ]; then
	say "dom0 shell: TARGET_DOMID=$TARGET_DOMID BYSTANDER_DOMID=$BYSTANDER_DOMID; exit to power off"
	setsid cttyhack /bin/sh -l
	finish
fi

# The benchmark (lab/xr-bench.c): dom0's two vCPUs each on their own
# physical CPU, and the benchmark on vCPU 1, so that both sides of every
# op see the same machine.
bench() {
	xl vcpu-pin Domain-0 0 0 >>$R/bench.err 2>&1
	xl vcpu-pin Domain-0 1 1 >>$R/bench.err 2>&1
	/share/bin/xr-bench "$BENCH_ROUNDS" 1 >$R/bench.csv 2>>$R/bench.err
	echo $? >$R/bench.rc
	xl vcpu-pin Domain-0 all all >>$R/bench.err 2>&1
	stamp bench
}
if [ "$LAB_MODE" = bench ]; then
	bench
	finish
fi


# The deprivileged QEMU's proofs (lab/hvm-checks.sh).
if [ "$HVM" = 1 ]; then
	sh /share/lab/hvm-checks.sh >$R/lab-hvm.tap 2>&1
	echo $? >$R/lab-hvm.rc
	stamp hvm-checks
fi

# kselftests, run by the kselftest runner (run_kselftest.sh -c xen would
# run them all in one stream), one test at a time so that each has its
# TAP file: the runner prefixes the test's own TAP with "# ".
if [ -x /share/kselftest/run_kselftest.sh ]; then
	# The runner writes to /dev/stdout, which devtmpfs does not make.
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
	[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
	# It runs /usr/bin/timeout --foreground, which busybox's timeout
	# does not take; without one, it runs the test as it is, and
	# busybox's timeout below bounds it instead.
	case $(readlink -f /usr/bin/timeout 2>/dev/null) in
	*busybox) rm -f /usr/bin/timeout ;;
	esac
	for n in $(sed -n 's/^xen://p' /share/kselftest/kselftest-list.txt); do
		# Through a pipe: the runner reopens its stdout, which on a
		# file would write over its own lines.
		(cd /share/kselftest && timeout 300 ./run_kselftest.sh -t xen:$n 2>&1) |
			cat >$R/kselftest-$n.log
		sed -n 's/^# //p' $R/kselftest-$n.log >$R/kselftest-$n.tap
		if grep -q "^ok 1 selftests: xen: $n # SKIP" $R/kselftest-$n.log; then
			echo 4
		elif grep -q "^ok 1 selftests: xen: $n" $R/kselftest-$n.log; then
			echo 0
		else
			sed -n "s/^not ok 1 selftests: xen: $n # exit=\([0-9]*\).*/\1/p" \
				$R/kselftest-$n.log | grep . || echo 1
		fi >$R/kselftest-$n.rc
	done
fi
stamp kselftests

# The tests attacked through QEMU's own handles: QEMU must still run.
if [ "$HVM" = 1 ]; then
	sh /share/lab/hvm-checks.sh after >$R/lab-hvm-after.tap 2>&1
	echo $? >$R/lab-hvm-after.rc
fi

# A short demonstration of a restricted handle, shown on the console.
if [ -x /share/bin/xr-demo ]; then
	/share/bin/xr-demo >$R/demo.log 2>&1
	echo $? >$R/demo.rc
	sed 's/^/XR-DEMO: /' $R/demo.log
fi

# A short benchmark, so that it cannot rot: every row must run.
[ -x /share/bin/xr-bench ] && bench

# The user's own checks (make lab RUN=...).
if [ -f /share/user/.run ]; then
	s=$(cat /share/user/.run)
	(cd /share/user && timeout 600 sh "./$s") >$R/user.log 2>&1
	echo $? >$R/user.rc
fi
stamp tests

# The debug kernel: a kmemleak scan once the tests are done (the scan
# reports only objects unreferenced for a while, so scan twice), with
# its report beside dmesg for lab/report.sh to read.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >$R/kmemleak.txt
	stamp kmemleak
fi

dmesg >$R/dmesg.txt
xl dmesg >$R/xen-dmesg.txt 2>&1
finish
