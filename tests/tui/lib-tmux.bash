# Helpers for the TUI tests (sourced; not a test itself: tests/run.sh runs
# only tests/tui/*.sh). Each test drives the real binary in a private tmux
# server, at 80x24 unless it resizes, inside a umockdev test bed.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# One private tmux server per session started: killing a server and starting
# the next on the same socket races with the old one's exit.
TM_N=0
TM_SOCK=gvtest-$$-0
TM_SOCKS=()
tm() { tmux -L "$TM_SOCK" "$@"; }
tm_cleanup() {
	local s
	for s in "${TM_SOCKS[@]}"; do tmux -L "$s" kill-server 2>/dev/null; done
	rm -rf "$TMPROOT"
}
trap tm_cleanup EXIT

# tui_start TERM [GPUVIRT ARGS...]: start gpuvirt in the current test bed
# (tests/lib.sh `host NAME` first) with --root $ROOT. When it exits, its
# status goes to $EXITFILE and the terminal's settings to $EXITFILE.stty.
# $TUI_WRAP runs it instead of umockdev-wrapper: tui_kmock (below) sets it
# for the kernel double.
tui_start() {
	local term=$1; shift
	tm kill-server 2>/dev/null
	TM_N=$((TM_N + 1))
	TM_SOCK=gvtest-$$-$TM_N
	TM_SOCKS+=("$TM_SOCK")
	EXITFILE=$TMPROOT/exit.$RANDOM
	tm new-session -d -x 80 -y 24 \
		"env TERM=$term UMOCKDEV_DIR=$UMOCKDEV_DIR GPUVIRT_EXPECT_TESTBED=1 ${TUI_ENV:-} \
		${TUI_WRAP:-umockdev-wrapper} $GPUVIRT --root $ROOT $*; echo \$? > $EXITFILE.tmp; \
		stty -a > $EXITFILE.stty 2>&1; mv $EXITFILE.tmp $EXITFILE; sleep 600"
	wait_for '  CPU '
}

# tui_kmock: the next tui_start runs gpuvirt with the kernel double loaded
# first (tests/lib.sh: kmock_host, kmock_run), as umockdev-wrapper cannot
tui_kmock() { TUI_WRAP="env LD_PRELOAD=$GV_KMOCK:libumockdev-preload.so.0"; }

screen() { tm capture-pane -p; }
# the screen with attributes as escape sequences
screen_e() { tm capture-pane -p -e; }
keys() { tm send-keys "$@"; }
# row N (0-based) of the screen
row() { screen | sed -n "$(( $1 + 1 ))p"; }

# wait_for TEXT [TENTHS]: until TEXT is on the screen (default 5 s)
wait_for() {
	local i
	for (( i = 0; i < ${2:-50}; i++ )); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "--- screen while waiting for '$1':"; screen
	return 1
}

# wait_gone TEXT [TENTHS]: until TEXT is no longer on the screen
wait_gone() {
	local i
	for (( i = 0; i < ${2:-50}; i++ )); do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	echo "--- screen while waiting for '$1' to go:"; screen
	return 1
}

# wait_exit: until gpuvirt has exited; prints its status
wait_exit() {
	local i
	for (( i = 0; i < 50; i++ )); do
		[ -s "$EXITFILE" ] && { cat "$EXITFILE"; return 0; }
		sleep 0.1
	done
	echo timeout
	return 1
}

# the terminal is back in cooked mode with echo after gpuvirt exited
terminal_restored() {
	grep -qw icanon "$EXITFILE.stty" && grep -qw echo "$EXITFILE.stty" &&
		! grep -qw -- -icanon "$EXITFILE.stty" && ! grep -qw -- -echo "$EXITFILE.stty"
}

# on_screen TEXT: assertion helper for ok
on_screen() { screen | grep -qF -- "$1"; }
