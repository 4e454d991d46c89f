#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the patch series (make series, Documentation/series.rst):
# composed by scripts/kernel-tree.sh as the build does, then written by
# scripts/series.sh, the series less its documentation patches must give
# exactly the build's tree (so it cannot drift from kernel/), it must apply
# with git am to the pristine tree (git am takes no fuzz: a hunk whose
# context does not match fails) and give the series' own tree, and its
# extra patches must touch Documentation/ alone.  TAP output.
#
# Needs Debian's linux-source-6.12 tarball (scripts/deps.sh); skipped
# without it.  Uses the build's tree, build/linux (B), as make tree does.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
tmp=$(mktemp -d /tmp/kvmtrap-series.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/host_tap.inc"

echo "TAP version 13"
echo "1..5"
if [ ! -r /usr/src/linux-source-6.12.tar.xz ]; then
	for i in 1 2 3 4 5; do
		echo "ok $i # SKIP no linux-source-6.12 tarball (scripts/deps.sh)"
	done
	exit 0
fi

"$top/scripts/kernel-tree.sh" "$B/linux" >"$tmp/tree.log" 2>&1
result $? "kernel-tree.sh composes the build's tree" "$tmp/tree.log"

"$top/scripts/series.sh" "$B/linux" "$tmp/series" >"$tmp/series.log" 2>&1
st=$?
result $st "series.sh writes the series; less its extra patches it is the build's tree" \
	"$tmp/series.log"
if [ $st != 0 ]; then
	for i in 3 4 5; do echo "ok $i # SKIP no series"; done
	exit 1
fi

# git am on a pristine clone, checked out sparsely: only the files that
# the series touches.
patches=("$tmp"/series/[0-9][0-9][0-9][0-9]-*.patch)
patches=("${patches[@]:1}")
am=$tmp/am
{
	git clone -q --shared --no-checkout "$B/linux" "$am" &&
	git -C "$am" sparse-checkout set --no-cone $(cat "${patches[@]}" |
		sed -n 's|^diff --git a/\([^ ]*\) b/.*|/\1|p' | sort -u) &&
	git -C "$am" -c advice.detachedHead=false checkout -q pristine &&
	git -C "$am" -c user.name=kvmtrap -c user.email=kvmtrap@invalid \
		am -q --no-3way --whitespace=error "${patches[@]}"
} >"$tmp/am.log" 2>&1
st=$?
result $st "git am applies the ${#patches[@]} patches to the pristine tree, without whitespace errors" "$tmp/am.log"

want=$(sed -n 's/^Series head tree: //p' "$tmp/series/BASE")
have=$(git -C "$am" rev-parse -q --verify 'HEAD^{tree}' 2>/dev/null)
echo "git am gave $have, series.sh $want" >"$tmp/tree.txt"
[ $st = 0 ] && [ -n "$want" ] && [ "$have" = "$want" ]
result $? "git am gives the series' tree" "$tmp/tree.txt"

bad=$(awk '$2 == 1 { print $1 }' "$tmp/series/commits" | while read -r c; do
	git --git-dir="$tmp/series.git" diff-tree --no-commit-id --name-only -r "$c" 2>&1 |
		grep -v '^Documentation/'
done)
echo "${bad:-}" >"$tmp/extra.txt"
[ -z "$bad" ]
result $? "the extra patches touch Documentation/ only" "$tmp/extra.txt"

totals
