#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: kvmtrap as an ordinary patch series against the Debian 6.12
# tree, generated from the same files the build composes (series/series.list
# says which piece goes into which patch; Documentation/series.rst).
#
# The commits are made in a scratch bare clone of SRCDIR (shared objects),
# one scratch index per patch, as scripts/kernel-tree.sh composes its tree:
# no work tree, so this takes seconds.  The series without its extra
# (documentation-only) patches must give exactly SRCDIR's composed tree:
# anything else is a manifest out of step with kernel/, and fails here.
#
# usage: series.sh SRCDIR OUTDIR
#   SRCDIR: the kernel tree of scripts/kernel-tree.sh, composed (make tree)
#   OUTDIR: gets NNNN-*.patch, 0000-cover-letter.patch and BASE
# Also leaves OUTDIR/commits: "COMMIT EXTRA SLUG" per patch, for the checks.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "${1:?usage: series.sh SRCDIR OUTDIR}" && pwd)
out=${2:?usage: series.sh SRCDIR OUTDIR}
list=$top/series/series.list
tarball=/usr/src/linux-source-6.12.tar.xz

die() { echo "series: $*" >&2; exit 1; }

[ -f "$src/.kvmtrap-pristine" ] || die "$src is not prepared (make tree)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
scratch=$out.git
rm -rf "$scratch"
git clone -q --bare --shared "$src" "$scratch"
export GIT_DIR=$scratch
export GIT_INDEX_FILE=$scratch/series-index
git config gc.auto 0

# Authorship-free identity, no Signed-off-by: whoever sends the series
# certifies it with their own (git format-patch -s, git am -s); a trailer
# made up here would certify nothing.  The date is the last change of the
# series' sources, so that the same sources give the same files.
export GIT_AUTHOR_NAME=kvmtrap GIT_AUTHOR_EMAIL=kvmtrap@invalid
export GIT_COMMITTER_NAME=kvmtrap GIT_COMMITTER_EMAIL=kvmtrap@invalid
when=$(git -C "$top" --git-dir="$top/.git" log -1 --format=%cI -- \
	kernel include series Documentation/kvm-trap-api.rst 2>/dev/null ||
	true)
[ -n "$when" ] || when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
export GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when

pristine=$(git rev-parse -q --verify 'pristine^{commit}') ||
	die "$src has no pristine tag"

