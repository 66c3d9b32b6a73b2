#!/usr/bin/env bash
# The wizard's "Kernel command line" and "Drivers & vfio" steps, and the
# header's boot loader / reboot-pending facts: boot loader and evidence per
# fixture, the arguments per CPU vendor, the ambiguous case asks, the twin
# GPU goes by address, the boot GPU needs its address typed, preview shows
# the right file, apply writes the golden bytes (commands listed, not run),
# undo from the wizard shows its diff, then restores every byte.
. "$(dirname "$0")/lib-tmux.bash"

GOLDEN=$GV_SRCDIR/tests/fixtures/roots/golden

# a fresh copy of boot loader root NAME (tests/fixtures/roots) in $ROOT
use_root() {
	rm -rf "$ROOT"; mkdir -p "$ROOT"
	cp -a "$GV_SRCDIR/tests/fixtures/roots/$1/." "$ROOT/"
}

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
	sleep 0.1
	[ $found = 0 ] || { echo "--- not on the step's screen: '$1'"; screen; }
	return $found
}

# the step's whole screen, scrolled through (then back at the top)
step_all() {
	local i
	keys l
	for (( i = 0; i < 40; i++ )); do screen; keys j; sleep 0.03; done
	for (( i = 0; i < 40; i++ )); do keys k; done
	sleep 0.1
}

# the row of the screen that has TEXT is shown in reverse video (SGR 7)
reverse_row() {
	screen_e | grep -F -- "$1" | grep -qE $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m'
}

