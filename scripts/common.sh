# Shared settings for the project's scripts.  Sourced, not run.

# Caches live outside the checkout so that a fresh clone reuses them.
XR_CACHE=${XR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-restrict}
# Per-run logs and build products of this checkout.
XR_OUT=${XR_OUT:-$TOP/out}
# ccache keys on the command line and directory; make paths inside the
# checkout relative so that a fresh clone elsewhere hits the same cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

# The pinned base: the stock kernel's release string and the source package.
KREL=6.12.107+deb13-amd64
KVER=6.12.107

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	local l
	for l in "$@"; do printf 'error: %s\n' "$l" >&2; done
	exit 1
}
