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

# The kernel base and the stock kernel come from deps.lock, as resolved
# against what the archive serves today (scripts/deps.sh).  load_versions
# sets, e.g.:
#   KSRC_VER=6.12.117-1            linux-source-6.12's Debian version
#   KVER=6.12.117                  its upstream version
#   KREL=6.12.117+deb13-amd64      the stock kernel's release string
# resolved_is_current: $XR_OUT/deps.resolved is the resolution of this very
# deps.lock (deps.sh records the lock's sha256 beside it).
resolved_is_current() {
	local r=$XR_OUT/deps.resolved
	[ -s "$r" ] && [ "$(cat "$r.lock" 2>/dev/null)" = \
		"$(sha256sum <"${XR_LOCK:-$TOP/deps.lock}" | cut -d' ' -f1)" ]
}

load_versions() {
	local r=$XR_OUT/deps.resolved
	resolved_is_current || "$TOP/scripts/deps.sh" fetch >&2 || exit 1
	KSRC_VER=$(awk '$1 == "linux-source-6.12" { print $2 }' "$r")
	KVER=${KSRC_VER%-*}
	KREL=$(awk '$1 ~ /^linux-image-.*-amd64-unsigned$/ { print $1 }' "$r")
	KREL=${KREL#linux-image-}
	KREL=${KREL%-unsigned}
	[ -n "$KSRC_VER" ] && [ -n "$KREL" ] ||
		die "$r names no linux-source-6.12 or stock image; see deps.lock"
}

# Command substitutions fail like the commands around them.
shopt -s inherit_errexit

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	local l
	for l in "$@"; do printf 'error: %s\n' "$l" >&2; done
	exit 1
}
