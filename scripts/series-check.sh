#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make series-check: the series of make series, one patch at a time, on a
# pristine tree of its own (WORKDIR/linux, a clone of SRCDIR at its
# pristine tag).  After each patch (git am): the kernel of each
# architecture of SERIES_ARCHS, built incrementally with the project's
# config (kernel-build.sh), and scripts/checkpatch.pl --strict on the
# patch.  Stops at the first patch that does not build or that checkpatch
# flags, but for the allow-list below.  Then the tree of the last code
# patch must be SRCDIR's composed tree.  Booting the series' kernels is
# the Makefile's part (make series-check runs make check with them).
#
# usage: series-check.sh SRCDIR SERIESDIR WORKDIR
# env:   SERIES_ARCHS (default "arm64 ppc64le"), JOBS, V
# Writes WORKDIR/report (one line per patch) and WORKDIR/NNNN-*.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "${1:?usage: series-check.sh SRCDIR SERIESDIR WORKDIR}" && pwd)
series=$(cd "${2:?}" && pwd)
work=${3:?}
archs=${SERIES_ARCHS:-arm64 ppc64le}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# Named as the benchmark's baseline (build/linux-base, build/kernel-ARCH-base):
# ccache keys on paths relative to the object directory, so the first
# build, of the pristine tree with the fixes and the config less our
# option, is then the baseline's, from the cache.
tree=$work/linux-base
kobj() { echo "$work/kernel-$1-base"; }
report=$work/report

die() { echo "series-check: $*" >&2; exit 1; }

# checkpatch findings that upstream's own code has too, each with why it
# is not to be fixed here: TYPE and an extended regex matched against the
# line checkpatch names (or "" for any line).
allow=(
	# No Signed-off-by by design: the sender adds theirs (series.rst).
	"MISSING_SIGN_OFF|"
	# New files fall under existing MAINTAINERS entries (virt/kvm/,
	# arch/*/kvm/, kernel/bpf/, Documentation/virt/kvm/...):
	# get_maintainer.pl names them in the cover letter.
	"FILE_PATH_CHANGES|"
	# An anonymous padding bit-field, upstream bpf.h's own idiom
	# (struct bpf_link_info's other members use "__u32 :32;").
	"SPACING|^\+[[:space:]]*__u32 :32;"
	# KVM_GENERIC_VM_STATS() is a list of initialisers, as upstream's
	# definition of the same macro: parentheses would break it.
	"COMPLEX_MACRO|KVM_GENERIC_VM_STATS"
	# The arm64 ESR exception class names are upstream's.
	"CAMELCASE|ESR_ELx_"
	# kvm_book3s.h declares every prototype extern; one without would
	# break the file's style for checkpatch's preference.
	"AVOID_EXTERNS|^\+extern int kvmppc_hcall_kind_pr"
)

allowed() { # TYPE LINE
	local a type re
	for a in "${allow[@]}"; do
		type=${a%%|*} re=${a#*|}
		[ "$type" = "$1" ] || continue
		[ -z "$re" ] && return 0
		[[ $2 =~ $re ]] && return 0
	done
	return 1
}

g() { git -C "$tree" -c user.name=kvmtrap -c user.email=kvmtrap@invalid \
	-c advice.detachedHead=false "$@"; }

# A tree of our own: a clone sharing SRCDIR's objects, reset to pristine.
# Only files that differ from the last run get new mtimes, so the kernels
# of the previous run build incrementally.
if [ ! -d "$tree/.git" ]; then
	echo "  TREE    cloning $src at pristine into $tree"
	git clone -q --shared --no-checkout "$src" "$tree"
	g config gc.auto 0
fi
g am --abort >/dev/null 2>&1 || true
g checkout -q -f --detach pristine
g clean -q -fdx -e /.kvmtrap-pristine

# The fragments: the project's config, less our option while the tree has
# no architecture that can give it (before the arm64 and POWER patches).
frags() { # ARCH
	local kc=arch/arm64/kvm/Kconfig
	[ "$1" = ppc64le ] && kc=arch/powerpc/kvm/Kconfig
	if grep -q 'select HAVE_KVM_TRAP_BPF' "$tree/$kc"; then
		echo "$top/kernel/configs/common.config $top/kernel/configs/$1.config"
	else
		cat "$top/kernel/configs/common.config" "$top/kernel/configs/$1.config" |
			grep -v KVM_TRAP >"$work/base-$1.config.tmp"
		cmp -s "$work/base-$1.config.tmp" "$work/base-$1.config" ||
			mv "$work/base-$1.config.tmp" "$work/base-$1.config"
		rm -f "$work/base-$1.config.tmp"
		echo "$work/base-$1.config"
	fi
}

patches=()
for p in "$series"/[0-9][0-9][0-9][0-9]-*.patch; do
	case "$p" in */0000-cover-letter.patch) continue ;; esac
	patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || die "no patches in $series (make series)"

