#!/usr/bin/env bash
# The wizard's "Assign to a VM" step at 80x24 on a vt100. Under --demo: the
# device tree's selection (the V100) carries over, V gives it to the sample
# root's libvirt domain win11, the preview shows its <hostdev> and the virsh
# command, y applies to the scratch root (commands listed, not run) and the
# status says what is left; print only shows the libvirt, QEMU and Proxmox
# text and W writes it to a file; the guest's checklist is there. On
# proxmox-n100 with the VMs of tests/fixtures/vms: a VF to Proxmox VM 100,
# the SR-IOV i915 in the guest's checklist, a device another VM has is
# refused with the engine's line, and where this test may chroot (root) the
# stand-in qm runs and the status says assigned.
. "$(dirname "$0")/lib-tmux.bash"

# the step's pane (right of the divider) as one line, so that wrapped text
# reads whole
pane() { screen | cut -c47- | tr -s ' \n' '  '; }
pane_says() { pane | grep -qF -- "$1"; }

# seen TEXT: TEXT is somewhere on the step's pane (read whole, as
# pane_says), paging through it (focus on the step, Ctrl-F: j and k would
# move the step's cursor) when 80x24 cannot show it all; back at the top
# afterwards
seen() {
	local i found=1 prev cur
	pane_says "$1" && return 0
	keys l
	prev=$(pane)
	for (( i = 0; i < 12; i++ )); do
		keys C-f
		sleep 0.1
		cur=$(pane)
		# two pages together: TEXT may start on one and end on the next
		[[ "$prev $cur" == *"$1"* ]] && { found=0; break; }
		prev=$cur
	done
	keys g h
	sleep 0.1
	[ $found = 0 ] || { echo "--- not on the step's screen: '$1'"; screen; }
	return $found
}

# in_preview TEXT: TEXT is in the open preview, paging down to it from the top
in_preview() {
	local i
	keys g
	sleep 0.1
	for (( i = 0; i < 12; i++ )); do
		on_screen "$1" && return 0
		keys Space
		sleep 0.1
	done
	echo "--- not in the preview: '$1'"; screen
	return 1
}

# the row of the screen that has TEXT is shown in reverse video (SGR 7)
reverse_row() {
	local i
	for (( i = 0; i < 10; i++ )); do
		screen_e | grep -F -- "$1" | grep -qE $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m' && return 0
		sleep 0.1
	done
	return 1
}

# ---- the demo: the V100 to the libvirt domain win11 ----
bed=$TMPROOT/empty-bed
mkdir -p "$bed/sys" "$TMPROOT/tmp" "$TMPROOT/run"
chmod 0700 "$TMPROOT/run"
echo "gpuvirt test bed: empty" > "$bed/sys/.gpuvirt-testbed"
export UMOCKDEV_DIR=$bed
ROOT=/
TUI_ENV="TMPDIR=$TMPROOT/tmp XDG_RUNTIME_DIR=$TMPROOT/run"

tui_start vt100 --demo || { fail "demo: starts"; exit 1; }
scratch=$(ls -d "$TMPROOT"/tmp/gpuvirt-demo.* 2> /dev/null | head -1)
ok "demo: a scratch root with the domain win11" test -f "$scratch/etc/libvirt/qemu/win11.xml"
ok "demo: the step list counts devices and VMs" on_screen "2 devices, 1 VM"
# the tree's selection carries over
keys w
wait_for "> Devices" > /dev/null
for (( i = 0; i < 12; i++ )); do
	reverse_row "41:00.0 NVIDIA" && break
	keys j
	sleep 0.05
done
ok "demo: the tree's cursor on the V100" reverse_row "41:00.0 NVIDIA"
keys v
ok "demo: v opens the step" wait_for "Devices for a VM:"
ok "demo: the V100 is under the step's cursor" reverse_row "0000:41:00.0 nouveau"
ok "demo: the VMs under the root" pane_says "VMs: libvirt domain win11"
ok "demo: not drafted yet" pane_says "Not drafted: V chooses the VM"
ok "demo: the keys are on the status line" on_screen "V VM W write-file X forget p preview"
keys p
ok "demo: p with nothing drafted says so" wait_for "Nothing drafted"
keys x
wait_gone "Nothing drafted" > /dev/null

