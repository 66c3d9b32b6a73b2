#!/usr/bin/env bash
# The kernel double from the shell: the writers a host really has (dash's
# printf as the sysfsutils script writes, bash's echo, python), gpuvirt
# reading what it made, the helpers in tests/lib.sh. The rules one by one are
# in tests/unit/test_kmock.c.
. "$(dirname "$0")/../lib.sh"

PF=/sys/devices/pci0000:00/0000:00:02.0
# VFS: "address:driver:group ..." of the PF's VFs as gpuvirt lists them.
vfs() {
	gv_kmock list --all --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s:%s" % (x["address"], x["driver"] or "-", x["iommu_group"])
               for x in d["devices"] if x["physfn"] == "0000:00:02.0"))'
}
logged() { grep -qxF -- "$1" "$UMOCKDEV_DIR/kmock.log"; }

kmock_host proxmox-n100
ok "kmock_host works on a private copy of the test bed" \
	[ "$UMOCKDEV_DIR" = "$TMPROOT/bed-proxmox-n100" -a -f "$UMOCKDEV_DIR/sys/.gpuvirt-testbed" ]
# The SR-IOV build of i915 has sriov_configure.
touch "$UMOCKDEV_DIR/sys/bus/pci/drivers/i915/kmock-sriov-configure"
ok "gpuvirt sees the fixture's 3 VFs" [ "$(vfs)" = "0000:00:02.1:-:17 0000:00:02.2:-:18 0000:00:02.3:-:19" ]

# dash's printf, the way the sysfsutils init script writes
kmock_run dash -c "printf '%s' 0 > $PF/sriov_numvfs"
ok "dash printf 0 removes the VFs" [ -z "$(vfs)" -a "$(cat "$UMOCKDEV_DIR$PF/sriov_numvfs")" = 0 ]
ok "their groups went with them" [ ! -e "$UMOCKDEV_DIR/sys/kernel/iommu_groups/17" ]
# proxmox-n100 predates sriov_drivers_autoprobe in mkhost; the kernel has it
echo 1 > "$UMOCKDEV_DIR$PF/sriov_drivers_autoprobe"
cat > "$TMPROOT/sysfs.conf" <<EOF
devices/pci0000:00/0000:00:02.0/sriov_drivers_autoprobe = 0
devices/pci0000:00/0000:00:02.0/sriov_numvfs = 7
EOF
kmock_run dash -c '
while read -r attr eq value; do
	[ -f "/sys/$attr" ] || { echo "unknown attribute $attr" >&2; exit 1; }
	printf "%s" "$value" > "/sys/$attr" || { echo "cannot write value for attribute $attr" >&2; exit 1; }
done < "$1"' _ "$TMPROOT/sysfs.conf"
ok "a sysfs.conf read by dash makes 7 VFs without a driver, in new groups" \
	[ "$(vfs)" = "0000:00:02.1:-:9 0000:00:02.2:-:10 0000:00:02.3:-:11 0000:00:02.4:-:12 0000:00:02.5:-:13 0000:00:02.6:-:14 0000:00:02.7:-:15" ]
ok "kmock.log has the stores in order" bash -c 'tail -n 2 "$1" | diff - <(printf "%s\n" \
	"/sys/devices/pci0000:00/0000:00:02.0/sriov_drivers_autoprobe 0 ok" \
	"/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs 7 ok")' _ "$UMOCKDEV_DIR/kmock.log"
kmock_run dash -c "printf 3 > $PF/sriov_numvfs" 2> /dev/null
ok "dash printf from 7 to 3 fails (EBUSY) and changes nothing" \
	[ $? -ne 0 -a "$(cat "$UMOCKDEV_DIR$PF/sriov_numvfs")" = 7 ]
ok "kmock.log names the errno" logged "/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs 3 EBUSY"

# bash's echo writes through stdio: the double takes it when the redirection ends
kmock_run bash -c "echo 0 > $PF/sriov_numvfs; echo 1 > $PF/sriov_drivers_autoprobe; echo 2 > $PF/sriov_numvfs"
ok "bash echo 0 then 2 leaves 2 VFs on the PF's driver" [ "$(vfs)" = "0000:00:02.1:i915:9 0000:00:02.2:i915:10" ]
kmock_run bash -c "echo 9 > $PF/sriov_numvfs"
ok "bash echo 9 (above the total) changes nothing" [ "$(cat "$UMOCKDEV_DIR$PF/sriov_numvfs")" = 2 ]

