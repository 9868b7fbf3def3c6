#!/bin/bash
# Build the lab's root filesystems as gzip'd cpio archives in the cache:
#
#   dom0.cpio.gz    busybox, the Xen 4.20 toolstack with its own ld.so and
#                   libc, the lab's init, and the guests' kernel and initramfs
#   guest.cpio.gz   busybox and a tiny init for the PV guests
#   stock-mods.cpio.gz  the stock kernel's modules that dom0 needs before
#                   the 9p share is up (9p, xenfs)
#
# Each is rebuilt only when its inputs change; prints the directory.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
load_versions

# Runtime packages that make up the dom0 userspace.
DOM0_PKGS="busybox-static libc6 libgcc-s1 libyajl2 libext2fs2t64 libcom-err2
liblzma5 libuuid1 libzstd1 zlib1g libncurses6 libtinfo6 xen-utils-4.20
xen-utils-common xenstore-utils libxenmisc4.20 libxenstore4 libxencall1
libxenforeignmemory1 libxengnttab1 libxendevicemodel1 libxenevtchn1
libxentoollog1 libxentoolcore1 libxenhypfs1"
STOCK_IMAGE=linux-image-$KREL-unsigned
# Stock modules loaded before the share is mounted, in dependency order.
STOCK_MODS="fs/netfs/netfs.ko net/9p/9pnet.ko net/9p/9pnet_virtio.ko
fs/9p/9p.ko"

OUT=$XR_CACHE/lab
mkdir -p "$OUT"

inputs_hash() {
	{
		cat "$XR_OUT/deps.resolved" "$0" "$TOP/lab/xr-grant.c"
		cat "$TOP"/lab/rootfs/* 2>/dev/null
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
	d=$("$TOP/scripts/deps.sh" unpack "$STOCK_IMAGE")/lib/modules/$KREL/kernel
	[ -d "$d" ] || d=$("$TOP/scripts/deps.sh" unpack "$STOCK_IMAGE")/usr/lib/modules/$KREL/kernel
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
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	d=$("$TOP/scripts/deps.sh" unpack "$STOCK_IMAGE")
	cp "$d/boot/vmlinuz-$KREL" "$root/lab/guest/vmlinuz"
	cp "$OUT/guest.cpio.gz" "$root/lab/guest/initrd.gz"
	mkcpio "$root" "$OUT/dom0.cpio.gz"
	rm -rf "$root"
}

build_stock_mods() {
	local root=$OUT/stock-mods.root d m
	rm -rf "$root"
	d=$("$TOP/scripts/deps.sh" unpack "$STOCK_IMAGE")/lib/modules/$KREL/kernel
	[ -d "$d" ] || d=$("$TOP/scripts/deps.sh" unpack "$STOCK_IMAGE")/usr/lib/modules/$KREL/kernel
	mkdir -p "$root/lib/stock-modules"
	for m in $STOCK_MODS drivers/xen/xenfs/xenfs.ko; do
		if [ -f "$d/$m.xz" ]; then
			xz -dc "$d/$m.xz" >"$root/lib/stock-modules/${m##*/}"
		else
			cp "$d/$m" "$root/lib/stock-modules/${m##*/}"
		fi
	done
	for m in $STOCK_MODS; do echo "${m##*/}"; done >"$root/lib/stock-modules/order"
	mkcpio "$root" "$OUT/stock-mods.cpio.gz"
	rm -rf "$root"
}

h=$(inputs_hash)
if [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$h" ]; then
	log "building the lab root filesystems in $OUT"
	build_guest
	build_dom0
	build_stock_mods
	echo "$h" >"$OUT/stamp"
fi
echo "$OUT"