keys V
ok "demo: V asks for the VM" wait_for "Which VM gets 0000:41:00.0"
ok "demo: ...the domain win11" on_screen "libvirt domain win11"
ok "demo: ...or print only" on_screen "print only"
keys Enter
ok "demo: drafted to win11" wait_for "-> win11"
ok "demo: the step list says drafted" on_screen "41:00.0 -> win11: drafted"
ok "demo: the step says what is drafted" pane_says "Drafted: --assign 0000:41:00.0 --vm win11"
ok "demo: the export's note" seen "libvirt detaches it to vfio-pci"
ok "demo: the guest's checklist" seen "The guest's checklist:"
ok "demo: ...OVMF and q35" seen "OVMF (UEFI) and the q35 machine type"
ok "demo: ...the guest's driver" seen "Driver: NVIDIA's driver inside the guest"
ok "demo: ...Windows' primary GPU" seen "Windows: make it the primary GPU"

keys a
ok "demo: the equivalent command" wait_for "Command:"
ok "demo: ...is --assign" pane_says "gpuvirt --demo apply --assign 0000:41:00.0,vm=win11"
keys v
wait_for "Devices for a VM:" > /dev/null
keys p
ok "demo: p previews the step" wait_for "y apply  other keys cancel"
ok "demo: the <hostdev> file" in_preview "+++ b/var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml"
ok "demo: ...a managed PCI hostdev" in_preview "+<hostdev mode='subsystem' type='pci' managed='yes'>"
ok "demo: ...the V100's address" in_preview "+    <address domain='0x0000' bus='0x41' slot='0x00' function='0x0'/>"
ok "demo: the virsh command" in_preview "\$ virsh attach-device win11 /var/lib/gpuvirt/hostdev/win11/"
ok "demo: nothing written before y" test ! -e "$scratch/var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml"
keys y
ok "demo: y applies" wait_for "Applied"
keys x
wait_gone "Applied" > /dev/null
ok "demo: the <hostdev> file is in the scratch root" grep -q "bus='0x41'" \
	"$scratch/var/lib/gpuvirt/hostdev/win11/0000:41:00.0.xml"
# the demo runs no command: the domain has it once virsh runs, and the
# status says that is what is left
ok "demo: measured: the virsh command is still to run" wait_for "41:00.0 -> win11: virsh not run"
ok "demo: the step says it was applied, not run" pane_says "Applied, but not run (--no-run): virsh attach-device win11"

# print only: the three formats, and a file with them
keys V
wait_for "Which VM gets" > /dev/null
keys j Enter
ok "demo: print only" wait_for "Devices (print only):"
ok "demo: print only drops the VM drafted" wait_for "2 devices, 1 VM"
ok "demo: the libvirt text" seen "libvirt <hostdev>, for the domain's <devices>:"
ok "demo: the QEMU text" seen "-device vfio-pci,host=0000:41:00.0"
ok "demo: ...with what to bind first" seen "QEMU binds nothing; bind first with"
ok "demo: the Proxmox text" seen "hostpci0: 0000:41:00.0,pcie=1"
ok "demo: ...and its q35 note" seen "pcie=1 needs the q35 machine type"
out=$TMPROOT/v100.txt
keys W
ok "demo: W asks which text" wait_for "Which text?"
keys a Enter
ok "demo: ...then the file" wait_for "File to write the text to"
keys C-u "$out" Enter
ok "demo: written" wait_for "Wrote the text for 0000:41:00.0 to"
keys x
ok "demo: the file has the libvirt text" grep -q "<hostdev mode='subsystem' type='pci' managed='yes'>" "$out"
ok "demo: ...the QEMU text" grep -qx -- "-device vfio-pci,host=0000:41:00.0" "$out"
ok "demo: ...and the Proxmox text" grep -qx "hostpci0: 0000:41:00.0,pcie=1" "$out"
keys W
wait_for "Which text?" > /dev/null
keys k k k Enter
wait_for "File to write the text to" > /dev/null
keys C-u "$TMPROOT/v100.xml" Enter
wait_for "Wrote the text" > /dev/null
keys x
ok "demo: the libvirt text alone is the <hostdev>" bash -c 'head -1 "$0" | grep -q "^<hostdev" && ! grep -q hostpci "$0"' \
	"$TMPROOT/v100.xml"
