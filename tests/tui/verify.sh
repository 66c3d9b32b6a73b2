#!/usr/bin/env bash
# The "After the reboot" part of "Apply & verify", and the program opening
# on it: a change set made by the real binary (apply --no-run) on the
# ubuntu-v100 fixture; before the reboot it opens as usual and the step says
# the changes wait for a reboot; after a reboot that did not take (the set
# back-dated to before the test bed's boot) it opens on Apply & verify with
# the failing expectations and one log line saying why; with nothing applied
# and after undo it opens as usual and the step says there is nothing to
# verify.
. "$(dirname "$0")/lib-tmux.bash"

# a fresh copy of boot loader root NAME (tests/fixtures/roots) in $ROOT
use_root() {
	rm -rf "$ROOT"; mkdir -p "$ROOT"
	cp -a "$GV_SRCDIR/tests/fixtures/roots/$1/." "$ROOT/"
}

# the columns of the screen right of the divider (the step's pane)
pane_col() {
	python3 -c 'import sys
w = int(sys.argv[1])
for l in sys.stdin:
    print(l.rstrip("\n")[w + 1:])' "$1"
}

# step_text DIVIDER: the whole text of the step's pane, scrolled through from
# the top with the focus on it (one j, one new bottom row), focus back on
# the steps; wrapped rows joined and every blank removed, so wrapping at any
# width does not matter to has()
step_text() {
	local div=$1 rule i j prev cur
	keys l
	for (( i = 0; i < 100; i++ )); do keys k; done
	sleep 0.3
	cur=$(screen)
	rule=$(grep -n -m1 -E '^. Log ' <<< "$cur" | cut -d: -f1)
	{
		sed -n "3,$((rule - 1))p" <<< "$cur"
		for (( i = 0; i < 150; i++ )); do
			prev=$cur
			keys j
			for (( j = 0; j < 10; j++ )); do
				sleep 0.03
				cur=$(screen)
				[ "$cur" != "$prev" ] && break
			done
			[ "$cur" = "$prev" ] && break
			sed -n "$((rule - 1))p" <<< "$cur"
		done
	} | pane_col "$div" | tr -d ' \n'
	keys h
}

# has TEXT NEEDLE: NEEDLE is in step_text's TEXT (blanks ignored)
has() {
	[[ $1 == *"${2// /}"* ]] && return 0
	echo "--- not in the step's text: '$2'"
	return 1
}

# the program opened on the device tree (as before), not on a step; then
# 'a' shows the Apply step, whose "After the reboot" section says TEXT
opens_normally_then() {
	wait_for "IOMMU group" || return 1
	if on_screen "Steps" || on_screen "opened on verification"; then
		echo "--- opened on a step:"; screen; return 1
	fi
	keys a
	wait_for "After the reboot" || return 1
	has "$(step_text "$div")" "After the reboot $1"
}

# the step list's status line of Apply & verify (the row after its title)
# matches the extended regular expression RE
apply_status() {
	screen | grep -A1 -F " a  Apply & verify" | tail -n1 | grep -qE -- "$1"
}


# nothing to verify, and looking made no journal
nothing_applied() {
	opens_normally_then "Nothing has been applied" && [ ! -e "$ROOT/var/lib/gpuvirt" ]
}

# ---- the change set, made by the real binary; --iommu where this build has it ----
host ubuntu-v100
use_root ubuntu-grub
CHANGES="--blacklist nouveau --vfio 41:00.0"
if gv --root "$ROOT" plan --iommu > /dev/null 2>&1; then
	CHANGES="--iommu $CHANGES"
