#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the documentation: every Documentation/*.rst (and each
# example's README.rst) parses with no
# docutils warning (a broken table or a stray markup would otherwise only
# show when someone renders it), and the kvmtrap(8) man page renders as a
# man page with its required sections.  TAP output.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/host_tap.inc"

# check WRITER FILE: docutils messages of level warning and up, on stdout
check() {
	python3 - "$1" "$2" <<'PY'
import io, sys
import docutils.core
writer, path = sys.argv[1], sys.argv[2]
err = io.StringIO()
out = docutils.core.publish_string(open(path).read(), source_path=path,
	writer_name=writer,
	settings_overrides={'warning_stream': err, 'report_level': 2,
			    'halt_level': 5})
sys.stderr.write(err.getvalue())
if writer == 'manpage':
	sys.stdout.write(out.decode())
PY
}

for f in "$top"/Documentation/*.rst "$top"/examples/*/README.rst; do
	msgs=$(check null "$f" 2>&1 >/dev/null)
	[ -z "$msgs" ] || printf '%s\n' "$msgs" | sed 's/^/# /'
	result "$([ -z "$msgs" ]; echo $?)" "$(basename "$f") parses cleanly"
done

man=$top/Documentation/kvmtrap.8.rst
if [ -f "$man" ]; then
	out=$(check manpage "$man" 2>/dev/null)
	missing=
	# A here-string, not "printf | grep -q": under pipefail that fails at
	# random when grep quits on its match while printf still writes.
	for sec in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
		grep -q "^\.SH \"\?$sec\"\?\$" <<<"$out" || missing="$missing $sec"
	done
	grep -q '^\.TH "\?KVMTRAP"\? "\?8"\?' <<<"$out" || missing="$missing .TH(8)"
	[ -z "$missing" ] || echo "# kvmtrap.8: missing:$missing"
	result "$([ -z "$missing" ]; echo $?)" "kvmtrap.8 renders as a man page with its sections"
else
	echo "# $man does not exist"
	result 1 "kvmtrap.8 renders as a man page with its sections"
fi

totals
