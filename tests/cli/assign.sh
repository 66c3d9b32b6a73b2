#!/usr/bin/env bash
# gpuvirt plan/apply --assign on fixture roots with the VMs of
# tests/fixtures/vms: the V100 and one of its vGPUs, the N100's VF 00:02.1,
# an RTX with its audio, each to the libvirt domain win11 and to the Proxmox
# VM 100. Judged by the consumers: each <hostdev> file and the domain with it
# against libvirt's own RelaxNG schemas (as export.sh does), the Proxmox value
# equal to what `gpuvirt export` gives (which export.sh checks against
# qemu-server's grammar). The commands are listed with --no-run, and the undo
# is byte for byte. Where this test may chroot (root), virsh and qm are the
# stand-in build/tools/vmstub inside the root, so apply runs them for real:
# attach, read back, detach, and a read-back that fails rolls back.
# Bad input: one line, exit 2, nothing written. And gpuvirt check's
# vm-device findings.
. "$(dirname "$0")/../lib.sh"

SCHEMAS=/usr/share/libvirt/schemas
missing=0
command -v xmllint > /dev/null || { fail "xmllint missing (libxml2-utils; make deps)"; missing=1; }
[ -f $SCHEMAS/domaincommon.rng ] || { fail "libvirt schemas missing (libvirt0; make deps)"; missing=1; }
[ $missing = 0 ] || exit 1

# A <hostdev> alone has no schema of its own: this grammar starts at
# domaincommon.rng's hostdev define (SRIOV-MDEV-VM.md §3.1).
cat > "$TMPROOT/hostdev.rng" <<EOF
<grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="hostdev"/></start><include href="$SCHEMAS/domaincommon.rng"/></grammar>
EOF
hostdev_valid() { xmllint --noout --relaxng "$TMPROOT/hostdev.rng" "$1" 2> "$TMPROOT/xmllint.err" ||
	{ cat "$1" "$TMPROOT/xmllint.err" >&2; return 1; }; }
domain_valid() { xmllint --noout --relaxng $SCHEMAS/domain.rng "$1" 2> "$TMPROOT/xmllint.err" ||
	{ cat "$1" "$TMPROOT/xmllint.err" >&2; return 1; }; }
# with_hostdevs DOMAIN FILE...: DOMAIN with the <hostdev> of each FILE in its
# <devices>, as virsh attach-device --config leaves it
with_hostdevs() {
	local dom=$1; shift
	awk 'FNR == 1 { f++ } f > 1 && /^<hostdev/ { on = 1 } f > 1 && on { add = add "    " $0 "\n" }
	     f > 1 && /^<\/hostdev>/ { on = 0 }
	     f == 1 { lines[++n] = $0 }
	     END { for (i = 1; i <= n; i++) { if (lines[i] == "  </devices>") printf "%s", add; print lines[i] } }' "$dom" "$@"
}

