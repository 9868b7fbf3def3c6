#!/bin/bash
# The series workflow.  Every command works on one series, SERIES=7.3 (the
# upstream series, the default) or SERIES=6.12 (its backport): its tree
# linux-$SERIES/ and its patches patches/$SERIES/.
#
#   scripts/tree.sh tree    build $XR_TREE: pristine base + `git am patches/*`
#   scripts/tree.sh export  regenerate patches/$SERIES from the commits on
#                           top of base
#   scripts/tree.sh verify  check that patches/$SERIES applies to the
#                           pristine base and, if $XR_TREE exists, that it
#                           matches it
#   scripts/tree.sh rebase VERSION
#                           move $XR_TREE and patches/$SERIES onto another
#                           served linux-source-$SERIES VERSION (e.g.
#                           6.12.117-1) with `git am -3`, and point
#                           deps.lock's kernel of that series at it; names
#                           the first patch that stops applying
#   scripts/tree.sh bump    deps.lock to the newest served version of each
#                           package, and rebase each series onto its newest
#                           served base
#   scripts/tree.sh base    print the base version $XR_TREE is on, if any
#
# The base of a series is the linux-source-$SERIES that deps.lock resolves
# to (see scripts/deps.sh).  Each base is kept once, as a bare git repository in the
# cache, so a fresh clone of this project gets its tree in seconds.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"
load_versions

# The subject prefix of each series' patches.
case $SERIES in
6.12) PREFIX="PATCH 6.12.y v3 xen-restrict" ;;
*) PREFIX="PATCH v3 xen-restrict" ;;
esac

export GIT_AUTHOR_NAME=$XR_NAME
export GIT_AUTHOR_EMAIL=$XR_EMAIL
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME
export GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

base_git() {
	echo "$XR_CACHE/base-$KSRC-$1.git"
}

# base_repo [VERSION]: make sure the pristine base of $KSRC
# VERSION (default: the one deps.lock resolves to) is in the cache, and
# print its path.
base_repo() {
	local ver=${1:-$KSRC_VER} src tar tmp g
	g=$(base_git "$ver")
	BASE_G=$g
	[ -f "$g/.done" ] && return 0
	if [ "$ver" = "$KSRC_VER" ]; then
		src=$("$TOP/scripts/deps.sh" unpack $KSRC) ||
			die "could not unpack $KSRC $ver"
	else
		src=$("$TOP/scripts/deps.sh" unpack-at $KSRC "$ver") ||
			die "could not unpack $KSRC $ver"
	fi
	tar=$src/usr/src/$KSRC.tar.xz
	[ -n "$src" ] && [ -f "$tar" ] || die "no $tar"
	tmp=$XR_CACHE/base.tmp
	rm -rf "$tmp" "$g"
	mkdir -p "$tmp"
	log "unpacking $KSRC $ver into a pristine git base"
	tar -C "$tmp" -xJf "$tar" || die "could not unpack $tar"
	local t=$tmp/$KSRC
	[ -f "$t/Makefile" ] || die "$tar holds no $KSRC/"
	# Fixed dates make the base commit identical on every machine.
	GIT_AUTHOR_DATE="2025-08-29T00:00:00Z" GIT_COMMITTER_DATE="2025-08-29T00:00:00Z" \
		sh -c 'git -C "$1" init -q -b pristine &&
			git -C "$1" add -A -f . &&
			git -C "$1" commit -q -m "Debian $3 $2 (pristine base)" &&
			git -C "$1" tag base' sh "$t" "$ver" "$KSRC" ||
		die "could not make the pristine base of $ver"
	git clone -q --bare "$t" "$g" || die "could not clone $t"
	rm -rf "$tmp"
	touch "$g/.done"
}
# tree_base [DIR]: the $KSRC version a tree was built on.
tree_base() {
	git -C "${1:-$XR_TREE}" log -1 --format=%s base 2>/dev/null |
		sed -n "s/^Debian $KSRC \\([^ ]*\\) (pristine base)\$/\\1/p"
}

series() {
	ls "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null |
		grep -v '/0000-cover-letter.patch$' || true
}

apply_series() {
	# $1: git tree positioned at base.  `git am -3` falls back to a
	# three-way merge when the blobs a patch names are in the repository.
	local p out
	for p in $(series); do
		if ! out=$(git -C "$1" am -3 -q --keep-cr "$p" 2>&1); then
			echo "$out" >&2
			git -C "$1" am --abort >/dev/null 2>&1 || true
			die "patch ${p##*/} does not apply to the base, $KSRC" \
				"$(tree_base "$1"); if deps.lock's kernel moved (see" \
				"$XR_OUT/versions.txt), port the series with 'make rebase'"
		fi
	done
}

