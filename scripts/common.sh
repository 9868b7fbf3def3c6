# Shared settings for the project's scripts.  Sourced, not run.

# Caches live outside the checkout so that a fresh clone reuses them.
XR_CACHE=${XR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-restrict}
# Per-run logs and build products of this checkout.
XR_OUT=${XR_OUT:-$TOP/out}
# The one identity that authors and signs off every patch of the series.
XR_NAME="xen-restrict developers"
XR_EMAIL="xen-restrict@invalid"
# ccache keys on the command line and directory; make paths inside the
# checkout relative so that a fresh clone elsewhere hits the same cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

# Two series, one per kernel Debian 13 serves (see README):
#   7.3    the upstream series, against linux-source-7.3 from
#          trixie-backports, the newest kernel Debian serves
#   6.12   its stable backport, against Debian 13's own linux-source-6.12
# SERIES picks one (default 7.3); each has its tree, linux-$SERIES/, and its
# patches, patches/$SERIES/.
XR_ALL_SERIES="7.3 6.12"
SERIES=${SERIES:-7.3}
case " $XR_ALL_SERIES " in *" $SERIES "*) ;; *)
	echo "error: SERIES must be one of: $XR_ALL_SERIES" >&2
	exit 1
	;;
esac
XR_TREE=${XR_TREE:-$TOP/linux-$SERIES}
PATCHES=${PATCHES:-$TOP/patches/$SERIES}

# The kernel base and the stock kernel of a series come from deps.lock, as
# resolved against what the archive serves today (scripts/deps.sh).
# load_versions [SERIES] sets, e.g. for 6.12:
#   KSERIES=6.12
#   KSRC=linux-source-6.12
#   KSRC_VER=6.12.117-1            its Debian version
#   KVER=6.12.117                  its upstream version
#   KREL=6.12.117+deb13-amd64      the stock kernel's release string
# and the packages that hold the stock kernel (Debian packs 7.3 apart):
#   STOCK_BOOT  the package with its vmlinuz, at $STOCK_VMLINUZ inside it
#   STOCK_MODS_PKG  the package with its modules, under lib/modules/$KREL
# resolved_is_current: $XR_OUT/deps.resolved is the resolution of this very
# deps.lock (deps.sh records the lock's sha256 beside it).
resolved_is_current() {
	local r=$XR_OUT/deps.resolved
	[ -s "$r" ] && [ "$(cat "$r.lock" 2>/dev/null)" = \
		"$(sha256sum <"${XR_LOCK:-$TOP/deps.lock}" | cut -d' ' -f1)" ]
}

load_versions() {
	local r=$XR_OUT/deps.resolved abi
	KSERIES=${1:-$SERIES}
	KSRC=linux-source-$KSERIES
	resolved_is_current || "$TOP/scripts/deps.sh" fetch >&2 || exit 1
	KSRC_VER=$(awk -v p="$KSRC" '$1 == p { print $2 }' "$r")
	KVER=${KSRC_VER%-*}
	KVER=${KVER%~*}
	# The kbuild package carries the ABI in its name in every series.
	abi=$(awk -v v="$KSRC_VER" '$2 == v && $1 ~ /^linux-kbuild-/ { print $1 }' "$r")
	abi=${abi#linux-kbuild-}
	[ -n "$KSRC_VER" ] && [ -n "$abi" ] ||
		die "$r names no $KSRC or its linux-kbuild; see deps.lock"
	KREL=$abi-amd64
	case $KSERIES in
	6.12)
		STOCK_BOOT=linux-image-$KREL-unsigned
		STOCK_VMLINUZ=boot/vmlinuz-$KREL
		STOCK_MODS_PKG=$STOCK_BOOT
		;;
	*)
		STOCK_BOOT=linux-binary-$KREL
		STOCK_VMLINUZ=usr/lib/modules/$KREL/vmlinuz
		STOCK_MODS_PKG=linux-modules-$KREL
		;;
	esac
}

# stock_modules: the directory of the stock kernel's modules (kernel/...).
stock_modules() {
	local d
	d=$("$TOP/scripts/deps.sh" unpack "$STOCK_MODS_PKG")
	if [ -d "$d/lib/modules/$KREL/kernel" ]; then
		echo "$d/lib/modules/$KREL/kernel"
	else
		echo "$d/usr/lib/modules/$KREL/kernel"
	fi
}

# Command substitutions fail like the commands around them.
shopt -s inherit_errexit

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	local l
	for l in "$@"; do printf 'error: %s\n' "$l" >&2; done
	exit 1
}
