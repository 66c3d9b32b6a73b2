#!/usr/bin/env bash
# The wizard's draft, end to end on the demo at 80x24 on a vt100: Drivers &
# vfio picks 0000:41:00.0, Apply & verify shows the equivalent command, the
# step's preview shows the vfio-pci diff, y applies, and then the status
# lines say it is configured (the draft measured against the new
# snapshots); undo from Apply & verify shows its diff first and reverts
# only on y; S saves the plan file that `gpuvirt apply --plan` applies.
. "$(dirname "$0")/lib-tmux.bash"

bed=$TMPROOT/empty-bed
mkdir -p "$bed/sys" "$TMPROOT/tmp" "$TMPROOT/run"
chmod 0700 "$TMPROOT/run"
echo "gpuvirt test bed: empty" > "$bed/sys/.gpuvirt-testbed"
export UMOCKDEV_DIR=$bed
ROOT=/
TUI_ENV="TMPDIR=$TMPROOT/tmp XDG_RUNTIME_DIR=$TMPROOT/run"

# every file of a root but the journal, with its hash
sums() { (cd "$1" && find . -path ./var/lib/gpuvirt -prune -o -type f -print | LC_ALL=C sort | xargs -r sha256sum); }
# the step's pane (right of the divider) as one line, so that wrapped text
# reads whole
pane_says() { screen | cut -c47- | tr -s ' \n' '  ' | grep -qF -- "$1"; }
# the row of the screen that has TEXT is shown in reverse video (SGR 7)
reverse_row() { screen_e | grep -F -- "$1" | grep -qE $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m'; }

tui_start vt100 --demo || { fail "draft: demo starts"; exit 1; }
scratch=$(ls -d "$TMPROOT"/tmp/gpuvirt-demo.* 2> /dev/null | head -1)
ok "draft: a scratch root" test -d "$scratch"
before=$(sums "$scratch")

# ---- pick ----
keys d
ok "draft: d opens Drivers & vfio" wait_for "GPUs for vfio-pci"
keys n
ok "draft: n moves to 0000:41:00.0" reverse_row "[ ] 0000:41:00.0"
keys Space
ok "draft: space picks it" wait_for "[x] 0000:41:00.0"
ok "draft: the step's status says drafted" on_screen "0000:41:00.0 -> vfio-pci: drafted"
ok "draft: Apply & verify's status counts it" on_screen "1 change drafted"

# ---- the equivalent command, before anything is applied ----
keys a
ok "draft: Apply & verify opens" wait_for "p  preview, then y applies"
ok "draft: the equivalent command" pane_says "Command: gpuvirt --demo apply --vfio 0000:41:00.0"
ok "draft: still to do" pane_says "Plan: 1 change drafted by the steps, still to do."

# ---- preview, apply ----
keys d
wait_for "GPUs for vfio-pci" > /dev/null
keys p
ok "draft: p previews the step" wait_for "y apply  other keys cancel"
ok "draft: the preview binds it by id" on_screen "+options vfio-pci ids=10de:1db4"
ok "draft: nothing is written before y" test ! -e "$scratch/etc/modprobe.d/gpuvirt.conf"
keys y
ok "draft: y applies" wait_for "Applied"
ok "draft: the scratch root has the binding" grep -q "^options vfio-pci ids=10de:1db4" \
	"$scratch/etc/modprobe.d/gpuvirt.conf"
keys x
wait_gone "Applied" > /dev/null
ok "draft: the log says it rescanned" on_screen "rescan (after apply)"
ok "draft: the Drivers status line says configured" wait_for "0000:41:00.0 -> vfio-pci: configured"
ok "draft: the pick is still the draft's" on_screen "[x] 0000:41:00.0"
ok "draft: Apply & verify's status: in place, reboot pending" on_screen "1 drafted, in place; reboot pending"
keys a
wait_for "p  preview, then y applies" > /dev/null
ok "draft: the Apply step says the draft is in place" pane_says "the 1 drafted change is in place"
ok "draft: ...and that the next boot takes it up" pane_says "Reboot pending"
ok "draft: never 'no step has drafted'" bash -c '! grep -q "no step has drafted" <<< "$0"' "$(screen)"
ok "draft: the command is still there to repeat" pane_says "gpuvirt --demo apply --vfio 0000:41:00.0"
keys p
ok "draft: p with the draft in place says so" wait_for "in place already"
keys x

keys S
ok "draft: S with the draft in place: nothing to save" wait_for "Nothing to save"
keys x

# ---- undo: its diff first ----
keys u
ok "draft: undo shows a diff first" wait_for "--- a/"
ok "draft: ...in the preview dialog" on_screen "y apply  other keys cancel"
ok "draft: ...of the change set it reverts" on_screen "# undo change set 1, applied"
ok "draft: nothing is reverted before y" grep -q "ids=10de:1db4" "$scratch/etc/modprobe.d/gpuvirt.conf"
keys Escape
ok "draft: Esc cancels the undo" wait_for "undo cancelled: nothing was changed"
ok "draft: still applied" test -f "$scratch/etc/modprobe.d/gpuvirt.conf"
keys u
wait_for "--- a/" > /dev/null
keys y
ok "draft: y undoes" wait_for "The last change set was undone"
keys x
ok "draft: the scratch root's files are back" test "$(sums "$scratch")" = "$before"
ok "draft: the log says it rescanned" wait_for "rescan (after undo)"
ok "draft: the Drivers status line is back to drafted" on_screen "0000:41:00.0 -> vfio-pci: drafted"
ok "draft: the Apply step: still to do again" pane_says "1 change drafted by the steps, still to do"

# ---- save the plan file ----
plan=$TMPROOT/v100.plan
keys S
ok "draft: S asks for the file" wait_for "File to write the plan to"
keys Enter
ok "draft: an empty path is refused" wait_for "No file was named: nothing was saved."
keys x
keys S
wait_for "File to write the plan to" > /dev/null
keys -l "$plan"
keys Enter
ok "draft: S saves the plan" wait_for "Saved the plan"
ok "draft: ...with the command that applies it on this root" on_screen "gpuvirt --demo apply --plan"
ok "draft: the file is a plan file" bash -c 'head -1 "$0" | grep -qx "gpuvirt-plan 2"' "$plan"
ok "draft: saving writes nothing to the root" test "$(sums "$scratch")" = "$before"
keys x
keys q
ok "draft: q exits with status 0" test "$(wait_exit)" = 0
# the line-mode commands' scratch root starts as the same sample
# configuration: the saved plan applies there
out=$(env TMPDIR="$TMPROOT/tmp" XDG_RUNTIME_DIR="$TMPROOT/run" GPUVIRT_EXPECT_TESTBED=1 \
	umockdev-wrapper "$GPUVIRT" --demo apply --plan "$plan" --yes 2>&1)
ok "draft: gpuvirt --demo apply --plan applies the saved file" grep -q "^options vfio-pci ids=10de:1db4" \
	"$TMPROOT/run/gpuvirt-demo-$(id -u)/etc/modprobe.d/gpuvirt.conf"
grep -q "^Applied to the demo's scratch root" <<< "$out" || printf '%s\n' "$out"
