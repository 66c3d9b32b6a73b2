#!/usr/bin/env bash
# The full-screen program on the Ubuntu V100 host, at 80x24 on a vt100 and
# on an xterm-256color: first screen, tree, details, help, Tab, wizard,
# resize below and back above 80x24, quit with the terminal restored.
. "$(dirname "$0")/lib-tmux.bash"

host ubuntu-v100

for term in vt100 xterm-256color; do
	t=$term
	tui_start "$term" || { fail "$t: starts"; continue; }
	pass "$t: starts"

	# header: host facts
	ok "$t: header names the CPU and the IOMMU" bash -c '[[ "$0" == *"CPU AMD (svm)"*"IOMMU on"* ]]' "$(row 0)"
	ok "$t: header names the root (its end)" bash -c '[[ "$0" == *"root ..."*"${1: -20}" ]]' "$(row 0 | sed 's/ *$//')" "$ROOT"

	# tree: GPU groups first, driver on every device row, marks
	ok "$t: a GPU group comes first" bash -c '[[ "$0" == *"IOMMU group 1 "*"GPU"* ]]' "$(row 2)"
	ok "$t: then the V100's group" bash -c '[[ "$0" == *"IOMMU group 66"*"GPU"* ]]' "$(row 6)"
	ok "$t: the V100 row shows nouveau" bash -c '[[ "$0" == *"41:00.0 NVIDIA Tesla V100"*"nouveau"* ]]' "$(row 7 | cut -c1-44)"
	ok "$t: the boot GPU is marked boot" bash -c '[[ "$0" == *"02:00.0 ASPEED"*"boot"*"ast" ]]' "$(row 5 | cut -c1-44 | sed 's/ *$//')"
	ok "$t: group sharers are marked shared" bash -c '[[ "$0" == *"01:00.0"*"shared"*"no driver" ]]' "$(row 4 | cut -c1-44 | sed 's/ *$//')"
	bad=$(screen | sed -n '3,18p' | cut -c1-44 | sed 's/ *$//' |
		grep -E '^ +[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] ' | grep -Ev ' (pcieport|no driver|ast|nouveau|igb)$' || true)
	ok "$t: every device row names its driver" test -z "$bad"
	[ -z "$bad" ] || echo "rows without a driver: $bad"

	# details follow the cursor
	ok "$t: details of the first group" on_screen "Members   3 functions"
	keys j j j j j
	ok "$t: details of 41:00.0" wait_for "0000:41:00.0"
	ok "$t: details list the vGPU types" wait_for "nvidia-300 GRID V100-8C"
	ok "$t: details name the driver" on_screen "Driver    nouveau"
	keys k k
	ok "$t: details of the boot GPU" wait_for "Boot GPU  yes"
	ok "$t: the boot GPU's warning" on_screen "boot: the host console runs on"

	# help, and any key closes it
	keys '?'
	ok "$t: ? opens the help" wait_for "quit (Ctrl-C too)"
	keys x
	ok "$t: a key closes the help" wait_gone "quit (Ctrl-C too)"

	# Tab moves the focus to the details, then the log, then back
	keys Tab
	ok "$t: Tab focuses the details" wait_for "> Details"
	keys Tab
	ok "$t: Tab focuses the log" wait_for "> Log"
	keys Tab
	ok "$t: Tab comes back to the tree" wait_for "> Devices"

	# the wizard: steps, statuses, letters
	keys w
	ok "$t: w shows the wizard's steps" wait_for "> Steps"
	for s in "Firmware checks" "Kernel command line" "Drivers & vfio" "SR-IOV VFs" "Mediated devices" \
		"Assign to a VM" "Apply & verify"; do
		ok "$t: step '$s' is listed" on_screen "$s"
	done
	ok "$t: no step says it is missing" bash -c '! grep -qi "not available in this version" <<< "$0"' "$(screen)"
	ok "$t: firmware step has a status" on_screen "pass, "
	keys m
	sleep 0.3
	ok "$t: m opens Mediated devices" bash -c '[[ "$0" == *"Mediated devices"* ]]' "$(row 1 | cut -c45-)"
	keys c
	sleep 0.3
	ok "$t: c opens Kernel command line" bash -c '[[ "$0" == *"Kernel command line"* ]]' "$(row 1 | cut -c45-)"
	keys a
	ok "$t: a opens Apply & verify" wait_for "p  preview, then y applies"
	keys w
	ok "$t: w goes back to the devices" wait_for "> Devices"

	# resize below 80x24 and back
	tm resize-window -x 70 -y 20
	ok "$t: below 80x24 says too small" wait_for "terminal too small (need 80x24)"
	tm resize-window -x 80 -y 24
	ok "$t: back at 80x24 the panes return" wait_gone "terminal too small"
	ok "$t: the tree is back" wait_for "IOMMU group 66"
	tm resize-window -x 132 -y 43
	ok "$t: a larger terminal uses the room" wait_for "Tesla V100 PCIe 16GB"
	ok "$t: the status line moves to the last row" bash -c '[[ "$0" == *"q quit"* ]]' "$(row 42)"
	tm resize-window -x 80 -y 24
	wait_for "q quit" >/dev/null

	# quit: status 0, terminal restored
	keys q
	ok "$t: q exits with status 0" test "$(wait_exit)" = 0
	ok "$t: the terminal is restored" terminal_restored
