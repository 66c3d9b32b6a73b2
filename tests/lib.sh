# Shell test helpers, sourced by tests/cli/*.sh and tests/tui/*.sh.
# Each check prints "PASS: name" or "FAIL: name"; tests/run.sh counts them.
set -u
: "${GV_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${GV_BUILD:=$GV_SRCDIR/build}"
: "${GV_FIXTURES:=$GV_BUILD/fixtures}"
GPUVIRT=$GV_BUILD/gpuvirt
TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/gpuvirt-test.XXXXXX")
trap 'rm -rf "$TMPROOT"' EXIT

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
ok() { # ok NAME COMMAND...
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# host NAME: point later gv calls at fixture host NAME (a umockdev test bed)
# and a fresh copy of its configuration root in $ROOT.
host() {
	export UMOCKDEV_DIR=$GV_FIXTURES/$1
	[ -f "$UMOCKDEV_DIR/sys/.gpuvirt-testbed" ] || { fail "fixture $1 not built"; exit 1; }
	ROOT=$TMPROOT/root-$1
	rm -rf "$ROOT"; mkdir -p "$ROOT"
	[ -d "$GV_SRCDIR/tests/fixtures/hosts/$1/root" ] && cp -a "$GV_SRCDIR/tests/fixtures/hosts/$1/root/." "$ROOT/"
	# gpuvirt itself refuses to run unless it sees the test bed's marker.
	export GPUVIRT_EXPECT_TESTBED=1
	return 0
}

# gv ARGS...: run gpuvirt inside the current test bed.
gv() { umockdev-wrapper "$GPUVIRT" "$@"; }
