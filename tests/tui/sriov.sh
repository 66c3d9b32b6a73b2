#!/usr/bin/env bash
# The wizard's "SR-IOV VFs" step at 80x24 on a vt100, through the kernel
# double (tests/fixtures/README.md): proxmox-n100 (the i915 SR-IOV build, 3
# of 7 VFs, nothing sets them at boot) shows total / now / at boot and why,
# refuses a count above the total with the engine's one line, drafts 7 VFs
# for vfio-pci, previews the udev rule and the i915 arguments, applies under
# --root without touching the running host, and then says what is still to
# do; VFs made afterwards appear under their PF in the tree as their udev
# events arrive; undo takes the files back. sriov-nic (sysfsutils) keeps its
# count in etc/sysfs.d; the stock i915 says why it cannot.
. "$(dirname "$0")/lib-tmux.bash"

# every file under $ROOT except the journal, with its hash
root_sums() {
	(cd "$ROOT" && find . -path ./var/lib/gpuvirt -prune -o -type f -print | LC_ALL=C sort |
		xargs -r sha256sum)
}

# seen TEXT: TEXT is somewhere on the step's screen, scrolling it (focus on
# the step, j) when 80x24 cannot show it all; back at the top afterwards
seen() {
	local i found=1
	on_screen "$1" && return 0
	keys l
	for (( i = 0; i < 40; i++ )); do
		keys j
		sleep 0.05
		on_screen "$1" && { found=0; break; }
	done
	for (( i = 0; i < 40; i++ )); do keys k; done
	keys h
	sleep 0.1
	[ $found = 0 ] || { echo "--- not on the step's screen: '$1'"; screen; }
	return $found
}

# in_preview TEXT: TEXT is in the open preview, paging down to it from
# the top (the preview stays open, at the page that shows it)
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

# the row of the screen that has TEXT is shown in reverse video (SGR 7),
# within a second
reverse_row() {
	local i
	for (( i = 0; i < 10; i++ )); do
		screen_e | grep -F -- "$1" | grep -qE $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m' && return 0
		sleep 0.1
	done
	return 1
}

# the step's pane (right of the divider) as one line, so that wrapped text
# reads whole
pane_says() { screen | cut -c47- | tr -s ' \n' '  ' | grep -qF -- "$1"; }

