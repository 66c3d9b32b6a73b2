#!/usr/bin/env bash
# The shape of the house, checked on every run: data flows one way
# (util < scan, plan, export < propose < verify < session < the faces), the engine
# knows no curses and no interface, the proposal and plan stages read no
# live /sys or /proc behind the snapshots, and no module includes its caller.
. "$(dirname "$0")/../lib.sh"
cd "$GV_SRCDIR" || exit 1

# includes FILE...: the project headers FILE includes, one a line
includes() { sed -n 's/^#include "\(\(core\|tui\)\/[^"]*\)".*/\1/p' "$@" | sort -u; }

# layer DIR ALLOWED-REGEX: every include of core/DIR matches ALLOWED
layer() {
	local dir=$1 allowed=$2 bad
	bad=$(for f in core/$dir/*.[ch]; do
		includes "$f" | grep -Ev "^($allowed)" | sed "s|^|$f -> |"
	done)
	if [ -z "$bad" ]; then pass "layer: core/$dir includes only $allowed"; else fail "layer: core/$dir: $bad"; fi
}
layer util 'core/util/'
layer scan 'core/(util|scan)/'
layer plan 'core/(util|plan)/'
layer export 'core/(util|scan|export)/'
layer propose 'core/(util|scan|plan|export|propose)/'
layer verify 'core/(util|scan|plan|propose|verify)/'

bad=$(grep -rlE '#include *[<"](n?curses|ncursesw/|tui/)' core)
if [ -z "$bad" ]; then pass "core: no curses, nothing from tui/"; else fail "core includes the interface: $bad"; fi

# Only apply writes the sysfs attributes a plan names; nothing in propose/
# or plan/ reads /sys or /proc behind the snapshots.
bad=$(grep -nE '"/(sys|proc)[/"]' core/propose/*.c core/plan/*.c | grep -v 'core/plan/apply\.c' | grep -v 'strncmp(attr_path, "/sys/"')
if [ -z "$bad" ]; then pass "propose, plan: no /sys or /proc literal"; else fail "live reads behind the snapshot: $bad"; fi

# No import circles between modules. A module is NAME.c with NAME.h; a
# header without a .c of its own (NAME-private.h, NAME-txn.h) is part of the
# module whose name it extends; a header that declares no function (only
# types, like tui/tui.h's struct tui) ties nobody to a .c.
declares_functions() { grep -qE '^[a-z][^#]*\(' "$1"; }
module() {
	case $1 in *.h) declares_functions "$1" || { echo "$1"; return; } ;; esac
	local m=${1%.*}
	while [ ! -f "$m.c" ] && [ "${m%-*}" != "$m" ]; do m=${m%-*}; done
	echo "$m"
}
edges=$(for f in $(git ls-files 'core/*.[ch]' 'core/**/*.[ch]' 'tui/*.[ch]' 'tui/**/*.[ch]'); do
	m=$(module "$f")
	for h in $(includes "$f"); do
		h=$(module "$h")
		[ "$h" != "$m" ] && echo "$m $h"
	done
done | sort -u)
if loop=$(tsort <<< "$edges" 2>&1 >/dev/null) && [ -z "$loop" ]; then
	pass "no import circles"
else
	fail "import circle: $(echo "$loop" | tr '\n' ' ')"
fi

# One .c/.h pair a concern: every header has its .c, unless it only declares
# types, or it is tui/cli/commands.h: the table of entry points (like git's
# builtin.h), each implemented in its own file (cmd_list.c, ..., tui.c).
lonely=$(for h in $(git ls-files 'core/**/*.h' 'tui/*.h' 'tui/**/*.h' | grep -v '^tui/cli/commands\.h$'); do
	declares_functions "$h" || continue
	[ -f "$(module "$h").c" ] || echo "$h"
done)
if [ -z "$lonely" ]; then pass "every header with functions has its .c"; else fail "headers without a .c: $lonely"; fi
