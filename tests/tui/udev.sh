#!/usr/bin/env bash
# Live: the udev monitor sees a device appear (and go), the tree follows, the
# cursor keeps its device; and the loop sleeps while idle.
. "$(dirname "$0")/lib-tmux.bash"

# Two test beds from one description: A as the host starts, B with one more
# GPU. Copying B's sysfs over A's while gpuvirt runs is the device appearing;
# uevent-send is udevd telling the monitors.
desc=$GV_SRCDIR/tests/fixtures/hosts/ubuntu-v100/host.desc
cp "$desc" "$TMPROOT/b.desc"
echo 'dev 0000:43:00.0 10de:2204 030000 group=70 driver=vfio-pci' >> "$TMPROOT/b.desc"
"$GV_SRCDIR/tests/fixtures/mkhost" "$desc" "$TMPROOT/bed" || { fail "test bed A"; exit 1; }
"$GV_SRCDIR/tests/fixtures/mkhost" "$TMPROOT/b.desc" "$TMPROOT/bed-b" || { fail "test bed B"; exit 1; }
host ubuntu-v100
export UMOCKDEV_DIR=$TMPROOT/bed

for term in vt100 xterm-256color; do
	t=$term
	rm -rf "$TMPROOT/bed"
	"$GV_SRCDIR/tests/fixtures/mkhost" "$desc" "$TMPROOT/bed"
	tui_start "$term" || { fail "$t: starts"; continue; }
	# put the cursor on the V100
	keys j j j j j
	wait_for "0000:41:00.0" > /dev/null
	ok "$t: no GPU at 43:00.0 yet" bash -c '! grep -q "43:00.0" <<< "$0"' "$(screen)"
	# the monitor's socket is in the test bed once gpuvirt listens
	ok "$t: gpuvirt listens for udev events" bash -c 'ls "$0"/event[0-9]* > /dev/null 2>&1' "$UMOCKDEV_DIR"

	cp -a "$TMPROOT/bed-b/sys/." "$UMOCKDEV_DIR/sys/"
	ok "$t: uevent delivered" "$GV_BUILD/tools/uevent-send" "$UMOCKDEV_DIR" add /devices/pci0000:43/0000:43:00.0 pci
	ok "$t: the new GPU appears in the tree" wait_for "43:00.0 NVIDIA GeForce RTX 3090"
	ok "$t: with its driver" bash -c 'grep "43:00.0" <<< "$0" | cut -c1-44 | grep -q "vfio-pci"' "$(screen)"
	ok "$t: in its own group" on_screen "IOMMU group 70"
	ok "$t: the event is logged" on_screen "udev: add 0000:43:00.0"
	ok "$t: the log counts the new device" on_screen "12 devices, 10 IOMMU groups"
	ok "$t: the cursor stayed on the V100" on_screen "0000:41:00.0"

	# the device goes away again
	rm -rf "$UMOCKDEV_DIR/sys/devices/pci0000:43" "$UMOCKDEV_DIR/sys/bus/pci/devices/0000:43:00.0" \
		"$UMOCKDEV_DIR/sys/kernel/iommu_groups/70" "$UMOCKDEV_DIR/sys/bus/pci/drivers/vfio-pci/0000:43:00.0"
	"$GV_BUILD/tools/uevent-send" "$UMOCKDEV_DIR" remove /devices/pci0000:43/0000:43:00.0 pci
	ok "$t: a removed device leaves the tree" wait_gone "43:00.0 NVIDIA"
	ok "$t: the cursor is still on the V100" on_screen "0000:41:00.0"
	keys q
	ok "$t: q exits with status 0" test "$(wait_exit)" = 0
done

# Idle means asleep: no wake-ups while nothing happens.
rm -rf "$TMPROOT/bed"
"$GV_SRCDIR/tests/fixtures/mkhost" "$desc" "$TMPROOT/bed"
tui_start vt100
pid=$(tm list-panes -F '#{pane_pid}')
gvpid=$(pgrep -P "$pid" | head -1)
if [ -n "$gvpid" ] && [ -r "/proc/$gvpid/status" ]; then
	sleep 0.5
	a=$(grep -E '^(voluntary|nonvoluntary)_ctxt_switches' "/proc/$gvpid/status" | awk '{s += $2} END {print s}')
	sleep 3
	b=$(grep -E '^(voluntary|nonvoluntary)_ctxt_switches' "/proc/$gvpid/status" | awk '{s += $2} END {print s}')
	echo "context switches over 3 idle seconds: $((b - a))"
	ok "idle: no wake-ups in 3 s" test "$a" = "$b"
else
	fail "idle: find gpuvirt's pid"
fi
keys q
wait_exit > /dev/null
