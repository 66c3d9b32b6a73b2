#!/usr/bin/env bash
# Bytes the full-screen program writes to a vt100 at 80x24: the first paint
# and one cursor move (targets: <= 3000 and <= 600 bytes, for 115200 baud
# serial consoles), and wake-ups while idle (target: none). Prints the
# figures; exits 1 when a target is missed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
GPUVIRT=$PWD/$BUILD/gpuvirt
T=$(mktemp -d "${TMPDIR:-/tmp}/gpuvirt-bench.XXXXXX")
trap 'exec 3>&- 2>/dev/null; rm -rf "$T"' EXIT

tests/fixtures/mkhost tests/fixtures/hosts/ubuntu-v100/host.desc "$T/bed" || exit 1
mkdir -p "$T/root"

mkfifo "$T/keys"
# script(1) gives gpuvirt a pty and logs every byte it writes (-f: at once)
env TERM=vt100 LINES=24 COLUMNS=80 UMOCKDEV_DIR="$T/bed" GPUVIRT_EXPECT_TESTBED=1 \
	script -q -f -c "sh -c 'echo \$\$ > $T/pid; exec umockdev-wrapper $GPUVIRT --root $T/root'" \
	"$T/ts" < "$T/keys" > /dev/null 2>&1 &
spid=$!
exec 3> "$T/keys"

size() { stat -c %s "$T/ts"; }
# wait until the log stops growing
settle() {
	local a b
	a=$(size)
	while sleep 0.3; b=$(size); [ "$a" != "$b" ]; do a=$b; done
	echo "$b"
}

sleep 0.3
header=$(head -1 "$T/ts" | wc -c)   # script's own "Script started" line
paint=$(( $(settle) - header ))
before=$(size)
printf j >&3
move=$(( $(settle) - before ))
before=$(size)
printf j >&3
move2=$(( $(settle) - before ))

pid=$(cat "$T/pid" 2> /dev/null)
switches() { awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$pid/status"; }
a=$(switches)
sleep 3
b=$(switches)
idle=$((b - a))
polls=n/a
if command -v strace > /dev/null; then
	polls=$(timeout 3 strace -f -e trace=poll,ppoll,select,pselect6,epoll_wait -p "$pid" 2>&1 |
		grep -cE '^(\[pid +[0-9]+\] )?(poll|ppoll|select|pselect6|epoll_wait)\(.*= ' || true)
fi

printf q >&3
wait "$spid" 2> /dev/null

printf 'tui-bytes (vt100 80x24, ubuntu-v100)\n'
printf '  first paint        %6d bytes  (target <= 3000)\n' "$paint"
printf '  one cursor move    %6d bytes  (target <= 600)\n' "$move"
printf '  another move       %6d bytes\n' "$move2"
printf '  idle 3 s           %6d context switches, %s poll returns  (target 0)\n' "$idle" "$polls"
printf '  at 115200 baud     first paint %d ms, one move %d ms\n' $(( paint * 10 * 1000 / 115200 )) \
	$(( move * 10 * 1000 / 115200 ))
[ "$paint" -le 3000 ] && [ "$move" -le 600 ] && [ "$idle" -eq 0 ]
