#!/bin/bash
# The series workflow.
#
#   scripts/tree.sh tree    build $XR_TREE: pristine base + `git am patches/*`
#   scripts/tree.sh export  regenerate patches/ from the commits on top of base
#   scripts/tree.sh verify  check that patches/ applies to the pristine base
#                           and, if $XR_TREE exists, that it matches it
#
# The pristine base is kept once, as a bare git repository in the cache, so
# a fresh clone of this project gets its tree in seconds.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/common.sh"

XR_TREE=${XR_TREE:-$TOP/linux}
BASE_GIT=$XR_CACHE/base-linux-source-6.12-$KVER-1.git
PATCHES=$TOP/patches
AUTHOR="xen-restrict developers <xen-restrict@invalid>"

export GIT_AUTHOR_NAME="xen-restrict developers"
export GIT_AUTHOR_EMAIL="xen-restrict@invalid"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME
export GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

base_repo() {
	[ -f "$BASE_GIT/.done" ] && return 0
	local src tmp
	src=$("$TOP/scripts/deps.sh" unpack linux-source-6.12)
	tmp=$XR_CACHE/base.tmp
	rm -rf "$tmp" "$BASE_GIT"
	mkdir -p "$tmp"
	log "unpacking linux-source-6.12 $KVER into a pristine git base"
	tar -C "$tmp" -xJf "$src/usr/src/linux-source-6.12.tar.xz"
	(
		cd "$tmp/linux-source-6.12"
		git init -q -b pristine
		# Fixed dates make the base commit identical on every machine.
		export GIT_AUTHOR_DATE="2025-08-29T00:00:00Z"
		export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
		git add -A -f .
		git commit -q -m "Debian linux-source-6.12 $KVER-1 (pristine base)"
		git tag base
	)
	git clone -q --bare "$tmp/linux-source-6.12" "$BASE_GIT"
	rm -rf "$tmp"
	touch "$BASE_GIT/.done"
}

series() {
	ls "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null |
		grep -v '/0000-cover-letter.patch$' || true
}

apply_series() {
	# $1: git tree positioned at base
	local p
	for p in $(series); do
		git -C "$1" am -q --keep-cr "$p" || {
			git -C "$1" am --abort || true
			die "patch does not apply to the base: $p"
		}
	done
}

unhide_toplevel() {
	# Debian's source package ignores everything at the top level, which
	# would hide new files from `git status`.  Drop that rule from the
	# working copy only; the committed .gitignore stays pristine.
	git -C "$1" update-index --skip-worktree .gitignore
	sed -i '/^# Debian packaging: ignore everything/,$d' "$1/.gitignore"
}

cmd_tree() {
	base_repo
	if [ -d "$XR_TREE/.git" ]; then
		if [ -n "$(git -C "$XR_TREE" status --porcelain --untracked-files=no)" ]; then
			die "$XR_TREE has uncommitted changes; commit and 'make export' them," \
				"or remove the tree to rebuild it"
		fi
		local ahead
		ahead=$(git -C "$XR_TREE" rev-list --count base..HEAD)
		if [ "$ahead" != 0 ] && ! cmd_verify >/dev/null 2>&1; then
			die "$XR_TREE has commits that are not in patches/; run 'make export'" \
				"first, or remove the tree to rebuild it from patches/"
		fi
		git -C "$XR_TREE" checkout -q -B work base
	else
		log "cloning the pristine base into $XR_TREE"
		git clone -q --shared -n "$BASE_GIT" "$XR_TREE"
		git -C "$XR_TREE" checkout -q -B work base
	fi
	apply_series "$XR_TREE"
	unhide_toplevel "$XR_TREE"
	git -C "$XR_TREE" config branch.work.description "$(cover_description)"
	log "tree ready: $XR_TREE ($(series | wc -l) patches on base)"
}

cmd_export() {
	[ -d "$XR_TREE/.git" ] || die "no tree at $XR_TREE; run 'make tree' first"
	local tmp n
	n=$(git -C "$XR_TREE" rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || die "no commits on top of base in $XR_TREE"
	tmp=$(mktemp -d)
	git -C "$XR_TREE" format-patch -q --cover-letter --no-signature \
		--zero-commit --cover-from-description=subject -o "$tmp" \
		--subject-prefix="PATCH xen-restrict" base..HEAD
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
	base_repo
	local tmp rc=0
	tmp=$(mktemp -d)
	git clone -q --shared "$BASE_GIT" "$tmp/t"
	git -C "$tmp/t" checkout -q -B work base
	(apply_series "$tmp/t") || rc=1
	if [ $rc = 0 ]; then
		echo "series: $(series | wc -l) patches apply to the pristine base"
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

case "${1:-}" in
tree) cmd_tree ;;
export) cmd_export ;;
verify) cmd_verify ;;
*) die "usage: $0 tree|export|verify" ;;
esac