# The overlay files and patch files of kernel-tree.sh, each to be used.
declare -A want_file=() used_file=() used_patch=() withheld=()
while IFS= read -r -d '' f; do
	rel=${f#"$top/"}
	case "$rel" in
	kernel/configs/* | kernel/patches/* | kernel/fixes/*) continue ;;
	esac
	want_file[$rel]=1
done < <(cd "$top" && find "$top/kernel" "$top/include" -type f \
	! -name '*.orig' ! -name '*~' -print0 | sort -z)

# Message of a patch: a text file, or a patch file's text before its diff.
message() {
	case "$1" in
	*.patch) sed '/^diff --git /,$d' "$top/$1" ;;
	*) cat "$top/$1" ;;
	esac | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

add_blob() { # REPOFILE TREEPATH
	local blob mode=100644
	[ -f "$top/$1" ] || die "$1: no such file"
	blob=$(git hash-object -w -- "$top/$1")
	[ -x "$top/$1" ] && mode=100755
	git update-index --add --cacheinfo "$mode,$blob,$2"
}

parent=$pristine
slug= msg= extra=0 seen_extra=0 n=0
: >"$out/commits.tmp"
commit() {
	local tree c
	[ -n "$slug" ] || return 0
	[ -n "$msg" ] || die "patch $slug: no msg"
	tree=$(git write-tree)
	[ "$tree" != "$(git rev-parse "$parent^{tree}")" ] ||
		die "patch $slug: changes nothing"
	c=$(message "$msg" | git commit-tree "$tree" -p "$parent")
	echo "$c $extra $slug" >>"$out/commits.tmp"
	parent=$c
	slug=
}

while read -r verb args; do
	case "$verb" in
	'' | '#'*) continue ;;
	esac
	set -- $args
	case "$verb" in
	patch)
		commit
		n=$((n + 1))
		slug=$1 msg= extra=0
		[ "$seen_extra" = 0 ] || die "patch $slug: after an extra patch"
		git read-tree "$parent"
		;;
	msg) msg=$1 ;;
	apply)
		p=$1
		shift
		inc=()
		for f in "$@"; do inc+=("--include=$f"); done
		[ -f "$top/$p" ] || die "$p: no such file"
		git apply --cached --whitespace=nowarn "${inc[@]}" "$top/$p" ||
			die "patch $slug: $p does not apply"
		used_patch[$p]=1
		unset "withheld[$p]"
		;;
	file)
		[ -n "${want_file[$1]:-}" ] || die "patch $slug: $1 is no overlay file"
		[ -z "${used_file[$1]:-}" ] || die "patch $slug: $1 used twice"
		used_file[$1]=1
		case "$1" in
		kernel/*) add_blob "$1" "${1#kernel/}" ;;
		*) add_blob "$1" "$1" ;;
		esac
		;;
	withhold)
		p=$1
		shift
		inc=()
		for f in "$@"; do inc+=("--include=$f"); done
		case "$p" in
		series/patches/*) ;;
		*) die "patch $slug: withhold $p: only series/patches files are withheld" ;;
		esac
		[ -f "$top/$p" ] || die "$p: no such file"
		git apply --cached -R --whitespace=nowarn "${inc[@]}" "$top/$p" ||
			die "patch $slug: withholding $p ${*:-} fails: $p no longer matches what the earlier pieces give"
		withheld[$p]=$slug
		;;
	copy) add_blob "$1" "$2" ;;
	new) add_blob "series/files/$1" "$1" ;;
	extra) extra=1 seen_extra=1 ;;
	*) die "series.list: unknown line '$verb $args'" ;;
	esac
done <"$list"
commit

for p in "${!withheld[@]}"; do
	die "patch ${withheld[$p]} withholds $p, which no later patch applies"
done
for f in "${!want_file[@]}"; do
	[ -n "${used_file[$f]:-}" ] || die "overlay file $f is in no patch"
done
for p in "$top"/kernel/fixes/*.patch "$top"/kernel/patches/*.patch; do
	[ -e "$p" ] || continue
	[ -n "${used_patch[${p#"$top/"}]:-}" ] || die "${p#"$top/"} is in no patch"
done

# The build's tree is the series without its extra patches.
last=$pristine
while read -r c e s; do [ "$e" = 1 ] || last=$c; done <"$out/commits.tmp"
want=$(git -C "$src" --git-dir="$src/.git" rev-parse 'HEAD^{tree}')
have=$(git rev-parse "$last^{tree}")
if [ "$have" != "$want" ]; then
	git diff --stat "$want" "$have" >&2 || true
	die "the series gives another tree than kernel-tree.sh (above: composed -> series)"
fi
mv "$out/commits.tmp" "$out/commits"

# The base, for whoever applies the series elsewhere.
pkgver=$(cat "$src/.kvmtrap-pristine")
sha=$(sha256sum "$tarball" 2>/dev/null | cut -d' ' -f1 || echo unknown)
ptree=$(git rev-parse 'pristine^{tree}')
{
	echo "Debian package: linux-source-6.12 $pkgver"
	echo "Tarball: $tarball"
	echo "Tarball sha256: $sha"
	echo "Kernel version: $(make -s -C "$src" kernelversion 2>/dev/null || echo unknown)"
	echo "Pristine tree: $ptree"
	echo "  (git tree of the unpacked tarball, every file tracked: tar -xJf"
	echo "  the tarball --strip-components=1, git init, git add -f -A)"
	echo "Series head tree: $(git rev-parse "$parent^{tree}")"
	echo "Build tree: $want (the series without its extra patches)"
} >"$out/BASE"

rm -f "$out"/*.patch
git format-patch -q --no-signature --cover-letter --zero-commit \
	-o "$out" "$pristine..$parent"

# The cover letter: our text, the base, where each patch would go
# (MAINTAINERS, via get_maintainer.pl), and the benchmark's tables.
cover=$out/0000-cover-letter.patch
blurb=$out/blurb.tmp
{
	sed '1,/^$/d' "$top/series/cover.txt"
	echo
	echo "Base"
	echo "----"
	echo
	sed 's/^/  /' "$out/BASE"
	echo
	echo "Where each patch would go (get_maintainer.pl on MAINTAINERS)"
	echo "------------------------------------------------------------"
	echo
	i=0
	while read -r c e s; do
		i=$((i + 1))
		p=$(ls "$out"/"$(printf %04d $i)"-*.patch)
		echo "  $i. $(git log -1 --format=%s "$c")"
		(cd "$src" && ./scripts/get_maintainer.pl --no-git \
			--no-git-fallback --no-email --no-l --no-r --subsystem \
			--no-rolestats --scm "$p" 2>/dev/null) |
			grep -v '^THE REST\|^git git://git.kernel.org/pub/scm/linux/kernel/git/torvalds' |
			sed 's/^/      /' || true
	done <"$out/commits"
	echo
	echo "Numbers (Documentation/benchmark.rst of kvmtrap, make bench)"
	echo "-------------------------------------------------------------"
	echo
	echo "Guest instructions per call under QEMU -icount shift=0 (one"
	echo "virtual nanosecond per instruction), the same tree and config"
	echo "unpatched next to patched."
	awk '
		/^(VHE \(the default\)|nVHE|Measured)/ { on = 1; print ""; print; next }
		on && /^[^ ]/ && !/::$/ { on = 0 }
		on && /^$/ { blank = 1; next }
		on { if (blank) print ""; blank = 0; print }
	' "$top/Documentation/benchmark.rst"
} >"$blurb"
subject=$(sed -n '1p' "$top/series/cover.txt")
SUBJECT=$subject BLURB=$blurb perl -0pi -e '
	open my $fh, "<", $ENV{BLURB} or die; local $/; my $b = <$fh>;
	s/\*\*\* SUBJECT HERE \*\*\*/$ENV{SUBJECT}/;
	s/\*\*\* BLURB HERE \*\*\*\n/$b/;
' "$cover"
rm -f "$blurb"
echo "  SERIES  $n patches in $out (base: linux-source-6.12 $pkgver)"
