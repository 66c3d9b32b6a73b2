#!/usr/bin/env bash
# Bytes the full-screen program writes to a vt100 at 80x24 when 64 VFs
# appear under their PF: the fixture host sriov-nic (an X710 whose ports make
# 64 VFs each), the tree's cursor on port 0000:03:00.0, then the kernel
# double (build/libgvkmock.so) makes 64 VFs there as `echo 64 >
# sriov_numvfs` does, sending a udev "add" event for each; gpuvirt rescans
# and redraws. Target: <= 3000 bytes for the whole update, at 115200 baud
# about a quarter of a second. Prints the figures; exits 1 when missed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
GPUVIRT=$PWD/$BUILD/gpuvirt
KMOCK=$PWD/$BUILD/libgvkmock.so
T=$(mktemp -d "${TMPDIR:-/tmp}/gpuvirt-bench.XXXXXX")
trap 'exec 3>&- 2>/dev/null; rm -rf "$T"' EXIT

[ -f "$KMOCK" ] || { echo "tui-sriov: $KMOCK not built (make tests)"; exit 1; }
tests/fixtures/mkhost tests/fixtures/hosts/sriov-nic/host.desc "$T/bed" || exit 1
mkdir -p "$T/root"
cp -a tests/fixtures/hosts/sriov-nic/root/. "$T/root/"

mkfifo "$T/keys"
# script(1) gives gpuvirt a pty and logs every byte it writes (-f: at once)
env TERM=vt100 LINES=24 COLUMNS=80 UMOCKDEV_DIR="$T/bed" GPUVIRT_EXPECT_TESTBED=1 \
	script -q -f -c "sh -c 'echo \$\$ > $T/pid; exec umockdev-wrapper $GPUVIRT --root $T/root'" \
	"$T/ts" < "$T/keys" > /dev/null 2>&1 &
spid=$!
exec 3> "$T/keys"

size() { stat -c %s "$T/ts"; }
# wait until the log stops growing for a second (the VFs come one event at
# a time; a pause between two rescans must not end the measurement)
settle() {
	local a b quiet=0
	a=$(size)
	while [ $quiet -lt 4 ]; do
		sleep 0.25
		b=$(size)
		if [ "$a" = "$b" ]; then quiet=$((quiet + 1)); else quiet=0; a=$b; fi
	done
	echo "$b"
}

sleep 0.3
settle > /dev/null
# the cursor to port 0 (group 20): the ASPEED's group comes first
printf 'jjjjjjj' >&3
settle > /dev/null
before=$(size)
env UMOCKDEV_DIR="$T/bed" LD_PRELOAD="$KMOCK:libumockdev-preload.so.0" \
	sh -c 'echo 64 > /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs' || echo "tui-sriov: the double refused the write"
update=$(( $(settle) - before ))
made=$(ls -d "$T"/bed/sys/bus/pci/devices/0000:03:0[2-9a-f].* 2> /dev/null | wc -l)
# the tree shows them: a move down lands on the first VF
before=$(size)
printf j >&3
move=$(( $(settle) - before ))

vf_shown=no
grep -q '03:02.0' "$T/ts" && vf_shown=yes

# the same with the SR-IOV VFs step open on that PF: its counts and VF list
# follow the events (not part of the target)
printf s >&3
settle > /dev/null
env UMOCKDEV_DIR="$T/bed" LD_PRELOAD="$KMOCK:libumockdev-preload.so.0" \
	sh -c 'echo 0 > /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs'
settle > /dev/null
before=$(size)
env UMOCKDEV_DIR="$T/bed" LD_PRELOAD="$KMOCK:libumockdev-preload.so.0" \
	sh -c 'echo 64 > /sys/bus/pci/devices/0000:03:00.0/sriov_numvfs'
step=$(( $(settle) - before ))

printf q >&3
wait "$spid" 2> /dev/null

printf 'tui-sriov (vt100 80x24, sriov-nic, 64 VFs appear under 0000:03:00.0)\n'
printf '  VFs made            %6d\n' "$made"
printf '  first VF on screen  %6s\n' "$vf_shown"
printf '  screen update       %6d bytes  (target <= 3000)\n' "$update"
printf '  next cursor move    %6d bytes\n' "$move"
printf '  with the SR-IOV step open  %6d bytes\n' "$step"
printf '  at 115200 baud      update %d ms\n' $(( update * 10 * 1000 / 115200 ))
[ "$made" -eq 64 ] && [ "$vf_shown" = yes ] && [ "$update" -le 3000 ]
