#!/usr/bin/env bash
# SR-IOV VFs end to end through the kernel double (tests/fixtures/README.md):
# the N100 guide's PF from 3 to 7 to 0 VFs and back by undo, a NIC with 64
# VFs (and VFs on vfio-pci), the count at boot read by Debian's own
# sysfsutils script, a stock i915 diagnosed, a partial enable reported and
# rolled back, bad input, the rule on live writes (--root, --live,
# --boot-only, --demo), and the count after a reboot in `check --json`.
. "$(dirname "$0")/../lib.sh"

# run ARGS...: gpuvirt with the double; stdout in $OUT, stderr in $ERR, status in $RC
run() {
	OUT=$TMPROOT/out ERR=$TMPROOT/err
	gv_kmock "$@" > "$OUT" 2> "$ERR" < /dev/null
	RC=$?
}
has() { grep -qF -- "$1" "$2"; }
# vfs PF: "address:driver ..." of PF's VFs, as gpuvirt lists them
vfs() {
	gv_kmock list --all --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s" % (x["address"], x["driver"] or "-") for x in d["devices"] if x["physfn"] == sys.argv[1]))' "$1"
}
nvfs() { vfs "$1" | wc -w; }
numvfs() { cat "$UMOCKDEV_DIR/sys/bus/pci/devices/$1/sriov_numvfs"; }
# sums DIR: every file with its hash and mode, the journal left out
sums() { (cd "$1" && find . -path ./var/lib/gpuvirt -prune -o -type f -printf '%p %m ' -exec sha256sum {} \; | sort); }
stores() { [ -f "$UMOCKDEV_DIR/kmock.log" ] && sed 's|/sys/devices/pci0000:00/||' "$UMOCKDEV_DIR/kmock.log"; }
json_has() { # json_has JSON ID STATUS TEXT: a finding with ID and STATUS whose title or evidence has TEXT
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if any(f["id"] == sys.argv[2] and f["status"] == sys.argv[3] and
                  (sys.argv[4] in f["title"] or sys.argv[4] in f["evidence"]) for f in d["findings"]) else 1)' "$@"
}

# ---- proxmox-n100: 3 -> 7 -> 0 and back by undo --------------------------
kmock_host proxmox-n100
before=$(sums "$ROOT")
ok "n100: 3 VFs to start" [ "$(nvfs 0000:00:02.0)" = 3 ]
run --root "$ROOT" plan --vfs 00:02.0=7
ok "n100: plan exits 0" [ "$RC" -eq 0 ]
ok "n100: the driver's arguments on the next boot's command line" \
	has "+root=ZFS=rpool/ROOT/pve-1 boot=zfs i915.enable_guc=3 i915.max_vfs=7" "$OUT"
ok "n100: 0 first, then 7" bash -c 'grep -o "echo [0-9]* > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs" "$1" | tr "\n" "|" |
	grep -qx "echo 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs|echo 7 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs|"' _ "$OUT"
ok "n100: no sysfsutils: a udev rule on i915's bind" \
	has '+ACTION=="bind", SUBSYSTEM=="pci", KERNEL=="0000:00:02.0", DRIVER=="i915", ATTR{sriov_numvfs}="7"' "$OUT"
ok "n100: the plan says why udev" has "so a udev rule sets the count when i915 binds" "$OUT"
ok "n100: no sysfsutils file" bash -c '! grep -q "sysfs.d" "$1"' _ "$OUT"
ok "n100: plan writes nothing" [ "$(sums "$ROOT")" = "$before" -a ! -e "$UMOCKDEV_DIR/kmock.log" ]

run --root "$ROOT" apply --yes --no-run --vfs 00:02.0=7
ok "n100: apply under a --root writes nothing live" bash -c "[ $RC -eq 0 ] && [ ! -e '$UMOCKDEV_DIR/kmock.log' ] && [ \$(cat '$UMOCKDEV_DIR/sys/bus/pci/devices/0000:00:02.0/sriov_numvfs') = 3 ]"
ok "n100: and says so" has "not written (the running host is left alone): echo 7 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs" "$ERR"
ok "n100: the udev rule is written all the same" test -f "$ROOT/etc/udev/rules.d/70-gpuvirt-sriov.rules"
run --root "$ROOT" undo --yes --no-run
ok "n100: undone" [ "$RC" -eq 0 -a "$(sums "$ROOT")" = "$before" ]