unhide_toplevel() {
	# Debian's source package ignores everything at the top level, which
	# would hide new files from `git status`.  Drop that rule from the
	# working copy only; the committed .gitignore stays pristine.
	git -C "$1" update-index --skip-worktree .gitignore
	sed -i '/^# Debian packaging: ignore everything/,$d' "$1/.gitignore"
}

# tree_saved: everything in $XR_TREE is in patches/ (checked against the
# tree's own base, whichever it is).
tree_saved() {
	if [ -n "$(git -C "$XR_TREE" status --porcelain --untracked-files=no)" ]; then
		die "$XR_TREE has uncommitted changes; commit and 'make export' them," \
			"or remove the tree to rebuild it"
	fi
	local ahead
	ahead=$(git -C "$XR_TREE" rev-list --count base..HEAD)
	[ "$ahead" = 0 ] || base_repo "$(tree_base)"
	if [ "$ahead" != 0 ] && ! verify_on "$(tree_base)" >/dev/null 2>&1; then
		die "$XR_TREE has commits that are not in patches/; run 'make export'" \
			"first, or remove the tree to rebuild it from patches/"
	fi
}

cmd_tree() {
	base_repo
	if [ -d "$XR_TREE/.git" ]; then
		tree_saved
		if [ "$(tree_base)" != "$KSRC_VER" ]; then
			log "$XR_TREE is on $KSRC $(tree_base); deps.lock" \
				"resolves to $KSRC_VER: porting it"
			port_tree "$KSRC_VER"
			log "tree ready: $XR_TREE ($(series | wc -l) patches on base)"
			return 0
		fi
		git -C "$XR_TREE" checkout -q -B work base
		apply_series "$XR_TREE"
	else
		port_tree "$KSRC_VER"
	fi
	unhide_toplevel "$XR_TREE"
	git -C "$XR_TREE" config branch.work.description "$(cover_description)"
	# Commits made in the tree, by hand or with `git commit -s`, are the
	# project's: check.sh refuses a patch authored or signed by anyone else.
	git -C "$XR_TREE" config user.name "$XR_NAME"
	git -C "$XR_TREE" config user.email "$XR_EMAIL"
	log "tree ready: $XR_TREE ($(series | wc -l) patches on base)"
}

