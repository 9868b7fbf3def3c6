#!/bin/bash
# Build the lab's root filesystems as gzip'd cpio archives in the cache:
#
#   dom0.cpio.gz    busybox, the Xen 4.20 toolstack with its own ld.so and
#                   libc, the lab's init, and the guests' kernel and initramfs
#   guest.cpio.gz   busybox and a tiny init for the guests (the PV guests
#                   and the HVM guest boot the same one)
#   hvm.cpio.gz     what dom0 adds to serve an HVM guest: Debian 13's
#                   qemu-system-xen with the libraries it links, hvmloader,
#                   SeaBIOS and the two QEMU data files libxl's command
#                   line needs; appended to dom0's initramfs unless HVM=0
#   stock-mods-X.Y.cpio.gz  each series' stock kernel's modules that dom0
#                   needs before the 9p share is up (9p, xenfs)
#
# The guests run the 6.12 stock kernel whichever series dom0 runs.
#
# Each is rebuilt only when its inputs change; prints the directory.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
load_versions 6.12

# Runtime packages that make up the dom0 userspace.
DOM0_PKGS="busybox-static libc6 libgcc-s1 libyajl2 libext2fs2t64 libcom-err2
liblzma5 libuuid1 libzstd1 zlib1g libncurses6 libtinfo6 xen-utils-4.20
xen-utils-common xenstore-utils libxenmisc4.20 libxenstore4 libxencall1
libxenforeignmemory1 libxengnttab1 libxendevicemodel1 libxenevtchn1
libxentoollog1 libxentoolcore1 libxenhypfs1"
# The device model of the HVM guest and the shared libraries it needs
# beyond dom0's: the closure of its DT_NEEDED entries, nothing more.
HVM_PKGS="qemu-system-xen libatomic1 libcap2 libfdt1 libffi8 libglib2.0-0t64
libgstreamer-plugins-base1.0-0 libgstreamer1.0-0 libjpeg62-turbo liblz4-1
libopus0 liborc-0.4-0t64 libpcre2-8-0 libpixman-1-0 libsasl2-2
libspice-server1 libssl3t64 libstdc++6 libudev1 libusb-1.0-0 libxxhash0"
# Stock modules loaded before the share is mounted, in dependency order.
STOCK_MODS="fs/netfs/netfs.ko net/9p/9pnet.ko net/9p/9pnet_virtio.ko
fs/9p/9p.ko"

OUT=$XR_CACHE/lab
mkdir -p "$OUT"

