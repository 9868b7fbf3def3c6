#!/bin/bash
# Fetch and verify the Debian 13 packages that deps.lock records.
#
#   scripts/deps.sh fetch       resolve every package, download it into
#                               $XR_CACHE/debs and verify it; write what is
#                               used to $XR_OUT/deps.resolved and
#                               $XR_OUT/versions.txt
#   scripts/deps.sh unpack P    print the directory P is unpacked into (dpkg -x)
#   scripts/deps.sh lock        rewrite the sha256 column from the archive index
#   scripts/deps.sh bump        rewrite deps.lock to the newest served version
#                               of each series, except the kernel (see below)
#   scripts/deps.sh newest-kernel       print the newest served base of
#                               $SERIES (7.3.y or 6.12.y)
#   scripts/deps.sh kernel-at VERSION   lock lines of the kernel packages of
#                               one served linux-source-$SERIES VERSION
#   scripts/deps.sh set-kernel VERSION  write those lines into deps.lock
#   scripts/deps.sh unpack-at P VERSION unpack a served version of P
#
# deps.lock records what was last tested.  Packages that share one locked
# version (the kernel's five, Xen's fourteen, e2fsprogs' two, ...) form a
# group and always move together; each series' kernel (source, stock
# image and modules, headers, kbuild) is one such group.  When the archive still serves a group's
# locked versions they are used and checked against deps.lock's sha256.
# When it does not, the group moves to the newest version the archive
# serves in the same series: the same package names (which carry the
# soname), the same epoch and the same major.minor upstream version (Xen
# 4.20.x, glibc 2.41, kernel 6.12.y or 7.3.y).  The kernel packages carry
# their ABI in their names (linux-image-6.12.117+deb13-amd64-unsigned,
# linux-modules-7.3.4+deb13-amd64); they follow their linux-source-X.Y
# version, so each series' stock image, headers, kbuild and source are
# always one and the same X.Y.z.  A package locked from trixie-backports
# (the 7.3 kernel) follows trixie-backports; every other package follows
# trixie and never moves to a backport.  A moved package is checked
# against the sha256 in apt's index, whose Release file apt has verified
# with Debian's archive key.  One notice names both versions.
#
# The kernel groups are never moved by `bump`: the base of each series moves
# with `make rebase SERIES=X.Y` (scripts/tree.sh rebase), which also
# rewrites its lock lines.
#
# A private apt configuration under $XR_CACHE/apt is used, so the host's apt
# configuration is never changed.  The archive address is read from the host's
# own apt sources; no mirror is written into the repository.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"

APTDIR=$XR_CACHE/apt
DEBS=$XR_CACHE/debs
LOCK=${XR_LOCK:-$TOP/deps.lock}
RESOLVED=$XR_OUT/deps.resolved
VERSIONS=$XR_OUT/versions.txt
# The kernel series of the command line's kernel (newest-kernel, kernel-at,
# set-kernel), and the one package that names it.  Functions that work on a
# lock group set both for the group's own series (kernel_series).
KSERIES=$SERIES
KSRC=linux-source-$KSERIES

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

APT_READY=
APT_FRESH=
apt_setup() {
	[ -z "$APT_READY" ] || return 0
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
		echo "deb [arch=amd64 signed-by=$key] $main trixie-backports main"
		echo "deb [arch=amd64 signed-by=$key] $sec trixie-security main"
	} >"$APTDIR/etc/sources.list.new"
	# Other sources than the index was fetched for: fetch it again.
	cmp -s "$APTDIR/etc/sources.list.new" "$APTDIR/etc/sources.list" ||
		rm -f "$APTDIR/state/updated"
	mv "$APTDIR/etc/sources.list.new" "$APTDIR/etc/sources.list"
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
	APT_READY=1
	# Refresh the index at most once a day, unless something is missing.
	if [ -z "$(find "$APTDIR/state/updated" -mmin -1440 2>/dev/null)" ]; then
		apt_refresh
	fi
}