fi
N=3   # expectations: no-module nouveau, driver, module vfio_pci (and the argument)
[[ $CHANGES == *--iommu* ]] && N=4
SAVED=$TMPROOT/saved-root
# (set-up, not a check of its own: the CLI tests check apply)
if ! gv --root "$ROOT" apply $CHANGES --yes --no-run > /dev/null 2>&1 ||
	! ls "$ROOT"/var/lib/gpuvirt/journal/* > /dev/null 2>&1; then
	fail "set-up: apply $CHANGES --yes --no-run made no change set"
	exit 1
fi
rm -rf "$SAVED"; cp -a "$ROOT" "$SAVED"

for term in vt100 xterm-256color; do
	t=$term
	if [ "$term" = vt100 ]; then size="80 24"; else size="120 40"; fi
	div=$(( ${size% *} * 11 / 20 ))   # tui/layout.c: the tree's width
	rm -rf "$ROOT"; cp -a "$SAVED" "$ROOT"

	# ---- applied after the test bed's boot: a reboot is pending ----
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	ok "$t: before the reboot: opens as usual; the step says the changes wait for it" \
		opens_normally_then "0 of $N expectations met;"
	text=$(step_text "$div")
	ok "$t: before the reboot: [WARN] with the driver still nouveau" \
		has "$text" "[WARN] 0000:41:00.0 is bound to nouveau, not vfio-pci"
	ok "$t: before the reboot: fix: reboot" has "$text" "fix: reboot: the change set was applied after this boot"
	ok "$t: before the reboot: step status says not in effect yet" apply_status "^ +[0-9]+ not in effect yet: reboot "
	keys q; wait_exit > /dev/null

	# ---- a reboot that did not take: applied before this boot began ----
	sed -i 's/^when .*/when 2000-01-01T00:00:00Z/' "$ROOT"/var/lib/gpuvirt/journal/*
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	ok "$t: after the reboot: the log says why it opened on verification" \
		wait_for "opened on verification: change set 1: "
	ok "$t: after the reboot: opens on the wizard's Apply & verify" \
		bash -c 'on() { grep -qF -- "$1" <<< "$0"; }; on "> Steps" && on "  Apply & verify" &&
			! on "IOMMU group 66"' "$(screen)"
	ok "$t: after the reboot: the section is in view" wait_for "After the reboot"
	ok "$t: after the reboot: one-line summary" wait_for "expectations met; "
	ok "$t: after the reboot: the step's status says what is not in effect" apply_status "^ +[0-9]+ not in effect "
	ok "$t: after the reboot: status as text, [FAIL]" on_screen "[FAIL]"
	ok "$t: after the reboot: opened scrolled to the section" \
		bash -c 'grep -qF "After the reboot" <<< "$0" && ! grep -qF "p  preview" <<< "$0"' "$(screen)"
	text=$(step_text "$div")
	ok "$t: after the reboot: the apply part is above the section" \
		has "$text" "p preview, then y applies o open a saved plan file"
	ok "$t: after the reboot: the change set is named" has "$text" "Change set 1, 2000-01-01T00:00:00Z: write"
	ok "$t: after the reboot: the driver is nouveau, not vfio-pci" \
		has "$text" "[FAIL] 0000:41:00.0 is bound to nouveau, not vfio-pci"
	ok "$t: after the reboot: its evidence from sysfs" \
		has "$text" "/sys/bus/pci/devices/0000:41:00.0/driver: nouveau (change set 1"
	ok "$t: after the reboot: its fix" has "$text" "fix: the host driver claimed it before vfio-pci"
	ok "$t: after the reboot: vfio_pci not loaded" has "$text" "[FAIL] Module vfio_pci is not loaded"
	ok "$t: after the reboot: nouveau still loaded" has "$text" "[FAIL] Module nouveau is loaded"
	ok "$t: after the reboot: the command left pending" \
		has "$text" "[WARN] A command gpuvirt did not run is still pending"
	if [[ $CHANGES == *--iommu* ]]; then
		ok "$t: after the reboot: iommu=pt not on the running command line" \
			has "$text" "[FAIL] iommu=pt is not on the running command line"
		ok "$t: after the reboot: summary names it" \
			has "$text" "0 of $N expectations met; iommu=pt is not on the running command line"
	else
		ok "$t: after the reboot: summary names the first" has "$text" "0 of $N expectations met; module nouveau"
	fi
	keys q; wait_exit > /dev/null

	# ---- undo: nothing applied any more ----
	umockdev-wrapper "$GPUVIRT" --root "$ROOT" undo --yes --no-run > /dev/null 2>&1 ||
		fail "$t: undo --no-run"
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	ok "$t: after undo: opens as usual; nothing to verify" \
		opens_normally_then "Nothing has been applied"
	keys q; wait_exit > /dev/null

	# ---- a fixture with nothing applied ----
	host check-good
	tui_start "$term" || { fail "$t: starts"; continue; }
	tm resize-window -x ${size% *} -y ${size#* }
	ok "$t: nothing applied: opens as usual; nothing to verify; looking made no journal" \
		nothing_applied
	keys q; wait_exit > /dev/null
	host ubuntu-v100
done
