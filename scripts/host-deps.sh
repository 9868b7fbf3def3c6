#!/bin/bash
# Install the host's build and lab dependencies (Debian 12) when missing.
set -euo pipefail
PKGS="qemu-system-x86 qemu-utils sparse ccache cpio gzip xz-utils bc bison
flex libelf-dev libssl-dev dwarves rsync kmod gawk python3 git make gcc perl
debian-archive-keyring python3-ply python3-git gnuplot-nox"
missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
echo "installing host packages: ${missing[*]}" >&2
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get -q update >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -q install -y \
	--no-install-recommends "${missing[@]}" >/dev/null