keys q
ok "demo: q exits with status 0" test "$(wait_exit)" = 0

# ---- proxmox-n100: a VF to a Proxmox VM ----
TUI_ENV=
unset UMOCKDEV_DIR
host proxmox-n100
cp -a "$GV_SRCDIR/tests/fixtures/vms/." "$ROOT/"
# where this test may chroot, qm and virsh are the stand-in (as
# tests/cli/assign.sh does), and apply runs them
STUB=$GV_BUILD/tools/vmstub
can_chroot=0
if [ "$(id -u)" = 0 ] && [ -x "$STUB" ] && command -v chroot > /dev/null; then
	mkdir -p "$TMPROOT/ch/usr/bin" && cp "$STUB" "$TMPROOT/ch/usr/bin/qm"
	chroot "$TMPROOT/ch" /usr/bin/qm > /dev/null 2>&1
	[ $? = 1 ] && can_chroot=1
fi
if [ $can_chroot = 1 ]; then
	mkdir -p "$ROOT/usr/bin"; cp "$STUB" "$ROOT/usr/bin/qm"; cp "$STUB" "$ROOT/usr/bin/virsh"
else
	echo "SKIP: not root or no chroot: the stand-in qm does not run"
fi
tui_start vt100 || { fail "n100: starts"; exit 1; }
keys v
ok "n100: the VFs of the N100, not its PF" wait_for "0000:00:02.1 - VF"
ok "n100: ...the PF with VFs cannot go to a VM" bash -c '! grep -q "0000:00:02.0 i915" <<< "$0"' "$(screen)"
ok "n100: the libvirt domains and the Proxmox VMs" pane_says "libvirt domain win11, Proxmox VM 100"
ok "n100: a VF's guest needs the SR-IOV i915" seen "the SR-IOV i915"
ok "n100: ...display none or VirtIO-GPU" seen "Display: none, or VirtIO-GPU"
ok "n100: ...never All Functions" seen "never its PF and never All Functions"
# 00:02.2 is Proxmox VM 102's already
keys n
ok "n100: n moves to 00:02.2" reverse_row "0000:00:02.2 - VF"
ok "n100: it says which VM has it" pane_says "Given to Proxmox VM 102 (etc/pve/qemu-server/102.conf:3)"
keys V
wait_for "Which VM gets 0000:00:02.2" > /dev/null
keys j j Enter
ok "n100: giving it to another VM is refused, naming the one that has it" wait_for "Proxmox VM 102"
ok "n100: ...in the engine's words" on_screen "that VM first"
keys x
ok "n100: ...and nothing is drafted" wait_for "3 devices, 5 VMs"
keys b
reverse_row "0000:00:02.1 - VF" > /dev/null
keys V
wait_for "Which VM gets 0000:00:02.1" > /dev/null
keys j j Enter
ok "n100: 00:02.1 to Proxmox VM 100" wait_for "00:02.1 -> VM 100: drafted"
keys p
ok "n100: the preview sets the next free hostpci" wait_for "\$ qm set 100 -hostpci1 0000:00:02.1,pcie=1"
if [ $can_chroot = 1 ]; then
	keys Escape
	# commands run: Apply & verify's n
	keys a
	wait_for "Commands: listed, not run" > /dev/null
	keys n
	wait_for "update-grub, update-initramfs" > /dev/null
	keys r Enter
	ok "n100: commands are run now" wait_for "Commands: run after the files"
	keys v
	wait_for "Devices for a VM:" > /dev/null
	keys p
	wait_for "y apply  other keys cancel" > /dev/null
	keys y
	ok "n100: applied, the stand-in qm ran" wait_for "Applied"
	keys x
	ok "n100: the VM's configuration has it" grep -q "^hostpci1: 0000:00:02.1,pcie=1" "$ROOT/etc/pve/qemu-server/100.conf"
	ok "n100: measured: assigned" wait_for "00:02.1 -> VM 100: assigned"
	ok "n100: ...and the step says which VM has it" pane_says "Given to Proxmox VM 100"
else
	keys Escape
fi
keys q
wait_exit > /dev/null