inputs_hash() {
	{
		cat "$XR_OUT/deps.resolved" "$0" "$TOP/lab/xr-grant.c"
		cat "$TOP"/lab/rootfs/* 2>/dev/null
		echo "$HVM_PKGS"
	} | sha256sum | cut -c1-16
}

mkcpio() {
	# $1: directory, $2: output file
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner 0:0 --quiet) | gzip -6 >"$2.tmp"
	mv "$2.tmp" "$2"
}

busybox_into() {
	local root=$1 bb
	bb=$("$TOP/scripts/deps.sh" unpack busybox-static)/usr/bin/busybox
	mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
	cp "$bb" "$root/bin/busybox"
	local a
	for a in $("$bb" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
}

build_guest() {
	local root=$OUT/guest.root d m=drivers/xen/xen-gntalloc.ko
	rm -rf "$root"
	mkdir -p "$root"/{proc,sys,dev,tmp,lib}
	busybox_into "$root"
	cp "$TOP/lab/rootfs/guest-init" "$root/init"
	chmod 755 "$root/init"
	# The guests grant pages to dom0 with the stock gntalloc driver.
	d=$(stock_modules)
	if [ -f "$d/$m.xz" ]; then
		xz -dc "$d/$m.xz" >"$root/lib/xen-gntalloc.ko"
	else
		cp "$d/$m" "$root/lib/xen-gntalloc.ko"
	fi
	gcc -static -Wall -Werror -O2 -o "$root/bin/xr-grant" "$TOP/lab/xr-grant.c"
	mkcpio "$root" "$OUT/guest.cpio.gz"
	rm -rf "$root"
}

build_dom0() {
	local root=$OUT/dom0.root p d
	rm -rf "$root"
	mkdir -p "$root"
	for p in $DOM0_PKGS; do
		d=$("$TOP/scripts/deps.sh" unpack "$p")
		(cd "$d" && tar --exclude=./.done -cf - .) | tar -C "$root" -xf -
	done
	# Drop what a busybox dom0 never uses.
	rm -rf "$root"/usr/share/{doc,man,locale,lintian,bug,python3,info} \
		"$root"/usr/lib/xen-4.20/lib/python "$root"/usr/lib/xen-4.20/ocaml \
		"$root"/usr/lib/xen-4.20/boot "$root"/usr/lib/x86_64-linux-gnu/gconv \
		"$root"/usr/lib/xen-4.20/bin/oxenstored "$root"/boot
	# Debian 13 is merged-/usr.
	for d in bin sbin lib lib64; do
		if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
			mkdir -p "$root/usr/$d"
			cp -a "$root/$d/." "$root/usr/$d/"
			rm -rf "${root:?}/$d"
		fi
		mkdir -p "$root/usr/$d"
		ln -s "usr/$d" "$root/$d"
	done
	busybox_into "$root"
	for p in "$root"/usr/lib/xen-4.20/bin/*; do
		ln -sf "/usr/lib/xen-4.20/bin/${p##*/}" "$root/usr/sbin/${p##*/}"
	done
	mkdir -p "$root"/{proc,sys,dev,tmp,run,share,mnt} \
		"$root"/var/{lib/xen,log/xen/console,run/xen,run/xenstored} \
		"$root"/etc/xen "$root"/lab/guest
	cp "$TOP/lab/rootfs/dom0-init" "$root/init"
	chmod 755 "$root/init"
	# dm_restrict=1 runs QEMU as this user (libxl looks it up by name).
	cat >"$root/etc/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	xen-qemuuser-shared:x:900:900:QEMU:/nonexistent:/bin/false
	EOF
	printf 'root:x:0:\nxen-qemuuser-shared:x:900:\n' >"$root/etc/group"
	cp "$("$TOP/scripts/deps.sh" unpack "$STOCK_BOOT")/$STOCK_VMLINUZ" \
		"$root/lab/guest/vmlinuz"
	cp "$OUT/guest.cpio.gz" "$root/lab/guest/initrd.gz"
	mkcpio "$root" "$OUT/dom0.cpio.gz"
	rm -rf "$root"
}

build_hvm() {
	local root=$OUT/hvm.root p d
	rm -rf "$root"
	mkdir -p "$root/usr/lib/x86_64-linux-gnu" "$root/usr/libexec" \
		"$root/usr/share/qemu/keymaps" "$root/usr/share/seabios" \
		"$root/usr/lib/xen-4.20/boot"
	for p in $HVM_PKGS; do
		d=$("$TOP/scripts/deps.sh" unpack "$p")
		if [ -d "$d/usr/lib/x86_64-linux-gnu" ]; then
			find "$d/usr/lib/x86_64-linux-gnu" -maxdepth 1 \
				-name 'lib*.so.*' -exec cp -a {} "$root/usr/lib/x86_64-linux-gnu/" \;
		fi
	done
	d=$("$TOP/scripts/deps.sh" unpack qemu-system-xen)
	cp "$d/usr/libexec/xen-qemu-system-i386" "$root/usr/libexec/"
	# Direct kernel boot needs linuxboot_dma.bin; libxl always passes
	# "-vnc none", which loads the en-us keymap.
	d=$("$TOP/scripts/deps.sh" unpack qemu-system-data)
	cp "$d/usr/share/qemu/linuxboot_dma.bin" "$root/usr/share/qemu/"
	cp "$d/usr/share/qemu/keymaps/en-us" "$root/usr/share/qemu/keymaps/"
	# hvmloader loads SeaBIOS, which libxl reads from this path.
	d=$("$TOP/scripts/deps.sh" unpack seabios)
	cp "$d/usr/share/seabios/bios-256k.bin" "$root/usr/share/seabios/"
	d=$("$TOP/scripts/deps.sh" unpack xen-utils-4.20)
	cp "$d/usr/lib/xen-4.20/boot/hvmloader" "$root/usr/lib/xen-4.20/boot/"
	mkdir -p "$root/lab/hvm"
	install -m 755 "$TOP/lab/rootfs/qemu-dm" "$root/lab/hvm/qemu-dm"
	# Fail here, not in dom0, if a library is missing: every DT_NEEDED
	# of QEMU and of the libraries added must be in one of the two roots.
	hvm_check_closure "$root"
	mkcpio "$root" "$OUT/hvm.cpio.gz"
	rm -rf "$root"
}

# hvm_check_closure ROOT: every shared library that QEMU needs, directly or
# through another, is in ROOT or in dom0's packages.
hvm_check_closure() {
	local root=$1 dirs d p so f todo seen=" "
	dirs="$root/usr/lib/x86_64-linux-gnu"
	for p in $DOM0_PKGS; do
		d=$("$TOP/scripts/deps.sh" unpack "$p")
		dirs="$dirs $d/usr/lib/x86_64-linux-gnu $d/lib/x86_64-linux-gnu"
	done
	todo="$root/usr/libexec/xen-qemu-system-i386"
	while [ -n "$todo" ]; do
		f=${todo%% *}
		[ "$todo" = "${todo#* }" ] && todo= || todo=${todo#* }
		for so in $(readelf -d "$f" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
			case $seen in *" $so "*) continue ;; esac
			seen="$seen$so "
			p=
			for d in $dirs; do
				[ -e "$d/$so" ] && { p=$d/$so; break; }
			done
			[ -n "$p" ] || die "QEMU needs $so, which no lab package has"
			todo="$todo${todo:+ }$(readlink -f "$p")"
		done
	done
}

# build_stock_mods SERIES
build_stock_mods() {
	local root=$OUT/stock-mods.root d m
	rm -rf "$root"
	load_versions "$1"
	d=$(stock_modules)
	mkdir -p "$root/lib/stock-modules"
	for m in $STOCK_MODS drivers/xen/xenfs/xenfs.ko; do
		if [ -f "$d/$m.xz" ]; then
			xz -dc "$d/$m.xz" >"$root/lib/stock-modules/${m##*/}"
		else
			cp "$d/$m" "$root/lib/stock-modules/${m##*/}"
		fi
	done
	for m in $STOCK_MODS; do echo "${m##*/}"; done >"$root/lib/stock-modules/order"
	mkcpio "$root" "$OUT/stock-mods-$1.cpio.gz"
	rm -rf "$root"
}

h=$(inputs_hash)
if [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$h" ]; then
	log "building the lab root filesystems in $OUT"
	build_guest
	build_dom0
	build_hvm
	for s in $XR_ALL_SERIES; do
		build_stock_mods "$s"
	done
	echo "$h" >"$OUT/stamp"
fi
echo "$OUT"