has() { grep -qF -- "$1" "$2"; }
everything() { (cd "$1" && find . -printf '%p %y %s %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }
run_gv() {
	OUT=$TMPROOT/out ERR=$TMPROOT/err
	gv --root "$ROOT" "$@" > "$OUT" 2> "$ERR" < /dev/null
	RC=$?
}
# vm_host NAME: fixture host NAME, its root with the VMs
vm_host() { host "$1"; cp -a "$GV_SRCDIR/tests/fixtures/vms/." "$ROOT/"; }

# Can apply run the stand-ins in `chroot ROOT`? (root, and a static vmstub)
STUB=$GV_BUILD/tools/vmstub
can_chroot=0
if [ "$(id -u)" = 0 ] && [ -x "$STUB" ] && command -v chroot > /dev/null; then
	mkdir -p "$TMPROOT/ch/usr/bin" && cp "$STUB" "$TMPROOT/ch/usr/bin/virsh"
	chroot "$TMPROOT/ch" /usr/bin/virsh > /dev/null 2>&1
	[ $? = 1 ] && can_chroot=1
fi
[ $can_chroot = 1 ] || echo "SKIP: not root or no chroot: apply runs no virsh/qm stand-in (the --no-run checks still run)"
stubs() { mkdir -p "$ROOT/usr/bin"; cp "$STUB" "$ROOT/usr/bin/virsh"; cp "$STUB" "$ROOT/usr/bin/qm"; }

# libvirt NAME DEVICE FILES...: --assign DEVICE --vm win11 gives FILES (the
# devices' hostdev files): previewed, valid, listed with --no-run, undone
# byte for byte, the undo showing the detach of each; then, where it can,
# applied for real through the stand-in and undone again.
libvirt() {
	local name=$1 dev=$2 f alias; shift 2
	local orig=$TMPROOT/orig-$name
	rm -rf "$orig"; cp -a "$ROOT" "$orig"
	local before; before=$(everything "$ROOT")
	run_gv plan --assign "$dev" --vm win11
	ok "$name libvirt: plan exits 0" [ "$RC" = 0 ]
	ok "$name libvirt: plan writes nothing" [ "$before" = "$(everything "$ROOT")" ]
	for f in "$@"; do
		alias=ua-gpuvirt-${f//[:.]/-}
		ok "$name libvirt: the preview shows the <hostdev> of $f" has "+++ b/var/lib/gpuvirt/hostdev/win11/$f.xml" "$OUT"
		ok "$name libvirt: the preview shows its alias" has "+  <alias name='$alias'/>" "$OUT"
		ok "$name libvirt: the attach of $f" has "\$ virsh attach-device win11 /var/lib/gpuvirt/hostdev/win11/$f.xml --config" "$OUT"
		ok "$name libvirt: its read-back" has "# read back: virsh dumpxml --inactive win11 shows <address " "$OUT"
		ok "$name libvirt: its undo" has "# undo: virsh detach-device-alias win11 $alias --config" "$OUT"
	done
	run_gv apply --assign "$dev" --vm win11 --yes --no-run
	ok "$name libvirt: apply --no-run exits 0" [ "$RC" = 0 ]
	local files=()
	for f in "$@"; do
		files+=("$ROOT/var/lib/gpuvirt/hostdev/win11/$f.xml")
		ok "$name libvirt: the attach of $f is listed as still to run" \
			has "still to run: virsh attach-device win11 /var/lib/gpuvirt/hostdev/win11/$f.xml --config" "$ERR"
		ok "$name libvirt: libvirt's schema takes the <hostdev> of $f" hostdev_valid "$ROOT/var/lib/gpuvirt/hostdev/win11/$f.xml"
	done
	ok "$name libvirt: the read-back is listed too" has "then check that \`virsh dumpxml --inactive win11\` shows <address " "$ERR"
	with_hostdevs "$ROOT/etc/libvirt/qemu/win11.xml" "${files[@]}" > "$TMPROOT/win11-with.xml"
	ok "$name libvirt: libvirt's schema takes the domain with it" domain_valid "$TMPROOT/win11-with.xml"
	ok "$name libvirt: the domain with it has it" [ "$(grep -c '<hostdev' "$TMPROOT/win11-with.xml")" = $# ]
	run_gv plan --undo
	for f in "$@"; do
		alias=ua-gpuvirt-${f//[:.]/-}
		ok "$name libvirt: the undo plan detaches $f" has "\$ virsh detach-device-alias win11 $alias --config" "$OUT"
	done
	run_gv undo --yes --no-run
	ok "$name libvirt: undo exits 0" [ "$RC" = 0 ]
	ok "$name libvirt: the detach is listed as still to run" has "still to run: virsh detach-device-alias win11 " "$ERR"
	ok "$name libvirt: undone byte for byte" diff -r --exclude=var "$orig" "$ROOT"
	ok "$name libvirt: no hostdev files left" [ ! -e "$ROOT/var/lib/gpuvirt/hostdev" ]
	[ $can_chroot = 1 ] || return 0
	stubs; cp -a "$ROOT/usr" "$orig/"
	run_gv apply --assign "$dev" --vm win11 --yes
	ok "$name libvirt (virsh): apply exits 0" [ "$RC" = 0 ]
	ok "$name libvirt (virsh): read back" has "read back: \`virsh dumpxml --inactive win11\` shows <address " "$ERR"
	ok "$name libvirt (virsh): the domain has it" [ "$(grep -c '<hostdev' "$ROOT/etc/libvirt/qemu/win11.xml")" = $# ]
	ok "$name libvirt (virsh): libvirt's schema takes the domain" domain_valid "$ROOT/etc/libvirt/qemu/win11.xml"
	run_gv apply --assign "$dev" --vm win11 --yes
	ok "$name libvirt (virsh): again: nothing to add" has "has $1 already (etc/libvirt/qemu/win11.xml): nothing to add" "$ERR"
	run_gv undo --yes
	ok "$name libvirt (virsh): undo exits 0" [ "$RC" = 0 ]
	ok "$name libvirt (virsh): detached and undone byte for byte" diff -r --exclude=var "$orig" "$ROOT"
}

# proxmox NAME DEVICE SLOT: --assign DEVICE --vmid 100 is `qm set 100
# -hostpciSLOT VALUE`, VALUE the export's; listed, undone byte for byte;
# then for real through the stand-in.
proxmox() {
	local name=$1 dev=$2 k=$3 value
	local orig=$TMPROOT/orig-$name
	rm -rf "$orig"; cp -a "$ROOT" "$orig"
	gv export "$dev" --format proxmox 2> /dev/null > "$TMPROOT/export"
	value=$(sed -n 's/^hostpci0: //p' "$TMPROOT/export")
	ok "$name Proxmox: gpuvirt export gives a hostpci value" [ -n "$value" ]
	run_gv plan --assign "$dev" --vmid 100
	ok "$name Proxmox: plan exits 0" [ "$RC" = 0 ]
	ok "$name Proxmox: qm set on hostpci$k with the export's value" \
		grep -qxF -- "\$ qm set 100 -hostpci$k $( [[ $value == *\;* ]] && echo "'$value'" || echo "$value")" "$OUT"
	ok "$name Proxmox: its read-back" has "# read back: qm config 100 shows hostpci$k: $value" "$OUT"
	ok "$name Proxmox: its undo" has "# undo: qm set 100 -delete hostpci$k" "$OUT"
	run_gv apply --assign "$dev" --vmid 100 --yes --no-run
	ok "$name Proxmox: apply --no-run exits 0" [ "$RC" = 0 ]
	ok "$name Proxmox: qm set is listed as still to run" has "still to run: qm set 100 -hostpci$k " "$ERR"
	run_gv plan --undo
	ok "$name Proxmox: the undo plan deletes hostpci$k" has "\$ qm set 100 -delete hostpci$k" "$OUT"
	run_gv undo --yes --no-run
	ok "$name Proxmox: undone byte for byte" diff -r --exclude=var "$orig" "$ROOT"
	[ $can_chroot = 1 ] || return 0
	stubs; cp -a "$ROOT/usr" "$orig/"
	run_gv apply --assign "$dev" --vmid 100 --yes
	ok "$name Proxmox (qm): apply exits 0" [ "$RC" = 0 ]
	ok "$name Proxmox (qm): the VM has it" grep -qxF "hostpci$k: $value" "$ROOT/etc/pve/qemu-server/100.conf"
	run_gv undo --yes
	ok "$name Proxmox (qm): deleted and undone byte for byte" diff -r --exclude=var "$orig" "$ROOT"
}

# refused NAME STATUS WANT ARGS...: gv ARGS exits STATUS with exactly the
# line WANT on stderr, nothing on stdout, nothing written
refused() {
	local name=$1 status=$2 want=$3 before; shift 3
	before=$(everything "$ROOT")
	run_gv "$@"
	ok "$name: exit $status" [ "$RC" = "$status" ]
	ok "$name: one line" [ "$(cat "$ERR")" = "$want" ]
	[ "$(cat "$ERR")" = "$want" ] || { echo "  got:  $(cat "$ERR")"; echo "  want: $want"; }
	ok "$name: nothing on stdout" [ ! -s "$OUT" ]
	ok "$name: nothing written" [ "$before" = "$(everything "$ROOT")" ]
}

# --- The Ubuntu guide's V100 ---------------------------------------------
vm_host ubuntu-v100
libvirt "V100" 0000:41:00.0 0000:41:00.0
ok "V100 libvirt: a managed='yes' PCI hostdev" has "<hostdev mode='subsystem' type='pci' managed='yes'>" "$TMPROOT/win11-with.xml"
proxmox "V100" 0000:41:00.0 1
# VM 102: hostpci0 set, hostpci1 pending; its snapshot's 41:00.0 is no claim
run_gv plan --assign 41:00.0 --vmid 102
ok "V100 Proxmox: VM 102's pending hostpci1 counts, its snapshot does not" has "\$ qm set 102 -hostpci2 0000:41:00.0,pcie=1" "$OUT"
refused "boot GPU" 1 "gpuvirt apply: --assign 0000:02:00.0 --vm win11: 0000:02:00.0 is the boot GPU (boot_vga=1): giving it to a VM takes the host's console on it; use a serial console or ssh and pass --force-boot-gpu" \
	apply --assign 02:00.0 --vm win11 --yes --no-run

# --- One of its vGPUs ------------------------------------------------------
vm_host export-v100-vgpu
libvirt "vGPU" 634fc146-50a3-4960-ac30-f09e5cedc674 634fc146-50a3-4960-ac30-f09e5cedc674
ok "vGPU libvirt: an mdev hostdev with its UUID" bash -c "grep -q \"type='mdev' managed='no' model='vfio-pci'\" '$TMPROOT/win11-with.xml' && grep -q \"<address uuid='634fc146-50a3-4960-ac30-f09e5cedc674'/>\" '$TMPROOT/win11-with.xml'"
proxmox "vGPU" 634fc146-50a3-4960-ac30-f09e5cedc674 1
refused "vGPU another VM has" 1 "gpuvirt apply: --assign c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57 --vm win11: libvirt domain gaming has c2e088b4-6c7e-4c4b-8d6f-2b0f3a1d9e57 already (etc/libvirt/qemu/gaming.xml:35); take it out of that VM first" \
	apply --assign C2E088B4-6C7E-4C4B-8D6F-2B0F3A1D9E57 --vm win11 --yes --no-run

# --- The N100's VF ---------------------------------------------------------
vm_host proxmox-n100
libvirt "N100 VF" 00:02.1 0000:00:02.1
proxmox "N100 VF" 00:02.1 1
ok "N100 VF: the function given, never all functions" has "qm set 100 -hostpci1 0000:00:02.1,pcie=1" "$OUT"
refused "N100 PF" 2 "gpuvirt apply: --assign 0000:00:02.0 --vmid 100: 0000:00:02.0 is an SR-IOV PF with 3 VFs enabled, which a VM cannot have while they exist; give a VF instead: 0000:00:02.1" \
	apply --assign 00:02.0 --vmid 100 --yes --no-run --force-boot-gpu
refused "N100 VF another VM has" 1 "gpuvirt apply: --assign 0000:00:02.2 --vm win11: Proxmox VM 102 has 0000:00:02.2 already (hostpci0, etc/pve/qemu-server/102.conf:3); take it out of that VM first" \
	apply --assign 00:02.2 --vm win11 --yes --no-run
run_gv plan --assign 00:02.1 --vmid 100 --assign 00:02.3 --vmid 100
ok "N100: two VFs to one VM take two free slots" bash -c "grep -qxF '\$ qm set 100 -hostpci1 0000:00:02.1,pcie=1' '$OUT' && grep -qxF '\$ qm set 100 -hostpci3 0000:00:02.3,pcie=1' '$OUT'"

# --- An RTX and its HDMI audio ---------------------------------------------
vm_host desktop-twins
libvirt "RTX" 01:00.0 0000:01:00.0 0000:01:00.1
ok "RTX libvirt: one multifunction guest slot" has "<address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>" "$TMPROOT/win11-with.xml"
proxmox "RTX" 01:00.0 1
refused "RTX another VM has" 1 "gpuvirt apply: --assign 0000:02:00.0 --vmid 100: libvirt domain gaming has 0000:02:00.0 already (etc/libvirt/qemu/gaming.xml:23); take it out of that VM first" \
	apply --assign 02:00.0 --vmid 100 --yes --no-run

# A read-back that does not show the device: rolled back, the attach reversed.
if [ $can_chroot = 1 ]; then
	stubs; touch "$ROOT/etc/vmstub-lie"
	orig=$TMPROOT/orig-lie; rm -rf "$orig"; cp -a "$ROOT" "$orig"
	run_gv apply --assign 01:00.0 --vm win11 --yes
	ok "read-back fails: exit 1" [ "$RC" = 1 ]
	ok "read-back fails: says what it did not show, and that it was reversed" has "\`virsh attach-device win11 /var/lib/gpuvirt/hostdev/win11/0000:01:00.0.xml --config\` ran, but \`virsh dumpxml --inactive win11\` does not show <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>; the files were rolled back, 1 command reversed by its undo" "$ERR"
	ok "read-back fails: the detach ran" has "running: chroot $ROOT virsh detach-device-alias win11 ua-gpuvirt-0000-01-00-0 --config" "$ERR"
	ok "read-back fails: everything as before, the journal too" diff -r "$orig" "$ROOT"
	rm -f "$ROOT/etc/vmstub-lie"
fi

# --- Bad input: one line naming it, exit 2, nothing written ----------------
vm_host ubuntu-v100
printf "<domain type='kvm'>\n  <name>broken</name>\n  <devices>\n    <hostdev mode='subsystem' type='pci'>\n  </devices>\n</domain>\n" \
	> "$ROOT/etc/libvirt/qemu/broken.xml"
for verb in plan apply; do
	extra=(); [ $verb = apply ] && extra=(--yes --no-run)
	refused "$verb: unknown device" 2 "gpuvirt $verb: --assign 0000:99:00.0 --vm win11: 0000:99:00.0: no such PCI device on this host" \
		$verb --assign 99:00.0 --vm win11 "${extra[@]}"
	refused "$verb: unknown libvirt domain" 2 "gpuvirt $verb: --assign 0000:41:00.0 --vm win12: no libvirt domain win12 under the root (no etc/libvirt/qemu/win12.xml)" \
		$verb --assign 41:00.0 --vm win12 "${extra[@]}"
	refused "$verb: unknown Proxmox VM" 2 "gpuvirt $verb: --assign 0000:41:00.0 --vmid 999: no Proxmox VM 999 under the root (no etc/pve/qemu-server/999.conf)" \
		$verb --assign 41:00.0 --vmid 999 "${extra[@]}"
	refused "$verb: a taken hostpci" 2 "gpuvirt $verb: --assign 0000:41:00.0 --vmid 100 --hostpci 0: hostpci0 of Proxmox VM 100 is taken (etc/pve/qemu-server/100.conf:5); name a free one, or leave --hostpci out for the next free one" \
		$verb --assign 41:00.0 --vmid 100 --hostpci 0 "${extra[@]}"
	refused "$verb: a domain XML that does not parse" 2 "gpuvirt $verb: --assign 0000:41:00.0 --vm broken: etc/libvirt/qemu/broken.xml:5: Opening and ending tag mismatch: hostdev line 4 and devices" \
		$verb --assign 41:00.0 --vm broken "${extra[@]}"
	refused "$verb: no VM" 2 "gpuvirt $verb: --assign 41:00.0: which VM? --vm NAME (libvirt) or --vmid N (Proxmox)" \
		$verb --assign 41:00.0 "${extra[@]}"
	refused "$verb: no device" 2 "gpuvirt $verb: --vmid 100: which device? --assign DEVICE" \
		$verb --vmid 100 "${extra[@]}"
	refused "$verb: --hostpci with --vm" 2 "gpuvirt $verb: --assign 41:00.0: --vm NAME is a libvirt domain; --vmid and --hostpci are for a Proxmox VM" \
		$verb --assign 41:00.0 --vm win11 --hostpci 3 "${extra[@]}"
	refused "$verb: not a VMID" 2 "gpuvirt $verb: --assign 0000:41:00.0 --vmid 42: want a number from 100 to 999999999" \
		$verb --assign 41:00.0 --vmid 42 "${extra[@]}"
	refused "$verb: every hostpci taken" 1 "gpuvirt $verb: --assign 0000:41:00.0 --vmid 101: Proxmox VM 101 uses every hostpci (hostpci0 to hostpci15, etc/pve/qemu-server/101.conf); it can be given no more devices" \
		$verb --assign 41:00.0 --vmid 101 "${extra[@]}"
done
run_gv plan --assign 41:00.0 --vm win11
ok "another VM's broken domain: a warning, the plan goes on" \
	bash -c "[ $RC = 0 ] && grep -qF 'warning: not read, so not checked for the devices it has: etc/libvirt/qemu/broken.xml:5:' '$ERR'"
run_gv undo --vm win11
ok "--vm is not an option of undo" bash -c "[ $RC = 2 ] && grep -qF -- '--vm is not an option of undo' '$ERR'"
run_gv undo --assign 41:00.0
ok "--assign is not an option of undo (named, not its argument)" bash -c "[ $RC = 2 ] && grep -qF -- '--assign is not an option of undo' '$ERR'"
# the draft's one-word spelling is taken too
run_gv plan --assign 0000:41:00.0,vmid=100,hostpci=4
ok "DEVICE,vmid=N,hostpci=K is --assign DEVICE --vmid N --hostpci K" has "\$ qm set 100 -hostpci4 0000:41:00.0,pcie=1" "$OUT"

# --- A saved plan carries the undo and the read-back -------------------------
vm_host ubuntu-v100
orig=$TMPROOT/orig-saved; rm -rf "$orig"; cp -a "$ROOT" "$orig"
run_gv plan --assign 41:00.0 --vm win11 --save "$TMPROOT/assign.plan"
ok "plan --save: exit 0" [ "$RC" = 0 ]
ok "plan --save: the undo line" has "undo virsh detach-device-alias win11 ua-gpuvirt-0000-41-00-0 --config" "$TMPROOT/assign.plan"
ok "plan --save: the read-back line" has "readback <address%20domain='0x0000'%20bus='0x41'%20slot='0x00'%20function='0x0'/> virsh dumpxml --inactive win11" "$TMPROOT/assign.plan"
run_gv apply --plan "$TMPROOT/assign.plan" --yes --no-run
ok "apply --plan: exit 0" [ "$RC" = 0 ]
run_gv plan --undo
ok "apply --plan: its undo detaches" has "\$ virsh detach-device-alias win11 ua-gpuvirt-0000-41-00-0 --config" "$OUT"
run_gv undo --yes --no-run
ok "apply --plan: undone byte for byte" diff -r --exclude=var "$orig" "$ROOT"

# --- --demo: the sample host's domain win11 --------------------------------
export XDG_RUNTIME_DIR=$TMPROOT/run; mkdir -m 0700 "$XDG_RUNTIME_DIR"
umockdev-wrapper "$GPUVIRT" --demo plan --assign 41:00.0 --vm win11 > "$TMPROOT/out" 2> "$TMPROOT/err" < /dev/null
ok "--demo plan --assign 41:00.0 --vm win11: exit 0" [ $? = 0 ]
ok "--demo: the attach" has "\$ virsh attach-device win11 /var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml --config" "$TMPROOT/out"

# --- gpuvirt check: the devices of the VMs, after the reboot -----------------
host check-vms
run_gv check --json
ok "check: exit 1 (a VM names what is not there)" [ "$RC" = 1 ]
ok "check: vm-device findings as the host has them" python3 -c '
import json, sys
fs = [f for f in json.load(open(sys.argv[1]))["findings"] if f["id"] in ("vm-device", "vm-config")]
got = [(f["id"], f["status"], f["evidence"]) for f in fs]
want = [
    ("vm-config", "warn", "etc/libvirt/qemu/broken.xml:5: Opening and ending tag mismatch: hostdev line 4 and devices"),
    ("vm-device", "fail", "etc/libvirt/qemu/stale.xml:8: 0000:05:00.0"),
    ("vm-device", "warn", "etc/libvirt/qemu/stale.xml:13: 0000:02:00.0"),
    ("vm-device", "fail", "etc/libvirt/qemu/stale.xml:18: 0000:02:00.1"),
    ("vm-device", "fail", "etc/libvirt/qemu/stale.xml:23: mdev deadbeef-0000-4000-8000-000000000001"),
    ("vm-device", "pass", "etc/libvirt/qemu/win11.xml:8: 0000:01:00.0"),
    ("vm-device", "pass", "etc/libvirt/qemu/win11.xml:15: 0000:01:00.1"),
    ("vm-device", "pass", "etc/libvirt/qemu/win11.xml:22: mdev 634fc146-50a3-4960-ac30-f09e5cedc674"),
    ("vm-device", "pass", "etc/pve/qemu-server/100.conf:2: hostpci0: 0000:00:02.1"),
    ("vm-device", "warn", "etc/pve/qemu-server/100.conf:3: hostpci1: 0000:00:02"),
    ("vm-device", "pass", "etc/pve/qemu-server/100.conf:4: hostpci2: 0000:41:00.0,mdev=nvidia-300"),
    ("vm-device", "info", "etc/pve/qemu-server/100.conf:5: hostpci3: igpu-vf"),
]
assert got == want, got
assert all(f["fix"] for f in fs if f["status"] in ("fail", "warn")), fs
' "$OUT"
run_gv check
ok "check: the text names the VM and the fix" bash -c "grep -qF '[FAIL] libvirt domain stale has 0000:05:00.0, which is not on this host' '$OUT' && grep -qF 'fix: gpuvirt apply --vfio 0000:02:00.1, then reboot' '$OUT'"
ok "check: under the Configuration heading, once" [ "$(grep -c '^Configuration (under ' "$OUT")" = 1 ]
if [ $can_chroot = 1 ]; then
	# the V100 attached for real, on nouveau still: libvirt takes it at start
	vm_host ubuntu-v100; stubs
	run_gv apply --assign 41:00.0 --vm win11 --yes
	run_gv check --json
	ok "check after the attach: the V100 of win11 is not on vfio-pci yet (warn, with the fix)" python3 -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["findings"]
     if f["id"] == "vm-device" and f["evidence"].startswith("etc/libvirt/qemu/win11.xml")]
assert [(x["status"], x["evidence"], x["fix"]) for x in f] == [("warn", "etc/libvirt/qemu/win11.xml:62: 0000:41:00.0",
    "gpuvirt apply --vfio 0000:41:00.0, so that it is on vfio-pci from boot and the host never uses it")], f
' "$OUT"
fi