apt_refresh() {
	# Fetch the index now, once per run.  apt-get update verifies each
	# suite's InRelease with the archive key; the per-package sha256 used
	# below comes from the Packages files that InRelease vouches for.
	[ -z "$APT_FRESH" ] || return 0
	apt_setup
	[ -z "$APT_FRESH" ] || return 0
	log "apt-get update (private configuration, trixie and trixie-backports)"
	# --error-on=any: an unreachable mirror or a suite that failed to
	# download is an error, not a warning on a stale index.
	if ! apt-get -q --error-on=any update >"$APTDIR/update.log" 2>&1 ||
		grep -qiE '^(W|E): .*(signature|NO_PUBKEY|not signed)' "$APTDIR/update.log"; then
		die "apt-get update failed; see $APTDIR/update.log"
	fi
	touch "$APTDIR/state/updated"
	APT_FRESH=1
}

# install_lock FILE: replace deps.lock with FILE, keeping the lock's mode.
install_lock() {
	chmod --reference="$LOCK" "$1"
	mv "$1" "$LOCK"
}

lock_entries() {
	grep -v '^#' "$LOCK" | awk 'NF >= 2'
}

deb_path() {
	# Debian file names escape ':' in epochs as %3a; we name files ourselves.
	echo "$DEBS/$1_$(echo "$2" | tr ':' '_')_amd64.deb"
}

# index_sha PKG VER: the sha256 the signed index gives, or nothing.
index_sha() {
	# awk reads all of its input: an early exit would SIGPIPE apt-cache,
	# and pipefail would turn that into a failure.
	apt-cache show "$1=$2" 2>/dev/null |
		awk '/^SHA256:/ && s == "" { s = $2 } END { if (s != "") print s }'
}

# served PKG LOCKVER: every version of PKG the archive serves, one per
# line, from trixie-backports only if LOCKVER is from there.
served() {
	apt-cache madison "$1" 2>/dev/null |
		awk -F'|' -v bpo="$(case $2 in *~bpo*) echo 1 ;; *) echo 0 ;; esac)" '
		{ gsub(/ /, "", $2) }
		bpo == ($2 ~ /~bpo/) { print $2 }' | sort -u
}

# series_of VER: epoch and major.minor of the upstream version.
series_of() {
	echo "$1" | sed -nE 's/^(([0-9]+:)?[0-9]+\.[0-9]+).*/\1/p'
}