run --root "$ROOT" apply --yes --no-run --live --vfs 00:02.0=7
ok "n100: 3 -> 7 applied live (--live)" [ "$RC" -eq 0 ]
ok "n100: the double saw 0, then 7" [ "$(stores)" = "0000:00:02.0/sriov_numvfs 0 ok
0000:00:02.0/sriov_numvfs 7 ok" ]
ok "n100: 7 VFs, on i915 (autoprobe)" [ "$(vfs 0000:00:02.0)" = "0000:00:02.1:i915 0000:00:02.2:i915 0000:00:02.3:i915 0000:00:02.4:i915 0000:00:02.5:i915 0000:00:02.6:i915 0000:00:02.7:i915" ]
after7=$(sums "$ROOT")
run --root "$ROOT" apply --yes --no-run --live --vfs 00:02.0=7
ok "n100: applying it again changes nothing" bash -c "[ $RC -eq 0 ] && grep -q 'Nothing to change' '$OUT' && [ \$(wc -l < '$UMOCKDEV_DIR/kmock.log') -eq 2 ]"
out=$(gv_kmock --root "$ROOT" list)
ok "n100: list shows 7 of 7" grep -qx "      SR-IOV: 7 of 7 VFs enabled" <<< "$out"
ok "n100: list shows the count at boot and where it is set" \
	grep -qx "      at the next boot: 7, from etc/udev/rules.d/70-gpuvirt-sriov.rules:6" <<< "$out"
ok "n100: list shows VFs under their PF" grep -qE '^      VF 0000:00:02.7  8086:46d1  driver: i915, group [0-9]+$' <<< "$out"
ok "n100: list fits 80 columns" bash -c '! awk "length > 80" <<< "$1" | grep -q .' _ "$out"

: > "$UMOCKDEV_DIR/kmock.log"
run --root "$ROOT" apply --yes --no-run --live --vfs 00:02.0=0
ok "n100: 7 -> 0" [ "$RC" -eq 0 -a "$(nvfs 0000:00:02.0)" = 0 -a "$(stores)" = "0000:00:02.0/sriov_numvfs 0 ok" ]
ok "n100: N=0 removes the persistence" test ! -e "$ROOT/etc/udev/rules.d/70-gpuvirt-sriov.rules"
ok "n100: N=0 leaves the command line alone" grep -q "i915.max_vfs=7" "$ROOT/etc/kernel/cmdline"

: > "$UMOCKDEV_DIR/kmock.log"
run --root "$ROOT" undo --yes --no-run --live
ok "n100: undo of 7 -> 0 shows its diff first" has "+++ b/etc/udev/rules.d/70-gpuvirt-sriov.rules" "$OUT"
ok "n100: undo brings the 7 VFs back" [ "$RC" -eq 0 -a "$(nvfs 0000:00:02.0)" = 7 -a "$(stores)" = "0000:00:02.0/sriov_numvfs 7 ok" ]
ok "n100: and the files, byte for byte" [ "$(sums "$ROOT")" = "$after7" ]
: > "$UMOCKDEV_DIR/kmock.log"
run --root "$ROOT" undo --yes --no-run --live
ok "n100: undo of 3 -> 7 writes 0, then 3" [ "$RC" -eq 0 -a "$(stores)" = "0000:00:02.0/sriov_numvfs 0 ok
0000:00:02.0/sriov_numvfs 3 ok" ]
ok "n100: 3 VFs again" [ "$(nvfs 0000:00:02.0)" = 3 ]
ok "n100: every file as before, byte for byte" [ "$(sums "$ROOT")" = "$before" ]

# ---- partial enable and a hung write: reported, rolled back ----------------
kmock_host proxmox-n100
before=$(sums "$ROOT")
PF=$UMOCKDEV_DIR/sys/devices/pci0000:00/0000:00:02.0
echo 5 > "$PF/sriov_numvfs.kmock-partial"
run --root "$ROOT" apply --yes --no-run --live --vfs 00:02.0=7
ok "partial: apply fails (exit 1)" [ "$RC" -eq 1 ]
ok "partial: the message says how many" has "7 VFs requested, only 5 enabled" "$ERR"
ok "partial: rolled back to 3 VFs" [ "$(numvfs 0000:00:02.0)" = 3 -a "$(nvfs 0000:00:02.0)" = 3 ]
ok "partial: the rollback wrote 0, then 3" bash -c 'tail -n 2 "$1" | sed "s|.*/||" | tr "\n" "|" | grep -qx "sriov_numvfs 0 ok|sriov_numvfs 3 ok|"' _ "$UMOCKDEV_DIR/kmock.log"
ok "partial: files rolled back" [ "$(sums "$ROOT")" = "$before" ]
rm "$PF/sriov_numvfs.kmock-partial"
echo 9000 > "$PF/sriov_numvfs.kmock-delay-ms"
run --root "$ROOT" apply --yes --no-run --live --vfs 00:02.0=7
ok "hang: the write times out (exit 1)" [ "$RC" -eq 1 ] && has "no answer after 5000 ms, writer killed" "$ERR"
ok "hang: the message says what a hang means" has "removing VFs waits until every VM lets go of its VF" "$ERR"
ok "hang: nothing changed" [ "$(numvfs 0000:00:02.0)" = 3 -a "$(sums "$ROOT")" = "$before" ]
rm "$PF/sriov_numvfs.kmock-delay-ms"

# ---- bad input: one line naming the device, exit 2, nothing written --------
kmock_host proxmox-n100
before=$(sums "$ROOT")
bad() { # bad NAME TEXT ARGS...
	local name=$1 text=$2; shift 2
	run --root "$ROOT" apply --yes --live "$@"
	ok "bad input: $name: exit 2, one line" bash -c "[ $RC -eq 2 ] && [ \$(wc -l < '$ERR') -eq 1 ]"
	ok "bad input: $name: says so" has "$text" "$ERR"
}
bad "not a number" "--vfs 00:02.0=abc: 'abc' is not a number" --vfs 00:02.0=abc
bad "99999" "--vfs 00:02.0=99999: '99999' is not a number up to 65535" --vfs 00:02.0=99999
bad "above the total" "0000:00:02.0 can have at most 7 VFs, not 8: sriov_totalvfs is 7 (the driver's parameter i915.max_vfs=7 limits it" --vfs 00:02.0=8
bad "a VF" "0000:00:02.1 is a VF of 0000:00:02.0: give the PF's address" --vfs 00:02.1=2
bad "no SR-IOV" "0000:00:14.0 (" --vfs 00:14.0=2
ok "bad input: no SR-IOV: says why" has "has no SR-IOV capability (no sriov_totalvfs)" "$ERR"
GPUVIRT_TEST_VANISH=0000:00:02.0 run --root "$ROOT" apply --yes --live --vfs 00:02.0=4
ok "bad input: vanished: exit 2, one line naming it" bash -c "[ $RC -eq 2 ] && grep -qx 'gpuvirt apply: 0000:00:02.0: no such PCI device on this host' '$ERR'"
run --root "$ROOT" apply --yes --live --boot-only --vfs 00:02.0=4
ok "bad input: --live with --boot-only is exit 2" [ "$RC" -eq 2 ]
run --root "$ROOT" apply --yes --vfs-driver nouveau --vfs 00:02.0=4
ok "bad input: --vfs-driver other than vfio-pci is exit 2" [ "$RC" -eq 2 ] && has "'nouveau' is not vfio-pci or host" "$ERR"
ok "bad input: nothing written, nothing stored" [ "$(sums "$ROOT")" = "$before" -a ! -e "$UMOCKDEV_DIR/kmock.log" ]

# ---- VFs bound to vfio-pci are not removed unless forced -------------------
kmock_host proxmox-n100
VF1=$UMOCKDEV_DIR/sys/devices/pci0000:00/0000:00:02.1
mkdir -p "$UMOCKDEV_DIR/sys/bus/pci/drivers/vfio-pci"
ln -s ../../../bus/pci/drivers/vfio-pci "$VF1/driver"
ln -s ../../../../devices/pci0000:00/0000:00:02.1 "$UMOCKDEV_DIR/sys/bus/pci/drivers/vfio-pci/0000:00:02.1"
run --root "$ROOT" apply --yes --live --vfs 00:02.0=7
ok "in use: refused (exit 1), the VF named" bash -c "[ $RC -eq 1 ] && grep -q '0000:00:02.1 (open: a VM holds it) is bound to vfio-pci' '$ERR'"
ok "in use: nothing stored" [ ! -e "$UMOCKDEV_DIR/kmock.log" ]
run --root "$ROOT" plan --boot-only --vfs 00:02.0=7
ok "in use: --boot-only plans the next boot only" bash -c "[ $RC -eq 0 ] && ! grep -q 'echo' '$OUT'"
run --root "$ROOT" plan --force-vfs-in-use --vfs 00:02.0=7
ok "in use: --force-vfs-in-use plans it" bash -c "[ $RC -eq 0 ] && grep -q 'echo 7 >' '$OUT'"
run --root "$ROOT" plan --vfio 00:02.0 --force-boot-gpu
ok "a PF with VFs never goes to vfio-pci" bash -c "[ $RC -eq 2 ] && grep -q 'a PF with VFs is never bound to vfio-pci' '$ERR'"

# ---- a NIC with 64 VFs; the count at boot for sysfsutils -------------------
kmock_host sriov-nic
before=$(sums "$ROOT")
run --root "$ROOT" apply --yes --no-run --live --vfs 03:00.0=64
ok "nic: 64 VFs made" [ "$RC" -eq 0 -a "$(nvfs 0000:03:00.0)" = 64 ]
ok "nic: one store" [ "$(stores)" = "0000:00:1c.0/0000:03:00.0/sriov_numvfs 64 ok" ]
ok "nic: the 64th VF where the offset and stride put it" [ "$(vfs 0000:03:00.0 | tr ' ' '\n' | tail -n1)" = "0000:03:09.7:i40e" ]
ok "nic: sysfsutils is installed: etc/sysfs.d/gpuvirt.conf" grep -qx "bus/pci/devices/0000:03:00.0/sriov_numvfs = 64" "$ROOT/etc/sysfs.d/gpuvirt.conf"
ok "nic: no udev rule (never both)" test ! -e "$ROOT/etc/udev/rules.d/70-gpuvirt-sriov.rules"
ok "nic: etc/sysfs.conf kept as it was" cmp -s "$ROOT/etc/sysfs.conf" "$GV_SRCDIR/tests/fixtures/hosts/sriov-nic/root/etc/sysfs.conf"
out=$(gv_kmock --root "$ROOT" list --all)
ok "nic: list says 64 of 64, 64 at the next boot" bash -c 'grep -qx "      SR-IOV: 64 of 64 VFs enabled" <<< "$1" &&
	grep -qx "      at the next boot: 64, from etc/sysfs.d/gpuvirt.conf:6" <<< "$1"' _ "$out"

: > "$UMOCKDEV_DIR/kmock.log"
run --root "$ROOT" apply --yes --no-run --live --vfs-driver vfio-pci --vfs 03:00.1=2
ok "nic vfio: applied" [ "$RC" -eq 0 ]
ok "nic vfio: autoprobe off, 2 VFs, each to vfio-pci by address" [ "$(stores)" = "0000:00:1c.0/0000:03:00.1/sriov_drivers_autoprobe 0 ok
0000:00:1c.0/0000:03:00.1/sriov_numvfs 2 ok
0000:00:1c.0/0000:03:0a.0/driver_override vfio-pci ok
/sys/bus/pci/drivers_probe 0000:03:0a.0 ok
0000:00:1c.0/0000:03:0a.1/driver_override vfio-pci ok
/sys/bus/pci/drivers_probe 0000:03:0a.1 ok" ]
ok "nic vfio: the VFs are on vfio-pci" [ "$(vfs 0000:03:00.1)" = "0000:03:0a.0:vfio-pci 0000:03:0a.1:vfio-pci" ]
ok "nic vfio: at boot too, in sysfsutils' order" bash -c 'diff <(sed -n "/^# 0000:03:00.1/,\$p" "$1") - <<EOF
# 0000:03:00.1: 2 VFs on vfio-pci (gpuvirt apply --vfs 0000:03:00.1=2 --vfs-driver vfio-pci)
bus/pci/devices/0000:03:00.1/sriov_drivers_autoprobe = 0
bus/pci/devices/0000:03:00.1/sriov_numvfs = 2
bus/pci/devices/0000:03:0a.0/driver_override = vfio-pci
bus/pci/drivers_probe = 0000:03:0a.0
bus/pci/devices/0000:03:0a.1/driver_override = vfio-pci
bus/pci/drivers_probe = 0000:03:0a.1
EOF' _ "$ROOT/etc/sysfs.d/gpuvirt.conf"
ok "nic vfio: the vfio modules load at boot" grep -qx vfio_pci "$ROOT/etc/modules-load.d/gpuvirt.conf"
run --root "$ROOT" apply --yes --no-run --live --vfs 03:00.1=4
ok "nic vfio: VFs on vfio-pci are not removed unless forced" bash -c "[ $RC -eq 1 ] && grep -qE '0000:03:0a.0( \(open[^)]*\))?, 0000:03:0a.1( \(open[^)]*\))? are bound to vfio-pci' '$ERR'"

# Debian's own /etc/init.d/sysfsutils reads the root's files, in a private
# mount namespace with them over /etc, and the double catches its writes in
# a fresh test bed: the VFs appear as at boot.
if [ -x /etc/init.d/sysfsutils ] && [ -f /etc/sysfs.conf ] && [ -d /etc/sysfs.d ] && command -v unshare > /dev/null; then
	conf=$TMPROOT/conf-nic
	cp -a "$ROOT" "$conf"
	kmock_host sriov-nic
	# the kernel always has it; the double makes it on first open, and the
	# script asks `[ -f ]` before it writes
	touch "$UMOCKDEV_DIR/sys/bus/pci/drivers_probe"
	if [ "$(id -u)" -eq 0 ]; then ns=(unshare -m); else ns=(unshare -rm); fi
	"${ns[@]}" sh -c 'mount --bind "$1/etc/sysfs.conf" /etc/sysfs.conf && mount --bind "$1/etc/sysfs.d" /etc/sysfs.d &&
		exec env LD_PRELOAD="$2:libumockdev-preload.so.0" /etc/init.d/sysfsutils start' _ "$conf" "$GV_KMOCK" \
		> "$TMPROOT/sysfsutils.out" 2>&1
	ok "sysfsutils: the init script ran" [ $? -eq 0 ]
	ok "sysfsutils: it made the 64 VFs" [ "$(nvfs 0000:03:00.0)" = 64 ]
	ok "sysfsutils: and the 2 on vfio-pci" [ "$(vfs 0000:03:00.1)" = "0000:03:0a.0:vfio-pci 0000:03:0a.1:vfio-pci" ]
	ok "sysfsutils: no attribute unknown or unwritable" bash -c '! grep -qE "unknown attribute|cannot write" "$1"' _ "$TMPROOT/sysfsutils.out"
	ok "sysfsutils: the host's own /etc/sysfs.d is untouched" test ! -e /etc/sysfs.d/gpuvirt.conf
else
	echo "SKIP: sysfsutils (package sysfsutils) or unshare missing: Debian's script reading the count at boot"
fi

# N=0 takes VFs and the count at boot; other files' lines for the PF move into ours
kmock_host sriov-nic
printf 'devices/pci0000:00/0000:00:1c.0/0000:03:00.0/sriov_numvfs = 8\n' >> "$ROOT/etc/sysfs.conf"
run --root "$ROOT" plan --vfs 03:00.0=16
ok "nic: a line of etc/sysfs.conf for the PF moves into gpuvirt's" \
	bash -c "grep -qF -- '-devices/pci0000:00/0000:00:1c.0/0000:03:00.0/sriov_numvfs = 8' '$OUT' && grep -qF 'etc/sysfs.conf line 14 set the VFs of 0000:03:00.0' '$OUT'"
rm "$ROOT/etc/sysfs.conf"
run --root "$ROOT" plan --vfs 03:00.0=16
ok "nic: an empty etc/sysfs.conf where it is missing" bash -c "grep -qF '+++ b/etc/sysfs.conf' '$OUT' && grep -q 'skip etc/sysfs.d without an etc/sysfs.conf' '$OUT'"

# ---- a stock i915 diagnosed ---------------------------------------------
kmock_host sriov-stock-i915
run --root "$ROOT" check --json
ok "stock: check fails (exit 1)" [ "$RC" -eq 1 ]
json=$(cat "$OUT")
ok "stock: the stock module is the cause" json_has "$json" sriov-driver fail "runs the stock i915, which cannot make VFs"
ok "stock: with its evidence" json_has "$json" sriov-driver fail "/sys/module/i915/parameters: no max_vfs"
ok "stock: and a command to fix it" python3 -c '
import json, sys
f = [f for f in json.loads(sys.argv[1])["findings"] if f["id"] == "sriov-driver"][0]
assert f["fix"].startswith("dkms autoinstall -k 6.8.12-4-pve"), f["fix"]' "$json"
ok "stock: the count at boot is shown" json_has "$json" sriov-vfs info "0000:00:02.0 has 0 of 7 VFs; the next boot makes 3 (etc/sysfs.conf:1)"
run --root "$ROOT" apply --yes --live --vfs 00:02.0=3
ok "stock: --vfs refused (exit 1), saying why" bash -c "[ $RC -eq 1 ] && grep -q 'i915 cannot make VFs (the stock module, without a max_vfs parameter)' '$ERR'"

# ---- after the reboot: expected against actual in check --json ------------
kmock_host proxmox-n100
gv_kmock --root "$ROOT" apply --yes --no-run --live --vfs 00:02.0=5 > /dev/null 2>&1
run --root "$ROOT" check --json
ok "verify: the count now is the count expected" json_has "$(cat "$OUT")" verify-numvfs pass "0000:00:02.0 has 5 VFs"
kmock_run dash -c 'printf 0 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs'
run --root "$ROOT" check --json
ok "verify: before the reboot, fewer is a pending warning naming both counts" \
	json_has "$(cat "$OUT")" verify-numvfs warn "0000:00:02.0 has 0 VFs, expected 5"
# the reboot: a later boot time, and no VFs (as when the rule did not fire)
sed -i "s/^btime .*/btime $(( $(date +%s) + 60 ))/" "$UMOCKDEV_DIR/proc/stat"
run --root "$ROOT" check --json
ok "verify: after the reboot, fewer is a failure naming both counts" \
	json_has "$(cat "$OUT")" verify-numvfs fail "0000:00:02.0 has 0 VFs, expected 5"
ok "verify: and the SR-IOV check says the count at boot did not take" \
	json_has "$(cat "$OUT")" sriov-boot-count fail "the count at boot did not take"
kmock_run dash -c 'printf 5 > /sys/bus/pci/devices/0000:00:02.0/sriov_numvfs'
run --root "$ROOT" check --json
ok "verify: after the reboot, 5 VFs as expected" json_has "$(cat "$OUT")" verify-numvfs pass "0000:00:02.0 has 5 VFs"

# ---- --demo: the sample host's I350, nothing live -------------------------
# (inside a test bed all the same: were anything read from /sys, it is not this machine's)
host ubuntu-v100
export XDG_RUNTIME_DIR=$TMPROOT/xdg
mkdir -p "$XDG_RUNTIME_DIR"
OUT=$TMPROOT/out ERR=$TMPROOT/err
gv --demo plan --vfs 61:00.0=4 > "$OUT" 2> "$ERR"
ok "demo: plan --vfs on the sample I350" bash -c "[ $? -eq 0 ] && grep -qF 'echo 4 > /sys/bus/pci/devices/0000:61:00.0/sriov_numvfs' '$OUT'"
ok "demo: a udev rule (no sysfsutils in the sample root)" has 'KERNEL=="0000:61:00.0", DRIVER=="igb", ATTR{sriov_numvfs}="4"' "$OUT"
gv --demo apply --yes --vfs 61:00.0=4 > "$OUT" 2> "$ERR"
ok "demo: apply writes nothing live" bash -c "[ $? -eq 0 ] && grep -qF 'not written (the running host is left alone): echo 4 > /sys/bus/pci/devices/0000:61:00.0/sriov_numvfs' '$ERR'"
gv --demo apply --yes --live --vfs 61:00.0=4 > "$OUT" 2> "$ERR"
ok "demo: --live is refused (exit 2)" [ $? -eq 2 ]
gv --demo undo --yes > /dev/null 2>&1
