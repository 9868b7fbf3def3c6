#!/bin/bash
# Fetch and verify the pinned Debian 13 packages listed in deps.lock.
#
#   scripts/deps.sh fetch     download every package into $XR_CACHE/debs, verify
#   scripts/deps.sh unpack P  print the directory P is unpacked into (dpkg -x)
#   scripts/deps.sh lock      rewrite the sha256 column from the archive index
#
# A private apt configuration under $XR_CACHE/apt is used, so the host's apt
# configuration is never changed.  The archive address is read from the host's
# own apt sources; no mirror is written into the repository.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"

APTDIR=$XR_CACHE/apt
DEBS=$XR_CACHE/debs
LOCK=$TOP/deps.lock

host_uri() {
	# $1: "main" or "security".  Prints the host's Debian archive URI.
	local want=$1 uri
	uri=$( (cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true) |
		awk -v w="$want" '
		/^URIs:/ { for (i = 2; i <= NF; i++) {
			s = ($i ~ /security/) ? "security" : "main";
			if (s == w && $i ~ /debian/) { print $i; exit } } }')
	if [ -z "$uri" ]; then
		uri=$( (cat /etc/apt/sources.list 2>/dev/null || true) |
			awk -v w="$want" '$1 == "deb" {
				for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {
					s = ($i ~ /security/) ? "security" : "main";
					if (s == w && $i ~ /debian/) { print $i; exit } } }')
	fi
	echo "$uri"
}

apt_setup() {
	mkdir -p "$APTDIR"/etc/sources.list.d "$APTDIR"/etc/preferences.d \
		"$APTDIR"/etc/apt.conf.d "$APTDIR"/state/lists/partial \
		"$APTDIR"/cache/archives/partial
	local main sec key=/usr/share/keyrings/debian-archive-keyring.gpg
	main=$(host_uri main)
	sec=$(host_uri security)
	[ -n "$main" ] || die "no Debian archive found in the host's apt sources"
	[ -n "$sec" ] || sec=${main%/debian}/debian-security
	{
		echo "deb [arch=amd64 signed-by=$key] $main trixie main"
		echo "deb [arch=amd64 signed-by=$key] $main trixie-updates main"
		echo "deb [arch=amd64 signed-by=$key] $sec trixie-security main"
	} >"$APTDIR/etc/sources.list"
	cat >"$APTDIR/apt.conf" <<EOF
Dir::Etc "$APTDIR/etc";
Dir::Etc::sourcelist "$APTDIR/etc/sources.list";
Dir::Etc::sourceparts "$APTDIR/etc/sources.list.d";
Dir::Etc::preferencesparts "$APTDIR/etc/preferences.d";
Dir::Etc::parts "$APTDIR/etc/apt.conf.d";
Dir::State "$APTDIR/state";
Dir::State::status "$APTDIR/state/status";
Dir::Cache "$APTDIR/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
EOF
	touch "$APTDIR/state/status"
	export APT_CONFIG=$APTDIR/apt.conf
	# Refresh the index at most once a day.
	local stamp=$APTDIR/state/updated
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		log "apt-get update (private configuration, trixie)"
		apt-get -q update >"$APTDIR/update.log" 2>&1 ||
			die "apt-get update failed; see $APTDIR/update.log"
		touch "$stamp"
	fi
}

lock_entries() {
	grep -v '^#' "$LOCK" | awk 'NF >= 2'
}

deb_path() {
	# Debian file names escape ':' in epochs as %3a; we name files ourselves.
	echo "$DEBS/$1_$(echo "$2" | tr ':' '_')_amd64.deb"
}

fetch_one() {
	local pkg=$1 ver=$2 sum=$3 f tmp
	f=$(deb_path "$pkg" "$ver")
	if [ -f "$f" ] && echo "$sum  $f" | sha256sum -c --status; then
		return 0
	fi
	apt_setup
	tmp=$(mktemp -d "$DEBS/.dl.XXXXXX")
	if ! (cd "$tmp" && apt-get -q download "$pkg=$ver" >"$tmp/log" 2>&1); then
		cat "$tmp/log" >&2
		rm -rf "$tmp"
		die "the archive no longer serves $pkg version $ver (pinned in deps.lock)." \
			"Pick a version it serves, update deps.lock and run 'scripts/deps.sh lock'."
	fi
	mv "$tmp"/*.deb "$f"
	rm -rf "$tmp"
	echo "$sum  $f" | sha256sum -c --status ||
		die "sha256 mismatch for $f (expected $sum from deps.lock)"
	log "fetched $pkg $ver"
}

cmd_fetch() {
	mkdir -p "$DEBS"
	local pkg ver sum
	while read -r pkg ver sum; do
		[ -n "$sum" ] || die "deps.lock: $pkg has no sha256; run 'scripts/deps.sh lock'"
		fetch_one "$pkg" "$ver" "$sum"
	done < <(lock_entries)
}

cmd_unpack() {
	local want=$1 pkg ver sum dir
	while read -r pkg ver sum; do
		[ "$pkg" = "$want" ] || continue
		dir=$XR_CACHE/unpacked/$pkg-$(echo "$ver" | tr ':' '_')
		if [ ! -f "$dir/.done" ]; then
			fetch_one "$pkg" "$ver" "$sum"
			rm -rf "$dir"
			mkdir -p "$dir"
			dpkg -x "$(deb_path "$pkg" "$ver")" "$dir"
			touch "$dir/.done"
		fi
		echo "$dir"
		return 0
	done < <(lock_entries)
	die "$want is not in deps.lock"
}

cmd_lock() {
	apt_setup
	local tmp pkg ver sum
	tmp=$(mktemp)
	grep '^#' "$LOCK" >"$tmp"
	while read -r pkg ver _; do
		sum=$(apt-cache show "$pkg=$ver" 2>/dev/null |
			awk '/^SHA256:/ { print $2; exit }')
		[ -n "$sum" ] || die "the archive index has no $pkg version $ver"
		printf '%s %s %s\n' "$pkg" "$ver" "$sum" >>"$tmp"
	done < <(lock_entries)
	mv "$tmp" "$LOCK"
}

case "${1:-}" in
fetch) cmd_fetch ;;
unpack) cmd_unpack "$2" ;;
lock) cmd_lock ;;
*) die "usage: $0 fetch|unpack PACKAGE|lock" ;;
esac