done

# Ctrl-C quits too, and restores the terminal
tui_start vt100
keys C-c
st=$(wait_exit)
ok "Ctrl-C exits (status 130)" test "$st" = 130
ok "Ctrl-C restores the terminal" terminal_restored

# Ctrl-C works inside a dialog too
tui_start vt100
keys '?'
wait_for "quit (Ctrl-C too)" >/dev/null
keys C-c
ok "Ctrl-C exits from a dialog" test "$(wait_exit)" = 130

# A wizard step's own keys are on the status line while it is open.
tui_start vt100
keys w
keys d
ok "status line: the Drivers & vfio keys" wait_for "space pick 1-9 blacklist p preview"
ok "status line: undo is not a Drivers & vfio key any more" bash -c '! grep -q "u undo" <<< "$0"' "$(row 23)"
keys a
ok "status line: the Apply & verify keys, undo and save first" wait_for "p preview u undo S save-plan o open-plan"
keys c
ok "status line: the Kernel command line keys" wait_for "i IOMMU e i915 x sysfb b loader p preview"
ok "status line: fits 80 columns" bash -c '[ ${#0} -le 80 ]' "$(row 23 | sed 's/ *$//')"
keys s
ok "status line: the SR-IOV VFs keys" wait_for "= count D VF-driver B boot-only X forget p preview"
ok "status line: fits 80 columns, SR-IOV" bash -c '[ ${#0} -le 80 ]' "$(row 23 | sed 's/ *$//')"
keys v
ok "status line: the Assign to a VM keys" wait_for "V VM W write-file X forget p preview"
keys m
ok "status line: the Mediated devices keys" wait_for "+ count/type - remove p preview"
keys q
wait_exit > /dev/null

# The help lists the open step's own keys first.
tui_start vt100
keys w
keys d
keys '?'
ok "help: names the open step" wait_for "This step: Drivers & vfio"
ok "help: with its keys" on_screen "blacklist"
keys x
keys q
wait_exit > /dev/null

# g/G jump to the top and the bottom of a long step screen too.
tui_start vt100
keys w c
wait_for "Boot loader:" > /dev/null
keys l
sleep 0.3
keys G
ok "step pane: G shows the end of the step screen" wait_for "Next boot:"
ok "step pane: ...scrolled past its top" bash -c '! grep -q "Boot loader:" <<< "$0"' "$(screen)"
keys g
ok "step pane: g goes back to the top" wait_for "Boot loader:"
keys q
wait_exit > /dev/null

# The wizard's step list pages as every list does: Ctrl-F (PgDn where the
# terminal has it) goes to the last step, Ctrl-B (PgUp) back to the first;
# space and b stay the steps' own keys.
for term in vt100 xterm-256color; do
	t=$term
	tui_start "$term" || { fail "$t: starts"; continue; }
	keys w
	wait_for "> Steps" > /dev/null
	keys C-f
	ok "$t: step list: Ctrl-F pages to the last step" wait_for "p  preview, then y applies"
	keys C-b
	ok "$t: step list: Ctrl-B pages back to the first step" wait_for "CPU virtualization is on"
	if [ "$term" != vt100 ]; then
		keys PageDown
		ok "$t: step list: PgDn pages down" wait_for "p  preview, then y applies"
		keys PageUp
		ok "$t: step list: PgUp pages up" wait_for "CPU virtualization is on"
	fi
	keys d
	wait_for "GPUs for vfio-pci" > /dev/null
	keys b
	sleep 0.3
	ok "$t: step list: b is still the step's own key" bash -c '[[ "$0" == *"Drivers & vfio"* ]]' \
		"$(row 1 | cut -c45-)"
	keys q
	wait_exit > /dev/null
done
