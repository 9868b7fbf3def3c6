#!/bin/bash
# Run the lab: Xen 4.20 under QEMU (software emulation), a Linux PV dom0 with
# the drivers of one series (SERIES=7.3, the default, or 6.12), two live PV guests, "target" and "bystander", and an
# HVM guest, "hvm-target", served by a deprivileged QEMU in dom0.
#
#   lab/run.sh                  stock Debian kernel + out-of-tree drivers
#                               (SERIES=7.3: Debian's 7.3 from
#                               trixie-backports; SERIES=6.12: Debian 13's)
#   KERNEL=lab lab/run.sh       the lab kernel built from the series tree
#   LAB_MODE=shell lab/run.sh   a dom0 shell once guests are up (make lab-shell)
#   LAB_MODE=bench lab/run.sh   only the benchmark, BENCH_ROUNDS rounds
#                               (default 100), reported in
#                               $XR_OUT/bench-$SERIES/
#   HVM=0 lab/run.sh            without the HVM guest (a quicker lab)
#   RUN=path/to/script lab/run.sh   also run a script (and the files beside
#                               it) in dom0; its status joins the result
#
# Prints a result table; exits 0 only if everything passed.  The whole run,
# console included, is kept under $XR_OUT/lab-$SERIES-$KERNEL/.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
load_versions

KERNEL=${KERNEL:-stock}
LAB_MODE=${LAB_MODE:-tests}
RUN=${RUN:-}
HVM=${HVM:-1}
# The benchmark's rounds: a short run in the tests, so that it cannot rot.
BENCH_ROUNDS=${BENCH_ROUNDS:-$([ "$LAB_MODE" = bench ] && echo 100 || echo 3)}
LAB_TIMEOUT=${LAB_TIMEOUT:-900}
LABK=$XR_OUT/lab-kernel-$SERIES
[ "${KERNEL:-}" != debug ] || LABK=$XR_OUT/lab-kernel-$SERIES-debug

W=$XR_OUT/lab-$SERIES-$KERNEL
[ "$LAB_MODE" != bench ] || W=$XR_OUT/bench-$SERIES-$KERNEL
SHARE=$W/share
CONSOLE=$W/console.log

case $KERNEL in stock | lab | debug) ;; *) die "KERNEL must be 'stock', 'lab' or 'debug'" ;; esac
case $LAB_MODE in tests | shell | bench) ;; *) die "LAB_MODE must be 'tests', 'shell' or 'bench'" ;; esac
case $HVM in 0 | 1) ;; *) die "HVM must be 0 or 1" ;; esac
# The benchmark needs no HVM guest.
[ "$LAB_MODE" != bench ] || HVM=0
[ -z "$RUN" ] || [ -f "$RUN" ] || die "RUN=$RUN: no such file"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 is missing; run 'make deps'"

root=$("$TOP/lab/mkroot.sh")
# The hypervisor deps.lock resolves to, unpacked once per version.
xenver=$(awk '$1 == "xen-hypervisor-4.20-amd64" { print $2 }' "$XR_OUT/deps.resolved")
xen=$XR_CACHE/lab/xen-$(echo "$xenver" | tr ':' '_').unpacked
if [ ! -f "$xen" ]; then
	d=$("$TOP/scripts/deps.sh" unpack xen-hypervisor-4.20-amd64)
	# QEMU's multiboot loader wants the plain ELF image.
	gunzip -c "$d"/boot/xen-4.20-amd64.gz >"$xen.tmp"
	mv "$xen.tmp" "$xen"
fi

rm -rf "$W"
mkdir -p "$SHARE"/{lab,modules,results,kselftest,bin}
cp "$TOP/lab/dom0-main.sh" "$TOP/lab/hvm-checks.sh" "$SHARE/lab/"
# dom0's initramfs: its userspace, then what serves the HVM guest, then
# (stock kernel) the modules it needs before the share is up.
initrd=$W/initrd.gz
cat "$root/dom0.cpio.gz" >"$initrd"
[ "$HVM" = 0 ] || cat "$root/hvm.cpio.gz" >>"$initrd"

# The drivers under test, for the kernel that will run.  xen-pin loads
# first, as all four use it, then xen-evtchn: the others use its
# evtchn_get_own_for_domain().
case $KERNEL in
stock)
	stage=$("$TOP/scripts/oot.sh")
	for m in xen-pin xen-evtchn xen-privcmd xen-gntdev xen-gntalloc; do
		cp "$stage/$m.ko" "$SHARE/modules/"
		echo "$m.ko" >>"$SHARE/modules/order"
	done
	vmlinuz=$("$TOP/scripts/deps.sh" unpack "$STOCK_BOOT")/$STOCK_VMLINUZ
	cat "$root/stock-mods-$SERIES.cpio.gz" >>"$initrd"
	;;
