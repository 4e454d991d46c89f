#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the patched kernel source tree: Debian's linux-source-6.12 tarball,
# kernel/fixes/*.patch (fixes of upstream bugs, not kvmtrap), our files
# overlaid (kernel/<path> and include/<path>, same paths as in the kernel
# tree), then kernel/patches/*.patch, each set applied in order.
#
# The tree is a git work tree whose first commit is the pristine tarball.  The
# wanted tree is composed in a scratch index and checked out over the current
# one, so only files whose content really changes get a new mtime.  That is
# what keeps an out-of-tree rebuild after touching one of our files at a
# minute or two instead of a full build.
#
# usage: kernel-tree.sh SRCDIR
#        kernel-tree.sh --pristine SRCDIR BASEDIR
#
# --pristine: BASEDIR gets the pristine tree of SRCDIR (prepared first)
# with kernel/fixes/*.patch and nothing of kvmtrap, exported again when the
# Debian package version or a fix changes: the benchmark's baseline, which
# must differ from our kernel by kvmtrap alone.
set -euo pipefail

if [ "${1:-}" = --pristine ]; then
	src=${2:?usage: kernel-tree.sh --pristine SRCDIR BASEDIR}
	base=${3:?usage: kernel-tree.sh --pristine SRCDIR BASEDIR}
	top=$(cd "$(dirname "$0")/.." && pwd)
	mkdir -p "$(dirname "$base")"
	base=$(cd "$(dirname "$base")" && pwd)/$(basename "$base")
	want=$(cat "$src/.kvmtrap-pristine" 2>/dev/null) ||
		{ echo "kernel-tree: $src is not prepared" >&2; exit 1; }
	fixes=("$top"/kernel/fixes/*.patch)
	[ -e "${fixes[0]}" ] || fixes=()
	want="$want fixes:$(cat /dev/null "${fixes[@]}" | sha256sum | cut -c1-16)"
	if [ "$(cat "$base/.kvmtrap-pristine" 2>/dev/null)" != "$want" ]; then
		echo "  TREE    pristine linux-source-6.12 ${want%% *} + ${#fixes[@]} fix(es) in $base"
		rm -rf "$base" "$base.tmp"
		mkdir -p "$base.tmp"
		git -C "$src" archive pristine | tar -x -C "$base.tmp"
		for p in "${fixes[@]}"; do
			# Not a repository: the ceiling keeps git from finding
			# ours around it, where it would skip every path.
			(cd "$base.tmp" &&
				GIT_CEILING_DIRECTORIES=$(dirname "$base") \
				git apply --whitespace=nowarn "$p") || {
				echo "kernel-tree: fix does not apply: kernel/fixes/$(basename "$p")" >&2
				exit 1
			}
		done
		echo "$want" >"$base.tmp/.kvmtrap-pristine"
		mv "$base.tmp" "$base"
	fi
	exit 0
fi

top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: kernel-tree.sh SRCDIR}
mkdir -p "$(dirname "$src")"
src=$(cd "$(dirname "$src")" && pwd)/$(basename "$src")
tarball=/usr/src/linux-source-6.12.tar.xz
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)

die() { echo "kernel-tree: $*" >&2; exit 1; }

# Two makes at once (make kernel and make bench in two terminals) would
# share the tree's git index: one at a time.
exec 9>"$src.lock"
flock 9

[ -r "$tarball" ] || die "$tarball missing: run scripts/deps.sh"

g() { git -C "$src" -c user.name=kvmtrap -c user.email=kvmtrap@invalid \
	-c core.autocrlf=false -c advice.detachedHead=false "$@"; }

# 1. Pristine tree, once per Debian package version.
if [ "$(cat "$src/.kvmtrap-pristine" 2>/dev/null)" != "$pkgver" ]; then
	echo "  TREE    unpacking linux-source-6.12 $pkgver"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	git -C "$src.tmp" init -q
	# A background auto-gc of 80,000 objects would race the next run.
	git -C "$src.tmp" config gc.auto 0
	# Debian's top .gitignore ignores everything; track the tree anyway.
	git -C "$src.tmp" -c core.compression=0 -c core.looseCompression=0 \
		add -f -A .
	git -C "$src.tmp" -c user.name=kvmtrap -c user.email=kvmtrap@invalid \
		commit -q -m "linux-source-6.12 $pkgver"
	git -C "$src.tmp" tag pristine
	echo "$pkgver" >"$src.tmp/.kvmtrap-pristine"
	mv "$src.tmp" "$src"
fi

# 2. Compose the wanted tree in a scratch index.
export GIT_INDEX_FILE="$src/.git/kvmtrap-index"
rm -f "$GIT_INDEX_FILE"
g read-tree pristine

overlay() {
	local base=$1 prefix=$2 f rel blob mode
	[ -d "$top/$base" ] || return 0
	while IFS= read -r -d '' f; do
		rel=${f#"$top/$base/"}
		case "$rel" in
		configs/* | patches/* | fixes/*) [ "$base" = kernel ] && continue ;;
		esac
		blob=$(g hash-object -w -- "$f")
		mode=100644
		[ -x "$f" ] && mode=100755
		g update-index --add --cacheinfo "$mode,$blob,$prefix$rel"
	done < <(find "$top/$base" -type f ! -name '*.orig' ! -name '*~' -print0 | sort -z)
}
overlay kernel ""
overlay include include/

for p in "$top"/kernel/fixes/*.patch "$top"/kernel/patches/*.patch; do
	[ -e "$p" ] || continue
	if ! g apply --cached --whitespace=nowarn "$p" 2>"$src/.git/apply.err"; then
		cat "$src/.git/apply.err" >&2
		die "patch does not apply: ${p#"$top"/}"
	fi
done
tree=$(g write-tree)
unset GIT_INDEX_FILE

# 3. Check it out; unchanged files keep their mtimes.
if [ "$(g rev-parse -q --verify 'HEAD^{tree}')" != "$tree" ]; then
	commit=$(echo "kvmtrap overlay and patches" |
		g commit-tree "$tree" -p pristine)
	g checkout -q -f "$commit"
	stat=$(g diff --shortstat pristine HEAD | sed 's/^ *//')
	echo "  TREE    ${stat:-pristine linux-source-6.12}"
fi
# A stray edit in the tree would silently diverge from the repository.
g reset -q --hard HEAD