for term in vt100 xterm-256color; do
	t=$term
	if [ "$term" = vt100 ]; then size="80 24"; else size="120 40"; fi

	# ---- ubuntu-v100 (AMD) with GRUB: evidence, iommu=pt only, apply, undo ----
	host ubuntu-v100
	use_root ubuntu-grub
	before=$(root_sums)
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	ok "$t: the header names the boot loader" wait_for "boot grub"
	keys c
	ok "$t: c opens the command line step" wait_for "Boot loader: grub"
	ok "$t: GRUB's evidence is shown" seen "evidence: etc/default/grub"
	ok "$t: the file it writes is named" seen "etc/default/grub.d/zz-gpuvirt.cfg"
	ok "$t: the running line is shown" seen "Running:"
	ok "$t: AMD: the IOMMU toggle is iommu=pt" seen "IOMMU: iommu=pt"
	all=$(step_all)
	ok "$t: AMD: amd_iommu=on is never proposed" bash -c 'grep -q "IOMMU: iommu=pt" <<< "$0" &&
		! grep -q amd_iommu <<< "$0"' "$all"
	ok "$t: no Intel GPU: no i915 SR-IOV toggle" bash -c 'grep -q "Arguments to add" <<< "$0" &&
		! grep -q "i915.enable_guc" <<< "$0"' "$all"
	keys p
	ok "$t: p with nothing drafted says so" wait_for "Nothing drafted"
	keys x
	wait_gone "Nothing drafted" > /dev/null
	keys i
	ok "$t: i switches the IOMMU toggle on" wait_for "[x] i  IOMMU: iommu=pt"
	ok "$t: the step list counts the draft" on_screen "1 argument drafted"
	keys p
	ok "$t: p previews this step" wait_for "y apply  other keys cancel"
	ok "$t: the preview diffs GRUB's drop-in" on_screen "+++ b/etc/default/grub.d/zz-gpuvirt.cfg"
	ok "$t: the preview adds iommu=pt" on_screen 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash iommu=pt"'
	ok "$t: the preview lists update-grub" on_screen "$ update-grub"
	keys y
	ok "$t: y applies" wait_for "Applied 2 change(s)"
	ok "$t: commands are listed, not run, in a scratch root" wait_for "update-grub"
	ok "$t: the drop-in has the golden bytes" cmp -s "$GOLDEN/ubuntu-grub.zz-gpuvirt.cfg" \
		"$ROOT/etc/default/grub.d/zz-gpuvirt.cfg"
	ok "$t: sourcing GRUB's files gives iommu=pt" bash -c '. "$0/etc/default/grub"; . "$0/etc/default/grub.d/zz-gpuvirt.cfg";
		[ "$GRUB_CMDLINE_LINUX_DEFAULT" = "quiet splash iommu=pt" ]' "$ROOT"
	keys x
	wait_gone "Applied 2 change(s)" > /dev/null
	ok "$t: after apply the header says reboot pending" wait_for "reboot pending"
	ok "$t: and the step shows what the next boot adds" seen "next boot adds: iommu=pt"
	ok "$t: the toggle's arguments are configured now" seen "(configured)"

	# undo from the wizard (Apply & verify, u), after its diff
	keys d
	ok "$t: d opens the drivers step" wait_for "GPUs for vfio-pci"
	keys a
	wait_for "p  preview, then y applies" > /dev/null
	keys u
	ok "$t: u shows the undo's diff before undoing" wait_for "y apply  other keys cancel"
	ok "$t: ...which removes the drop-in" on_screen "--- a/etc/default/grub.d/zz-gpuvirt.cfg"
	keys Escape
	ok "$t: Esc keeps the change" wait_for "undo cancelled: nothing was changed"
	ok "$t: still applied" test -f "$ROOT/etc/default/grub.d/zz-gpuvirt.cfg"
	keys u
	wait_for "y apply  other keys cancel" > /dev/null
	keys y
	ok "$t: y undoes" wait_for "The last change set was undone"
	ok "$t: undo restores every byte" test "$(root_sums)" = "$before"
	keys x
	ok "$t: after undo no reboot is pending" wait_gone "reboot pending"
	keys u
	ok "$t: a second undo has nothing to undo" wait_for "Nothing to undo"
	keys x
	keys q
	wait_exit > /dev/null

	# ---- proxmox-n100: proxmox-boot-tool, i915 SR-IOV offered ----
	host proxmox-n100
	before=$(root_sums)
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	keys c
	ok "$t: proxmox: boot loader proxmox-boot-tool" wait_for "Boot loader: proxmox-boot-tool"
	ok "$t: proxmox: the header names it" on_screen "boot proxmox-boot-tool"
	ok "$t: proxmox: its evidence is shown" seen "etc/kernel/proxmox-boot-uuids:"
	ok "$t: proxmox: Intel IOMMU arguments" seen "IOMMU: intel_iommu=on"
	ok "$t: proxmox: i915 SR-IOV is offered" seen "i915.enable_guc=3"
	ok "$t: proxmox: the running line has what the root lacks: reboot pending" on_screen "reboot pending"
	keys i e
	ok "$t: proxmox: i and e draft four arguments" wait_for "4 arguments drafted"
	keys p
	ok "$t: proxmox: preview diffs etc/kernel/cmdline" wait_for "+++ b/etc/kernel/cmdline"
	ok "$t: proxmox: not GRUB's file" bash -c '! grep -q "grub.d" <<< "$0"' "$(screen)"
	ok "$t: proxmox: proxmox-boot-tool refresh is listed" on_screen "$ proxmox-boot-tool refresh"
	keys y
	ok "$t: proxmox: applied" wait_for "Applied"
	ok "$t: proxmox: etc/kernel/cmdline has the golden bytes" cmp -s "$GOLDEN/proxmox-zfs-sdboot.cmdline" \
		"$ROOT/etc/kernel/cmdline"
	ok "$t: proxmox: GRUB's files are untouched" test ! -e "$ROOT/etc/default/grub.d/zz-gpuvirt.cfg"
	keys x
	ok "$t: proxmox: no reboot pending once the root says what runs" wait_gone "reboot pending"
	keys a u
	wait_for "y apply  other keys cancel" > /dev/null
	keys y
	wait_for "The last change set was undone" > /dev/null
	ok "$t: proxmox: undo restores every byte" test "$(root_sums)" = "$before"
	keys x q
	wait_exit > /dev/null

	# ---- ambiguous evidence: shown, and the person chooses ----
	host proxmox-n100
	use_root ambiguous
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	keys c
	ok "$t: ambiguous: said so" wait_for "Boot loader: ambiguous"
	ok "$t: ambiguous: the status asks to choose" on_screen "boot loader ambiguous: choose"
	ok "$t: ambiguous: the header does not guess" on_screen "boot ambiguous"
	keys i
	ok "$t: ambiguous: a toggle asks which boot loader first" wait_for "fits more than one boot loader"
	ok "$t: ambiguous: the candidates are listed" seen "systemd-boot (etc/kernel/cmdline)"
	keys Escape
	ok "$t: ambiguous: Esc drafts nothing" wait_gone "fits more than one boot loader"
	ok "$t: ambiguous: the toggle stayed off" bash -c '! grep -qF "[x] i" <<< "$0"' "$(screen)"
	keys b
	wait_for "fits more than one boot loader" > /dev/null
	keys s Enter
	ok "$t: ambiguous: the choice is shown" wait_for "You chose systemd-boot"
	ok "$t: ambiguous: the header follows the choice" bash -c '[[ "$0" == *"boot systemd-boot"* ]]' "$(row 0)"
	# the next boot's line is the chosen loader's (etc/kernel/cmdline), not "unknown"
	ok "$t: ambiguous: the chosen loader's next-boot line" bash -c '! grep -q "Next boot: unknown" <<< "$0"' "$(screen)"
	ok "$t: ambiguous: ...read from etc/kernel/cmdline" seen "UUID=1c2d3e4f"
	keys i p
	ok "$t: ambiguous: the preview writes the chosen loader's file" wait_for "+++ b/etc/kernel/cmdline"
	keys n
	keys q
	wait_exit > /dev/null

	# ---- desktop-twins: by address, the boot GPU guard ----
	host desktop-twins
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	keys d
	ok "$t: twins: the GPUs are listed" wait_for "[ ] 0000:02:00.0"
	ok "$t: twins: with their group members" on_screen "+ 0000:01:00.1"
	ok "$t: twins: the cursor is reverse video" reverse_row "[ ] 0000:01:00.0"
	keys Space
	ok "$t: twins: space picks 01:00.0" wait_for "[x] 0000:01:00.0"
	ok "$t: twins: by address, because of the twin" wait_for "picked for vfio-pci: By address"
	ok "$t: twins: nothing else picked" on_screen "[ ] 0000:02:00.0"
	keys n
	ok "$t: twins: n moves the cursor" reverse_row "[ ] 0000:02:00.0"
	keys n Space
	ok "$t: twins: the boot GPU asks for its address" wait_for "Type 0000:03:00.0 to give it"
	ok "$t: twins: and says what goes dark" on_screen "goes dark"
	keys -l "03:00.0"
	keys Enter
	ok "$t: twins: a different spelling is not the address" wait_for "Not picked"
	keys x
	ok "$t: twins: the boot GPU stays unpicked" wait_for "[ ] 0000:03:00.0"
	keys Space
	wait_for "Type 0000:03:00.0 to give it" > /dev/null
	keys -l "0000:03:00.0"
	keys Enter
	ok "$t: twins: the typed address picks it" wait_for "[x] 0000:03:00.0"
	ok "$t: twins: the pick is logged as forced" wait_for "after its address was typed"
	keys 2
	ok "$t: twins: digits switch blacklists" seen "[x] 2  amdgpu"
	keys 2
	ok "$t: twins: and back off" seen "[ ] 2  amdgpu"
	keys p
	ok "$t: twins: the preview writes the modprobe file" wait_for "+++ b/etc/modprobe.d/gpuvirt.conf"
	ok "$t: twins: 01:00.0 by address (udev rule)" bash -c 'grep -q "0000:02:00.0 ha" <<< "$0"' "$(screen)"
	keys y
	ok "$t: twins: applied" wait_for "Applied"
	ok "$t: twins: the forced boot GPU is bound by id" grep -q "^options vfio-pci ids=1002:73bf" \
		"$ROOT/etc/modprobe.d/gpuvirt.conf"
	ok "$t: twins: the twin stays: 01:00.0 by address" grep -q 'KERNEL=="0000:01:00.0"' \
		"$ROOT/etc/udev/rules.d/70-gpuvirt-vfio.rules"
	ok "$t: twins: 02:00.0 is not bound" bash -c '! grep -rq "0000:02:00.0" "$0/etc"' "$ROOT"
	keys x q
	wait_exit > /dev/null
done

# the guard: without the typed address the step never sets force
host desktop-twins
tui_start vt100
keys d n n Space
wait_for "Type 0000:03:00.0 to give it" > /dev/null
keys Escape
ok "guard: Esc leaves the boot GPU with the host" wait_for "0000:03:00.0 stays with the host"
keys p
ok "guard: nothing drafted" wait_for "Nothing drafted"
keys x q
wait_exit > /dev/null
