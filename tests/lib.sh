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

# The kernel double (tests/tools/kmock.c, built as $GV_BUILD/libgvkmock.so):
# writes to sysfs attributes in the test bed answered as the kernel answers
# them (tests/fixtures/README.md, "The kernel double"). It must be loaded
# before umockdev's preload library, and umockdev-wrapper puts its own first,
# so these helpers set LD_PRELOAD themselves.
GV_KMOCK=$GV_BUILD/libgvkmock.so

# kmock_host NAME: like host NAME, on a private copy of the test bed (the
# double changes it) in $TMPROOT; $UMOCKDEV_DIR points at the copy, whose
# kmock.log records every store the double answered.
kmock_host() {
	host "$1"
	local bed=$TMPROOT/bed-$1
	rm -rf "$bed"; mkdir -p "$bed"
	cp -a "$UMOCKDEV_DIR/." "$bed/" || { fail "kmock_host $1: cannot copy the test bed"; exit 1; }
	export UMOCKDEV_DIR=$bed
}

# kmock_run CMD ARGS...: run CMD in the current test bed with the double
# loaded first; refuses outside a gpuvirt test bed.
kmock_run() {
	[ -f "${UMOCKDEV_DIR:-/nonexistent}/sys/.gpuvirt-testbed" ] || { fail "kmock_run: not inside a test bed"; exit 1; }
	[ -f "$GV_KMOCK" ] || { fail "kmock_run: $GV_KMOCK not built (make tests)"; exit 1; }
	env LD_PRELOAD="$GV_KMOCK:libumockdev-preload.so.0${LD_PRELOAD:+:$LD_PRELOAD}" "$@"
}

# gv_kmock ARGS...: run gpuvirt in the current test bed with the double.
gv_kmock() { kmock_run "$GPUVIRT" "$@"; }