# in_series VER SERIES
in_series() {
	local v=$1 s=$2
	[ -n "$s" ] || return 1
	[ "$v" = "$s" ] && return 0
	case $v in "$s"*) ;; *) return 1 ;; esac
	case ${v:${#s}:1} in [0-9]) return 1 ;; esac
	return 0
}

# newest VER...: the newest by dpkg's ordering.
newest() {
	local best= v
	for v in "$@"; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# kernel_abi_at VER: the ABI name (6.12.117+deb13) of the kernel that the
# linux source package VER built, e.g. 6.12.115-2 -> 6.12.115+deb13.1, read
# off its linux-kbuild package, which every series has.
kernel_abi_at() {
	local ver=$1 names
	names=$(apt-cache pkgnames "linux-kbuild-$KSERIES." 2>/dev/null |
		grep -E "^linux-kbuild-${KSERIES//./\\.}\.[0-9]+\+[a-z0-9.]+\$" || true)
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2086
	apt-cache show $names 2>/dev/null | awk -v v="$ver" '
		/^Package:/ { p = $2 }
		/^Version:/ && $2 == v { sub(/^linux-kbuild-/, "", p); print p }' |
		sort -u
}

# The kernel group's ABI as deps.lock records it.
lock_kernel_abi() {
	local kver
	kver=$(lock_entries | awk -v p="$KSRC" '$1 == p { print $2 }')
	lock_entries | awk -v v="$kver" '$2 == v { print $1 }' |
		sed -nE 's/^linux-kbuild-(.*)$/\1/p' | sed -n 1p
}

# kernel_series LOCKVER: set KSERIES and KSRC to the series of a kernel
# group; fails for any other group.
kernel_series() {
	local src
	src=$(group_members "$1" | awk '$1 ~ /^linux-source-[0-9]+\.[0-9]+$/ { print $1 }')
	[ -n "$src" ] || return 1
	KSRC=$src
	KSERIES=${src#linux-source-}
}

# kernel_at VER: "pkg ver sha lockpkg lockver" for every package of
# deps.lock's kernel group (the lock's linux-source-6.12 version), renamed
# to the ABI of source version VER; fails if any is not served.
kernel_at() {
	local ver=$1 abi old kver pkg lpkg lver sum n
	old=$(lock_kernel_abi)
	[ -n "$old" ] || die "deps.lock has no linux-kbuild entry for $KSRC"
	kver=$(lock_entries | awk -v p="$KSRC" '$1 == p { print $2 }')
	[ -n "$kver" ] || die "deps.lock has no $KSRC entry"
	abi=$(kernel_abi_at "$ver")
	n=$(echo "$abi" | awk 'NF' | wc -l)
	[ "$n" = 1 ] || return 1
	while read -r lpkg lver _; do
		[ "$lver" = "$kver" ] || continue
		pkg=${lpkg/"$old"/"$abi"}
		sum=$(index_sha "$pkg" "$ver")
		[ -n "$sum" ] || return 1
		echo "$pkg $ver $sum $lpkg $lver"
	done < <(lock_entries)
}

# newest_kernel: the newest served linux-source-$KSERIES whose image,
# headers and kbuild are all served at the same version.
newest_kernel() {
	local v lv
	lv=$(lock_entries | awk -v p="$KSRC" '$1 == p { print $2 }')
	for v in $(served "$KSRC" "$lv" | while read -r v; do
		in_series "$v" "$KSERIES" && echo "$v"
	done | sort_versions_desc); do
		if kernel_at "$v" >/dev/null; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

sort_versions_desc() {
	local vs=() v
	while read -r v; do vs+=("$v"); done
	while [ ${#vs[@]} -gt 0 ]; do
		v=$(newest "${vs[@]}")
		echo "$v"
		local rest=() x
		for x in "${vs[@]}"; do [ "$x" = "$v" ] || rest+=("$x"); done
		vs=("${rest[@]+"${rest[@]}"}")
	done
}

# try_fetch PKG VER SUM: 0 when $DEBS has PKG VER with that sha256, 1 when
# the archive would not serve it; dies on a checksum mismatch.
try_fetch() {
	local pkg=$1 ver=$2 sum=$3 f tmp
	f=$(deb_path "$pkg" "$ver")
	cached "$pkg" "$ver" "$sum" && return 0
	apt_setup
	mkdir -p "$DEBS"
	tmp=$(mktemp -d "$DEBS/.dl.XXXXXX")
	if ! (cd "$tmp" && apt-get -q download "$pkg=$ver" >"$tmp/log" 2>&1); then
		rm -rf "$tmp"
		return 1
	fi
	mv "$tmp"/*.deb "$f.tmp"
	rm -rf "$tmp"
	echo "$sum  $f.tmp" | sha256sum -c --status || {
		rm -f "$f.tmp"
		die "sha256 mismatch for $pkg $ver (expected $sum)"
	}
	mv "$f.tmp" "$f"
	log "fetched $pkg $ver"
}

cached() {
	local f
	f=$(deb_path "$1" "$2")
	[ -f "$f" ] && echo "$3  $f" | sha256sum -c --status
}

# Groups: the lock's packages that share one locked version, in lock order.
lock_groups() {
	lock_entries | awk '{ print $2 }' | awk '!seen[$0]++'
}

group_members() {
	lock_entries | awk -v v="$1" '$2 == v'
}

is_kernel_group() {
	kernel_series "$1"
}

# The previous run's resolution of a group: "pkg ver sha lockpkg lockver"
# for each member, if every one of them is still in the cache.
previous() {
	local lver=$1 lines pkg ver sum lpkg lv
	[ -f "$RESOLVED.prev" ] || return 1
	lines=$(awk -v v="$lver" '$5 == v' "$RESOLVED.prev")
	[ "$(echo "$lines" | awk 'NF' | wc -l)" = "$(group_members "$lver" | wc -l)" ] ||
		return 1
	while read -r pkg ver sum lpkg lv; do
		group_members "$lver" | awk '{ print $1 }' | grep -qxF "$lpkg" || return 1
		cached "$pkg" "$ver" "$sum" || return 1
	done <<<"$lines"
	echo "$lines"
}

# resolve_group LOCKVER: print "pkg ver sha lockpkg lockver" for each member
# of the group, moving the group if the archive no longer serves it.
resolve_group() {
	local lver=$1 pkg ver sum all_cached=1 all_served try prev
	while read -r pkg ver sum; do
		[ -n "$sum" ] || die "deps.lock: $pkg has no sha256; run 'scripts/deps.sh lock'"
		cached "$pkg" "$ver" "$sum" || all_cached=
	done < <(group_members "$lver")
	if [ -n "$all_cached" ]; then
		group_members "$lver" | awk '{ print $1, $2, $3, $1, $2 }'
		return 0
	fi
	# A group that already moved, while the index is less than a day
	# old: the same move again, from the cache, without the network.
	if [ -n "$(find "$APTDIR/state/updated" -mmin -1440 2>/dev/null)" ] &&
		prev=$(previous "$lver"); then
		notice "$lver" "$(echo "$prev" | awk 'NR == 1 { print $2 }')"
		echo "$prev"
		return 0
	fi
	# Pinned and still served: use it, verified against deps.lock.  The
	# index may be a day old, so a failed download refreshes it once.
	apt_setup
	for try in 1 2; do
		all_served=1
		while read -r pkg ver sum; do
			[ -n "$(index_sha "$pkg" "$ver")" ] || { all_served= && break; }
		done < <(group_members "$lver")
		[ -n "$all_served" ] || break
		while read -r pkg ver sum; do
			try_fetch "$pkg" "$ver" "$sum" || { all_served= && break; }
		done < <(group_members "$lver")
		[ -z "$all_served" ] || break
		[ -z "$APT_FRESH" ] || break
		apt_refresh
	done
	if [ -n "$all_served" ]; then
		group_members "$lver" | awk '{ print $1, $2, $3, $1, $2 }'
		return 0
	fi
	move_group "$lver"
}

# newest_in_series LOCKVER: the newest version served for every member of
# a (non-kernel) group, in the group's series.
newest_in_series() {
	local lver=$1 series first v ok pkg new=
	series=$(series_of "$lver")
	first=$(group_members "$lver" | awk 'NR == 1 { print $1 }')
	for v in $(served "$first" "$lver"); do
		in_series "$v" "$series" || continue
		ok=1
		while read -r pkg _; do
			[ -n "$(index_sha "$pkg" "$v")" ] || { ok= && break; }
		done < <(group_members "$lver")
		[ -z "$ok" ] || new=$(newest $new "$v")
	done
	echo "$new"
}

notice() {
	local lver=$1 new=$2 first n others=
	first=$(group_members "$lver" | awk 'NR == 1 { print $1 }')
	n=$(group_members "$lver" | wc -l)
	[ "$n" -le 1 ] || others=" and $((n - 1)) more of its group"
	printf 'notice: the archive no longer serves %s %s (deps.lock)%s; using %s, the newest %s it serves, verified against its signed index. `make bump` records it.\n' \
		"$first" "$lver" "$others" "$new" "$(series_of "$lver")" >&2
}

move_group() {
	local lver=$1 new lines pkg ver sum lpkg lv first
	if is_kernel_group "$lver"; then
		new=$(newest_kernel) ||
			die "the archive serves no complete $KSERIES.y kernel (source, image," \
				"headers, kbuild) to replace $lver pinned in deps.lock"
		lines=$(kernel_at "$new")
	else
		first=$(group_members "$lver" | awk 'NR == 1 { print $1 }')
		new=$(newest_in_series "$lver")
		[ -n "$new" ] ||
			die "the archive no longer serves $first $lver (pinned in deps.lock)," \
				"nor any $(series_of "$lver") version of it; nothing to fall back to"
		lines=$(group_members "$lver" | while read -r pkg _; do
			sum=$(index_sha "$pkg" "$new")
			echo "$pkg $new $sum $pkg $lver"
		done)
	fi
	notice "$lver" "$new"
	while read -r pkg ver sum lpkg lv; do
		[ -n "$sum" ] && [ "$lv" = "$lver" ] ||
			die "internal error: no index entry for $pkg $ver ($lpkg $lv)"
		try_fetch "$pkg" "$ver" "$sum" ||
			die "the archive lists $pkg $ver but would not serve it"
		echo "$pkg $ver $sum $lpkg $lv"
	done <<<"$lines"
}

write_versions() {
	local r=$1 kernels xen moved
	# Per series: "kernel base linux-source-X.Y V, stock dom0 kernel R".
	kernels=$(awk '$1 ~ /^linux-source-/ { src[$2] = $1 }
		$1 ~ /^linux-kbuild-/ { abi[$2] = $1 }
		END { for (v in src) { a = abi[v]; sub(/^linux-kbuild-/, "", a)
			printf "%s%s %s (stock dom0 kernel %s-amd64)",
				(n++ ? "; " : ""), src[v], v, a } }' "$r")
	xen=$(awk '$1 ~ /^xen-hypervisor-/ { print $2 }' "$r")
	# One entry per moved group: its first package, the group's size.
	moved=$(awk '$1 != $4 || $2 != $5 {
		k = $5; if (!(k in n)) { o[++m] = k; first[k] = $4; to[k] = $2 }
		n[k]++ }
		END { for (i = 1; i <= m; i++) { k = o[i]
			printf "%s%s%s %s -> %s", (i > 1 ? "; " : ""), first[k],
				(n[k] > 1 ? " (+" (n[k] - 1) ")" : ""), k, to[k] } }' "$r")
	{
		echo "tested on: kernel bases $kernels; Xen $xen"
		echo "moved past deps.lock: ${moved:-nothing, every package as pinned}"
	} >"$VERSIONS"
}

cmd_fetch() {
	local tmp lver
	mkdir -p "$DEBS" "$XR_OUT"
	[ ! -f "$RESOLVED" ] || cp "$RESOLVED" "$RESOLVED.prev"
	tmp=$(mktemp "$XR_OUT/.resolved.XXXXXX")
	for lver in $(lock_groups); do
		resolve_group "$lver" >>"$tmp" || { rm -f "$tmp"; exit 1; }
	done
	mv "$tmp" "$RESOLVED"
	rm -f "$RESOLVED.prev"
	# Which lock this resolution is of (see load_versions).
	sha256sum <"$LOCK" | cut -d' ' -f1 >"$RESOLVED.lock"
	write_versions "$RESOLVED"
	cat "$VERSIONS" >&2
}

# unpack_deb PKG VER SUM: fetch (if need be) and unpack once; print the
# directory.
unpack_deb() {
	local pkg=$1 ver=$2 sum=$3 dir
	dir=$XR_CACHE/unpacked/$pkg-$(echo "$ver" | tr ':' '_')
	if [ ! -f "$dir/.done" ]; then
		try_fetch "$pkg" "$ver" "$sum" ||
			die "the archive does not serve $pkg $ver; run 'scripts/deps.sh fetch'"
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg -x "$(deb_path "$pkg" "$ver")" "$dir"
		touch "$dir/.done"
	fi
	echo "$dir"
}

cmd_unpack() {
	local want=$1 pkg ver sum lpkg
	resolved_is_current || cmd_fetch
	while read -r pkg ver sum lpkg _; do
		[ "$pkg" = "$want" ] || [ "$lpkg" = "$want" ] || continue
		unpack_deb "$pkg" "$ver" "$sum"
		return 0
	done <"$RESOLVED"
	die "$want is not in deps.lock"
}

cmd_lock() {
	apt_setup
	local tmp pkg ver sum
	tmp=$(mktemp)
	grep '^#' "$LOCK" >"$tmp" || true
	while read -r pkg ver _; do
		sum=$(index_sha "$pkg" "$ver")
		[ -n "$sum" ] || die "the archive index has no $pkg version $ver"
		printf '%s %s %s\n' "$pkg" "$ver" "$sum" >>"$tmp"
	done < <(lock_entries)
	install_lock "$tmp"
}

# bump: every group but the kernels to the newest served version of its
# series (scripts/tree.sh bump then moves each series' kernel).
cmd_bump() {
	apt_refresh
	local tmp lver pkg new first changed=0
	tmp=$(mktemp)
	grep '^#' "$LOCK" >"$tmp" || true
	for lver in $(lock_groups); do
		if is_kernel_group "$lver"; then
			group_members "$lver" >>"$tmp"
			continue
		fi
		first=$(group_members "$lver" | awk 'NR == 1 { print $1 }')
		new=$(newest_in_series "$lver")
		[ -n "$new" ] || { rm -f "$tmp"; die "the archive serves no" \
			"$(series_of "$lver") version of $first"; }
		# A bump never moves a group backwards.
		if dpkg --compare-versions "$new" lt "$lver"; then
			log "bump: $first $lver is newer than anything served ($new); kept"
			new=$lver
		fi
		if [ "$new" != "$lver" ]; then
			log "bump: $first $lver -> $new"
			changed=$((changed + 1))
		fi
		while read -r pkg _; do
			printf '%s %s %s\n' "$pkg" "$new" "$(index_sha "$pkg" "$new")"
		done < <(group_members "$lver") >>"$tmp"
	done
	if awk '!/^#/ && NF < 3' "$tmp" | grep -q .; then
		rm -f "$tmp"
		die "bump: the index lacks a sha256 for a package; deps.lock unchanged"
	fi
	install_lock "$tmp"
	log "bump: $changed group(s) moved"
}

# unpack_at PKG VER: unpack a version that deps.lock does not (yet) name,
# checked against the signed index; used to move the base.
cmd_unpack_at() {
	local pkg=$1 ver=$2 sum
	if [ -f "$XR_CACHE/unpacked/$pkg-$(echo "$ver" | tr ':' '_')/.done" ]; then
		unpack_deb "$pkg" "$ver" -
		return 0
	fi
	apt_setup
	sum=$(index_sha "$pkg" "$ver")
	[ -n "$sum" ] || die "the archive does not serve $pkg $ver"
	unpack_deb "$pkg" "$ver" "$sum"
}

# set_kernel VER: rewrite deps.lock's kernel lines to source version VER.
cmd_set_kernel() {
	local ver=$1 lines tmp l pkg lpkg
	apt_setup
	lines=$(kernel_at "$ver") ||
		die "the archive does not serve a complete $KSERIES kernel (source," \
			"image, headers, kbuild) at version $ver"
	tmp=$(mktemp)
	while IFS= read -r l; do
		pkg=${l%% *}
		lpkg=
		case $l in '#'* | '') ;; *)
			lpkg=$(echo "$lines" | awk -v p="$pkg" '$4 == p { print $1, $2, $3 }') ;;
		esac
		echo "${lpkg:-$l}"
	done <"$LOCK" >"$tmp"
	install_lock "$tmp"
}

case "${1:-}" in
fetch) cmd_fetch ;;
unpack-at) cmd_unpack_at "$2" "$3" ;;
set-kernel) cmd_set_kernel "$2" ;;
unpack) cmd_unpack "$2" ;;
lock) cmd_lock ;;
bump) cmd_bump ;;
newest-kernel)
	apt_setup
	newest_kernel || die "the archive serves no complete $KSERIES.y kernel"
	;;
kernel-at)
	apt_setup
	lines=$(kernel_at "$2") || die "the archive does not serve a complete" \
		"$KSERIES kernel (source, image, headers, kbuild) at version $2"
	echo "$lines" | cut -d' ' -f1-3
	;;
*) die "usage: $0 fetch|unpack PACKAGE|lock|bump|newest-kernel|kernel-at VERSION" \
	"       |unpack-at PACKAGE VERSION|set-kernel VERSION" ;;
esac