# A log of an earlier run with other patches would read as this run's.
rm -f "$work"/[0-9][0-9][0-9][0-9]-*.log
printf '%-4s %-8s %-7s %-30s %s\n' patch archs build checkpatch subject >"$report"
t0=$SECONDS
i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	name=$(basename "$p" .patch)
	log=$work/$name.log
	: >"$log"
	g am -q --no-3way "$p" >>"$log" 2>&1 || { cat "$log"; die "$name does not apply"; }
	subj=$(g log -1 --format=%s)
	echo "=== [$i/${#patches[@]}] $subj"
	echo "  $(g diff --shortstat HEAD~ HEAD | sed 's/^ *//')"

	# checkpatch, from the tree (its spelling and const lists); spdxcheck
	# needs python3-ply, Debian's, so Debian's python3 first.
	cp_out=$( (cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--terse --show-types "$p") 2>&1) || true
	echo "$cp_out" >>"$log"
	cp_bad=() cp_allowed=()
	while IFS= read -r line; do
		[[ $line =~ :([0-9]+):\ (ERROR|WARNING|CHECK):([A-Z_]+): ]] || continue
		ln=${BASH_REMATCH[1]} type=${BASH_REMATCH[3]}
		text=$(sed -n "${ln}p" "$p")
		if allowed "$type" "$text"; then
			cp_allowed+=("$type")
		else
			cp_bad+=("$line")
		fi
	done <<<"$cp_out"
	if [ ${#cp_allowed[@]} -gt 0 ]; then
		cp_res="allowed:$(printf '%s\n' "${cp_allowed[@]}" | sort -u | paste -sd, -)"
	else
		cp_res=clean
	fi

	times=()
	for a in $archs; do
		s=$SECONDS
		# shellcheck disable=SC2046
		if ! KARCH=$a nice -n 19 "$top/scripts/kernel-build.sh" "$tree" \
			"$(kobj "$a")" $(frags "$a") >>"$log" 2>&1; then
			tail -30 "$log"
			printf '%-4s %-8s %-7s %-30s %s\n' "$i" "$a" FAIL "$cp_res" "$subj" >>"$report"
			die "$name: the $a kernel does not build (log: $log)"
		fi
		times+=("$a:$((SECONDS - s))s")
		echo "  BUILD   $a $((SECONDS - s))s"
	done
	printf '%-4s %-8s %-7s %-30s %s\n' "$i" "$archs" "${times[*]}" "$cp_res" "$subj" >>"$report"
	if [ ${#cp_bad[@]} -gt 0 ]; then
		printf '%s\n' "${cp_bad[@]}"
		die "$name: checkpatch --strict flags it (log: $log)"
	fi
	echo "  CHECKPATCH $cp_res"
done

# The series less its extra patches must be the tree the build composes.
extra=$(awk '$2 == 1' "$series/commits" | wc -l)
want=$(git -C "$src" rev-parse 'HEAD^{tree}')
have=$(g rev-parse "HEAD~$extra^{tree}")
[ "$have" = "$want" ] || die "the series' tree $have is not the build's $want"
echo "  TREE    the series less $extra documentation patch(es) is the build's tree"
echo "series-check: ${#patches[@]} patches applied, built ($archs) and checked in $((SECONDS - t0))s"
cat "$report"