# port_tree VERSION: build patches/ on the base VERSION in $XR_TREE.new with
# `git am -3`, the blobs of any existing $XR_TREE at hand for the three-way
# merges, and put it in place of $XR_TREE only if every patch applies.
# Sets PORT_N3 to the number of patches that needed a three-way merge.
port_tree() {
	local ver=$1 new=$XR_TREE.new p i=0 out
	PORT_N3=0
	base_repo "$ver"
	rm -rf "$new"
	git clone -q --shared -n "$BASE_G" "$new" || die "could not clone $BASE_G"
	git -C "$new" checkout -q -B work base
	if [ -d "$XR_TREE/.git" ]; then
		git -C "$new" fetch -q "$XR_TREE" "+HEAD:refs/xr/old" ||
			die "could not fetch $XR_TREE's objects"
	fi
	for p in $(series); do
		i=$((i + 1))
		if ! git -C "$new" apply --check "$p" 2>/dev/null; then
			PORT_N3=$((PORT_N3 + 1))
			log "${p##*/} does not apply as it is; trying a three-way merge"
		fi
		if ! out=$(git -C "$new" am -3 -q --keep-cr "$p" 2>&1); then
			echo "$out" >&2
			git -C "$new" am --abort >/dev/null 2>&1 || true
			rm -rf "$new"
			die "patch $i, ${p##*/}, does not apply to $KSRC $ver;" \
				"nothing was changed.  Port it by hand on a tree of that base" \
				"(git am -3 needs the blobs the patch names), then 'make export'"
		fi
	done
	git -C "$new" update-ref -d refs/xr/old 2>/dev/null || true
	unhide_toplevel "$new"
	git -C "$new" config branch.work.description "$(cover_description)"
	rm -rf "$XR_TREE"
	mv "$new" "$XR_TREE"
}
cmd_export() {
	[ -d "$XR_TREE/.git" ] || die "no tree at $XR_TREE; run 'make tree' first"
	local tmp n
	n=$(git -C "$XR_TREE" rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || die "no commits on top of base in $XR_TREE"
	tmp=$(mktemp -d)
	git -C "$XR_TREE" format-patch -q --cover-letter --no-signature \
		--zero-commit --cover-from-description=subject -o "$tmp" \
		--subject-prefix="$PREFIX" base..HEAD
	# The cover letter carries the newest patch's date, not the time of
	# export, so that re-exporting an unchanged series changes nothing.
	local d
	d=$(git -C "$XR_TREE" log -1 --format=%aD HEAD)
	sed -i "0,/^Date: .*/s//Date: $d/" "$tmp/0000-cover-letter.patch"
	rm -f "$PATCHES"/*.patch
	mkdir -p "$PATCHES"
	mv "$tmp"/*.patch "$PATCHES"/
	rmdir "$tmp"
	log "exported $n patches to $PATCHES"
}

cover_description() {
	# Subject and blurb of the cover letter, as a branch description that
	# `format-patch --cover-from-description=subject` turns back into one.
	local c=$PATCHES/0000-cover-letter.patch
	[ -f "$c" ] || return 0
	sed -n 's/^Subject: \[[^]]*\] //p' "$c" | head -1
	echo
	# The blurb ends where format-patch's shortlog begins: the first
	# "Author Name (N):" line.
	awk 'h == 0 && /^$/ { h = 1; next }
	     h == 1 && /^[^ ].* \([0-9]+\):$/ { exit }
	     h == 1 { print }' "$c" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

cmd_verify() {
	if [ -d "$XR_TREE/.git" ] && [ "$(tree_base)" != "$KSRC_VER" ]; then
		echo "error: $XR_TREE is on $KSRC $(tree_base), but deps.lock" \
			"resolves to $KSRC_VER; run 'make tree' to rebuild it" >&2
		return 1
	fi
	verify_on "$KSRC_VER"
}

# verify_on VERSION: patches/ applies to that base, and $XR_TREE agrees.
verify_on() {
	local tmp rc=0
	base_repo "$1"
	tmp=$(mktemp -d)
	git clone -q --shared "$BASE_G" "$tmp/t"
	git -C "$tmp/t" checkout -q -B work base
	(apply_series "$tmp/t") || rc=1
	if [ $rc = 0 ]; then
		echo "series: $(series | wc -l) patches apply to the pristine base," \
			"$KSRC $1"
		if [ -d "$XR_TREE/.git" ]; then
			if ! git -C "$XR_TREE" diff --quiet "$(git -C "$tmp/t" rev-parse HEAD^{tree})" HEAD -- 2>/dev/null; then
				git -C "$XR_TREE" fetch -q "$tmp/t" work 2>/dev/null
				if ! git -C "$XR_TREE" diff --quiet FETCH_HEAD HEAD; then
					echo "error: $XR_TREE and patches/ disagree:" >&2
					git -C "$XR_TREE" diff --stat FETCH_HEAD HEAD >&2
					echo "run 'make export' to save the tree, or 'make tree' to rebuild it" >&2
					rc=1
				fi
			fi
			if [ -n "$(git -C "$XR_TREE" status --porcelain --untracked-files=no)" ]; then
				echo "error: $XR_TREE has uncommitted changes" >&2
				rc=1
			fi
		fi
	fi
	rm -rf "$tmp"
	return $rc
}

# rebase VERSION: port the series onto another served base.
cmd_rebase() {
	local new=${1:-} old
	[ -n "$new" ] || die "usage: make rebase SERIES=X.Y BASE=V (a served $KSRC version)"
	"$TOP/scripts/deps.sh" kernel-at "$new" >/dev/null
	[ -d "$XR_TREE/.git" ] || cmd_tree
	tree_saved
	old=$(tree_base)
	if [ "$old" = "$new" ]; then
		log "$XR_TREE is already on $KSRC $new"
	else
		port_tree "$new"
		log "rebase: $(series | wc -l) patches moved from $KSRC" \
			"$old to $new ($PORT_N3 by three-way merge)"
	fi
	"$TOP/scripts/deps.sh" set-kernel "$new"
	# The cover letter names its base.
	git -C "$XR_TREE" config branch.work.description "$(
		git -C "$XR_TREE" config branch.work.description |
			sed "s/^\(The series applies to Debian 13's $KSRC\) [^ ]*\.\$/\1 $new./")"
	cmd_export
	log "deps.lock's kernel lines now name $new; run 'make check', then" \
		"commit deps.lock and patches/ together"
}
# bump: the newest served version of every package, each series' kernel
# base included.
cmd_bump() {
	local k saved s
	saved=$(mktemp)
	cp -p "$TOP/deps.lock" "$saved"
	if ! "$TOP/scripts/deps.sh" bump; then
		cp -p "$saved" "$TOP/deps.lock"
		rm -f "$saved"
		die "bump failed; deps.lock is as it was"
	fi
	for s in $XR_ALL_SERIES; do
		if ! k=$(SERIES=$s "$TOP/scripts/deps.sh" newest-kernel) ||
			! SERIES=$s XR_TREE= PATCHES= "$0" rebase "$k"; then
			cp -p "$saved" "$TOP/deps.lock"
			rm -f "$saved"
			die "bump failed at series $s; deps.lock is as it was"
		fi
	done
	rm -f "$saved"
}
case "${1:-}" in
tree) cmd_tree ;;
export) cmd_export ;;
verify) cmd_verify ;;
rebase) cmd_rebase "${2:-}" ;;
base) tree_base || true ;;
bump) cmd_bump ;;
*) die "usage: $0 tree|export|verify|rebase VERSION|bump|base" ;;
esac