# python, and what a stock driver says
err=$(kmock_run python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, b"0")
    os.write(fd, b"3")
except OSError as e:
    print(e.strerror)' "$PF/sriov_numvfs")
ok "python: 0 then 3 on one descriptor works" [ -z "$err" -a "$(vfs | wc -w)" = 3 ]
rm "$UMOCKDEV_DIR/sys/bus/pci/drivers/i915/kmock-sriov-configure"
err=$(kmock_run python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, b"1")
except OSError as e:
    print(e.strerror)' "$PF/sriov_numvfs")
ok "a driver without sriov_configure: No such file or directory" [ "$err" = "No such file or directory" ]
touch "$UMOCKDEV_DIR/sys/bus/pci/drivers/i915/kmock-sriov-configure"

# faults from control files
echo 2 > "$UMOCKDEV_DIR$PF/sriov_numvfs.kmock-partial"
kmock_run dash -c "printf 0 > $PF/sriov_numvfs && printf 6 > $PF/sriov_numvfs"
ok "a partial enable succeeds and reads back fewer" \
	[ $? -eq 0 -a "$(cat "$UMOCKDEV_DIR$PF/sriov_numvfs")" = 2 -a "$(vfs | wc -w)" = 2 ]
rm "$UMOCKDEV_DIR$PF/sriov_numvfs.kmock-partial"
echo ENOMEM > "$UMOCKDEV_DIR$PF/sriov_numvfs.kmock-errno"
kmock_run dash -c "printf 0 > $PF/sriov_numvfs" 2> /dev/null
ok "an injected errno fails the write" [ $? -ne 0 -a "$(vfs | wc -w)" = 2 ]
ok "and is logged" logged "/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs 0 ENOMEM"
rm "$UMOCKDEV_DIR$PF/sriov_numvfs.kmock-errno"
echo 5000 > "$UMOCKDEV_DIR$PF/sriov_numvfs.kmock-delay-ms"
start=$(date +%s%N)
timeout 0.5 env LD_PRELOAD="$GV_KMOCK:libumockdev-preload.so.0" dash -c "printf 0 > $PF/sriov_numvfs"
rc=$?
ok "a delayed write blocks until the caller's timeout kills it" \
	[ $rc -eq 124 -a $(( ($(date +%s%N) - start) / 1000000 )) -lt 4000 ]
ok "and the writer killed changed nothing" [ "$(vfs | wc -w)" = 2 ]
rm "$UMOCKDEV_DIR$PF/sriov_numvfs.kmock-delay-ms"

# binding a VF to vfio-pci as driverctl does: unbind, override, probe
mkdir -p "$UMOCKDEV_DIR/sys/bus/pci/drivers/vfio-pci"
kmock_run dash -c '
echo 0000:00:02.1 > /sys/bus/pci/drivers/i915/unbind &&
echo vfio-pci > /sys/bus/pci/devices/0000:00:02.1/driver_override &&
echo 0000:00:02.1 > /sys/bus/pci/drivers_probe'
ok "unbind, driver_override, drivers_probe move the VF to vfio-pci" \
	[ $? -eq 0 -a "$(vfs)" = "0000:00:02.1:vfio-pci:9 0000:00:02.2:i915:10" ]

# safety
out=$( (unset UMOCKDEV_DIR; kmock_run true) ); rc=$?
ok "kmock_run refuses outside a test bed" [ $rc -eq 1 ]
ok "and says so" grep -qF "kmock_run: not inside a test bed" <<< "$out"
ok "the shared fixture was not touched" \
	[ "$(cat "$GV_FIXTURES/proxmox-n100$PF/sriov_numvfs")" = 3 -a -L "$GV_FIXTURES/proxmox-n100$PF/virtfn2" \
	  -a ! -e "$GV_FIXTURES/proxmox-n100/kmock.log" ]