lab | debug)
	vmlinuz=$LABK/arch/x86/boot/bzImage
	[ -f "$vmlinuz" ] || die "no lab kernel at $LABK; run 'make lab-kernel'"
	for m in xen-pin xen-evtchn xen-privcmd xen-gntdev xen-gntalloc; do
		cp "$LABK/drivers/xen/$m.ko" "$SHARE/modules/"
		echo "$m.ko" >>"$SHARE/modules/order"
	done
	cp "$LABK/drivers/xen/xenfs/xenfs.ko" "$SHARE/modules/"
	;;
esac

# The kselftests and the demonstration, built from the series tree.
"$TOP/lab/build-tests.sh" "$SHARE" >"$W/build-tests.log" 2>&1 ||
	die "building the tests failed; see $W/build-tests.log"

if [ -n "$RUN" ]; then
	mkdir -p "$SHARE/user"
	cp -r "$(dirname "$RUN")"/. "$SHARE/user/"
	basename "$RUN" >"$SHARE/user/.run"
fi
echo "LAB_MODE=$LAB_MODE" >"$SHARE/lab.env"
echo "LAB_KERNEL=$KERNEL" >>"$SHARE/lab.env"
echo "BENCH_ROUNDS=$BENCH_ROUNDS" >>"$SHARE/lab.env"
echo "HVM=$HVM" >>"$SHARE/lab.env"

# spec-ctrl=eager-fpu: Xen's lazy FPU switching (its default on the AMD
# CPU that "-cpu max" shows) loses vector registers under this QEMU's
# emulation with XSAVE, and dom0's programs die of the heap corruption
# that follows.  Measured with lab/xr-fpucheck.c's loop for 60 s on 6
# threads: lazy, 222 of 3821 YMM and 240 of 3831 XMM rounds changed
# (as many with XSAVEOPT or AVX hidden, or with one TCG thread); eager,
# or XSAVE hidden, 0.  Each lab checks it again ("lab platform").
xen_args="console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot spec-ctrl=eager-fpu"
dom0_args="console=hvc0 earlyprintk=xen rdinit=/init loglevel=5 panic=-1"
qemu=(qemu-system-x86_64 -M pc -cpu max,-smap -smp 2 -m 2048 -no-reboot
	-kernel "$xen" -append "$xen_args"
	-initrd "$vmlinuz $dom0_args,$initrd"
	-virtfs "local,path=$SHARE,mount_tag=xr,security_model=none,id=xr"
	-device virtio-rng-pci)

log "lab ($KERNEL kernel): booting Xen under QEMU; console in $CONSOLE"
t0=$(date +%s.%N)
if [ "$LAB_MODE" = shell ]; then
	"${qemu[@]}" -nographic 2>&1 | tee "$CONSOLE"
	exit 0
fi
rc=0
timeout --foreground -k 10 "$LAB_TIMEOUT" "${qemu[@]}" -display none \
	-monitor none -serial "file:$CONSOLE" </dev/null >"$W/qemu.log" 2>&1 || rc=$?
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc)
echo "$secs" >"$W/seconds"

if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "error: the lab did not finish within ${LAB_TIMEOUT}s and was killed;" \
		"see $CONSOLE" >&2
	tail -20 "$CONSOLE" >&2
	exit 1
fi
if ! grep -q XR-LAB-DONE "$CONSOLE"; then
	echo "error: the lab stopped before dom0 finished (qemu exit $rc); see $CONSOLE" >&2
	tail -20 "$CONSOLE" >&2
	exit 1
fi
rc=0
"$TOP/lab/report.sh" "$W" "$secs" || rc=$?
# The benchmark's report: make bench's in out/bench/, printed; the short
# run's beside the lab run, so that the report cannot rot either.
if [ -s "$SHARE/results/bench.csv" ]; then
	out=$W/bench-short
	[ "$LAB_MODE" != bench ] || out=$XR_OUT/bench-$SERIES
	python3 "$TOP/scripts/bench-report.py" "$SHARE/results/bench.csv" \
		"$out" >"$W/bench-report.log" 2>&1 || {
		echo "error: scripts/bench-report.py failed; see $W/bench-report.log" >&2
		rc=1
	}
	if [ "$LAB_MODE" = bench ]; then
		echo
		cat "$W/bench-report.log"
		echo "benchmark data: $out/ (raw rounds: $SHARE/results/bench.csv)"
	fi
fi
exit $rc