# ...and not
plain_row() { ! screen_e | grep -F -- "$1" | grep -qE $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m'; }

# the bed's live count of PF $1
numvfs() { cat "$UMOCKDEV_DIR/sys/bus/pci/devices/$1/sriov_numvfs"; }

PF=0000:00:02.0

# ---- proxmox-n100: draft, preview, apply under --root, measured ----
kmock_host proxmox-n100
before=$(root_sums)
tui_kmock
tui_start vt100 || { fail "n100: starts"; exit 1; }
keys s
ok "n100: s opens the SR-IOV VFs step" wait_for "PFs and their VFs:"
ok "n100: the PF with its driver" on_screen "$PF i915"
ok "n100: total, now, at boot" on_screen "7 total, 3 now, at boot none"
ok "n100: the step list says it" on_screen "00:02.0: 3 of 7 VFs, none at boot"
ok "n100: its VFs" seen "VF 0000:00:02.3"
ok "n100: why VFs did not appear" seen "Why VFs did not appear:"
ok "n100: ...none after a reboot" seen "none after a reboot"
ok "n100: the fix is a command" seen "fix: gpuvirt apply"
ok "n100: the keys are on the status line" on_screen "= count D VF-driver B boot-only X forget p preview"
keys p
ok "n100: p with nothing drafted says so" wait_for "Nothing drafted"
keys x
wait_gone "Nothing drafted" > /dev/null

# a count the engine refuses is not drafted, and says why in one line
keys =
ok "n100: = asks for the count" wait_for "VFs for $PF (i915): it offers 7, has 3 now"
keys C-u 9 9 Enter
ok "n100: 99 is refused with the maximum" wait_for "can have at most 7 VFs, not 99"
keys x
wait_gone "at most 7" > /dev/null
ok "n100: ...and nothing is drafted" bash -c '! grep -q "drafted: " <<< "$0"' "$(screen)"

keys =
wait_for "VFs for $PF" > /dev/null
keys C-u 7 Enter
ok "n100: 7 VFs drafted" wait_for "drafted: 7 VFs"
ok "n100: the step list says drafted" on_screen "00:02.0 -> 7 VFs: drafted"
ok "n100: Apply & verify counts it" on_screen "1 change drafted"
keys D
ok "n100: D asks where the VFs go" wait_for "Where the VFs go"
keys j Enter
ok "n100: the VFs go to vfio-pci" wait_for "VFs go to: vfio-pci"

keys a
wait_for "Command:" > /dev/null
ok "n100: the equivalent command" pane_says "apply --vfs-driver vfio-pci --vfs 0000:00:02.0=7"
keys s
wait_for "PFs and their VFs:" > /dev/null
keys p
ok "n100: p previews the step" wait_for "y apply  other keys cancel"
ok "n100: the i915 arguments on the kernel command line" in_preview "i915.enable_guc=3 i915.max_vfs=7"
ok "n100: the count at boot, by a udev rule (no sysfsutils)" in_preview "+++ b/etc/udev/rules.d/70-gpuvirt-sriov.rules"
ok "n100: ...when i915 binds" in_preview '+ACTION=="bind", SUBSYSTEM=="pci", KERNEL=="0000:00:02.0"'
ok "n100: the live count is listed" in_preview "echo 7 > /sys/bus/pci/devices/$PF/sriov_numvfs"
ok "n100: the VFs are for vfio-pci" in_preview "echo vfio-pci > /sys/bus/pci/devices/0000:00:02.7/driver_override"
ok "n100: nothing is written before y" test ! -e "$ROOT/etc/udev/rules.d/70-gpuvirt-sriov.rules"
keys y
ok "n100: y applies" wait_for "Applied"
keys x
wait_gone "Applied" > /dev/null
ok "n100: the udev rule is in the root" grep -q 'ATTR{sriov_numvfs}="7"' "$ROOT/etc/udev/rules.d/70-gpuvirt-sriov.rules"
ok "n100: the i915 arguments are in the root" grep -q "i915.max_vfs=7" "$ROOT/etc/kernel/cmdline"
ok "n100: under --root the running host is left alone" test "$(numvfs $PF)" = 3
ok "n100: ...not one sysfs write reached the double" bash -c '! grep -q . "$0/kmock.log" 2> /dev/null' "$UMOCKDEV_DIR"
ok "n100: measured: 7 at the next boot, 3 now" wait_for "00:02.0: 7 at next boot, 3 now"
ok "n100: the PF's row says it" on_screen "7 total, 3 now, at boot 7"
ok "n100: and what sets it" seen "At the next boot: 7, set by udev"

# the kernel makes the VFs (a rescue session's reboot, or the admin): each
# VF's udev event reaches the tree, under its PF
kmock_run sh -c "echo 0 > /sys/bus/pci/devices/$PF/sriov_numvfs; echo 7 > /sys/bus/pci/devices/$PF/sriov_numvfs"
ok "n100: the double made 7 VFs" test "$(numvfs $PF)" = 7
ok "n100: the step follows the udev events" wait_for "7 total, 7 now, at boot 7"
ok "n100: the log has the events" on_screen "udev: "
keys w
ok "n100: the new VFs in the tree" wait_for "02.7 Intel"
tree=$(screen | cut -c1-43)
pf_row=$(grep -n "02.0 Intel" <<< "$tree" | head -1 | cut -d: -f1)
vf_row=$(grep -n "02.7 Intel" <<< "$tree" | head -1 | cut -d: -f1)
ok "n100: ...under their PF, indented" bash -c '[ -n "$0" ] && [ -n "$1" ] && [ "$1" -gt "$0" ] &&
	[ "$(grep "02.7 Intel" <<< "$2" | sed "s/[^ ].*//" | wc -c)" -gt "$(grep "02.0 Intel" <<< "$2" | sed "s/[^ ].*//" | wc -c)" ]' \
	"$pf_row" "$vf_row" "$tree"

# undo: the files back, byte for byte
keys a
wait_for "Command:" > /dev/null
keys u
ok "n100: u shows the undo" wait_for "y apply  other keys cancel"
keys y
ok "n100: undone" wait_for "The last change set was undone"
keys x
ok "n100: undo restores every byte" test "$(root_sums)" = "$before"
keys q
ok "n100: q exits with status 0" test "$(wait_exit)" = 0
TUI_WRAP=

# ---- sriov-nic: sysfsutils keeps the count, in etc/sysfs.d ----
host sriov-nic
tui_start vt100 || { fail "nic: starts"; exit 1; }
keys s
ok "nic: two PFs" wait_for "0000:03:00.1 i40e"
ok "nic: 64 VFs each, none now" on_screen "64 total, 0 now, at boot none"
ok "nic: the step list counts them" on_screen "2 PFs, 0 VFs now"
keys n
ok "nic: n moves to the second port" reverse_row "0000:03:00.1 i40e"
ok "nic: ...off the first" plain_row "0000:03:00.0 i40e"
keys b
ok "nic: b back to the first" reverse_row "0000:03:00.0 i40e"
keys =
wait_for "VFs for 0000:03:00.0" > /dev/null
keys C-u 8 Enter
ok "nic: 8 VFs drafted" wait_for "drafted: 8 VFs"
keys p
ok "nic: the count at boot goes to etc/sysfs.d" wait_for "+++ b/etc/sysfs.d/gpuvirt.conf"
ok "nic: ...as a sysfsutils line" in_preview "+bus/pci/devices/0000:03:00.0/sriov_numvfs = 8"
ok "nic: no i915 arguments for a NIC" bash -c '! grep -q "i915" <<< "$0"' "$(screen)"
keys Escape
wait_gone "y apply" > /dev/null
keys X
ok "nic: X forgets the drafted count" wait_gone "drafted: 8 VFs"
ok "nic: ...and the step list says so" on_screen "2 PFs, 0 VFs now"
keys q
wait_exit > /dev/null

# ---- the stock i915 cannot make VFs, and says why ----
host sriov-stock-i915
tui_start vt100 || { fail "stock: starts"; exit 1; }
keys s
ok "stock: the step says the driver cannot" wait_for "cannot: i915 cannot make VFs"
ok "stock: the failed finding" seen "FAIL 0000:00:02.0 runs the stock"
keys =
wait_for "VFs for 0000:00:02.0" > /dev/null
keys C-u 3 Enter
ok "stock: a count is refused with the engine's reason" wait_for "install a driver that can"
keys x
keys q
wait_exit > /dev/null

# ---- 160x48 on a colour terminal: the same step, all on one screen ----
kmock_host proxmox-n100
tui_start xterm-256color || { fail "wide: starts"; exit 1; }
tm resize-window -x 160 -y 48
keys s
ok "wide: the step" wait_for "PFs and their VFs:"
ok "wide: the findings and the keys on one screen" bash -c 'grep -q "Why VFs did not appear" <<< "$0" &&
	grep -q "p  preview this step" <<< "$0"' "$(screen)"
keys q
wait_exit > /dev/null
