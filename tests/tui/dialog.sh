#!/usr/bin/env bash
# Dialogs: the preview-and-confirm dialog shows exactly what `gpuvirt plan`
# prints and applies only on 'y'; the input boxes (text, number, choice).
. "$(dirname "$0")/lib-tmux.bash"

host ubuntu-v100
PLAN=$TMPROOT/blacklist.plan
umockdev-wrapper "$GV_BUILD/tools/plan-save" "$ROOT" "$PLAN" --blacklist nouveau ||
	{ fail "plan-save builds a plan"; exit 1; }
gv plan --blacklist nouveau > "$TMPROOT/plan.txt" 2>/dev/null

open_plan() {
	keys a
	wait_for "p  preview, then y applies" > /dev/null
	keys o
	wait_for "Open a plan file" > /dev/null || return 1
	keys C-u
	keys -l "$PLAN"
	keys Enter
	wait_for "plan file opened" > /dev/null
}

for term in vt100 xterm-256color; do
	t=$term
	host ubuntu-v100   # a fresh root: no journal from the last round
	tui_start "$term" || { fail "$t: starts"; continue; }

	ok "$t: the Apply step opens a plan file (text input box)" open_plan
	keys p
	ok "$t: p opens the preview" wait_for "y apply  other keys cancel"
	# every line `gpuvirt plan` prints is in the dialog, in order, cut at its edge
	missing=
	while IFS= read -r line; do
		want=${line:0:70}
		[ -z "$want" ] && continue
		screen | grep -qF -- "$want" || missing+="[$want] "
	done < "$TMPROOT/plan.txt"
	ok "$t: the preview is gpuvirt plan's text" test -z "$missing"
	[ -z "$missing" ] || echo "not in the dialog: $missing"
	# '+' lines are bold (an attribute, not colour alone)
	ok "$t: added lines are bold" bash -c 'grep -F -- "+blacklist nouveau" | grep -qE $'"'"'\e\\[([0-9;]*;)?1(;[0-9;]*)?m'"'" <<< "$(screen_e)"

	# any key other than y cancels, and nothing is written
	keys n
	ok "$t: n cancels the preview" wait_gone "y apply  other keys cancel"
	ok "$t: cancelling is logged" wait_for "apply cancelled: nothing was written"
	ok "$t: nothing was written" test ! -e "$ROOT/etc/modprobe.d/gpuvirt.conf"
	keys p
	wait_for "y apply  other keys cancel" > /dev/null
	keys Escape
	ok "$t: Esc cancels too" wait_gone "y apply  other keys cancel"
	ok "$t: still nothing written" test ! -e "$ROOT/etc/modprobe.d/gpuvirt.conf"

	# scrolling keys scroll, they do not cancel
	keys p
	wait_for "y apply  other keys cancel" > /dev/null
	keys j
	ok "$t: j scrolls the preview, it stays open" on_screen "y apply  other keys cancel"
	# y applies
	keys y
	ok "$t: y applies" wait_for "Applied 2 change(s)"
	ok "$t: the file is written" grep -qx "blacklist nouveau" "$ROOT/etc/modprobe.d/gpuvirt.conf"
	ok "$t: the journal is written" test -d "$ROOT/var/lib/gpuvirt"
	keys x
	wait_gone "Applied 2 change(s)" > /dev/null

	# number box: out of range says so and stays open; then a good value
	keys t
	ok "$t: t opens a number box" wait_for "Seconds to wait for one sysfs write"
	keys BSpace 0 Enter
	ok "$t: out of range is refused" wait_for "a number from 1 to 120"
	keys BSpace x 9 Enter
	ok "$t: letters are ignored, 9 is taken" wait_for "sysfs timeout: 9 s"
	# choice box
	keys n
	ok "$t: n opens a choice box" wait_for "only list them (--no-run)"
	keys k Enter
	ok "$t: the choice is taken" wait_for "Commands: run after the files"
	keys n
	wait_for "only list them (--no-run)" > /dev/null
	keys o Enter
	ok "$t: a choice's first letter picks it" wait_for "Commands: listed, not run"
	keys n
	wait_for "only list them (--no-run)" > /dev/null
	keys k Escape
	ok "$t: Esc closes the choice box" wait_gone "only list them (--no-run)"
	ok "$t: Esc changes nothing" on_screen "Commands: listed, not run"
	keys q
	ok "$t: q exits with status 0" test "$(wait_exit)" = 0
done

# A read-only person (not root, root /) may preview but not apply.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	host ubuntu-v100
	chmod -R a+rX "$TMPROOT" "$GV_SRCDIR/themes"
	tm kill-server 2>/dev/null
	TM_N=$((TM_N + 1)); TM_SOCK=gvtest-$$-$TM_N; TM_SOCKS+=("$TM_SOCK")
	tm new-session -d -x 80 -y 24 "env TERM=vt100 UMOCKDEV_DIR=$UMOCKDEV_DIR GPUVIRT_EXPECT_TESTBED=1 \
		setpriv --reuid=65534 --regid=65534 --clear-groups umockdev-wrapper $GPUVIRT; sleep 600"
	if wait_for "  CPU "; then
		ok "not root: the header says read-only" on_screen "read-only"
		ok "not root: the log says applying needs root" on_screen "not root: reading only"
		keys a
		ok "not root: the Apply step says root is needed" wait_for "Read-only: applying needs root."
	else
		fail "not root: starts"
	fi
fi

# A preview line longer than the box scrolls sideways (h/l), never wraps.
host ubuntu-v100
tui_start vt100
keys w c i p
ok "preview: a long line is cut at the edge, marked" wait_for "grub.d, gpu>"
keys l
ok "preview: l shows the rest of the line" wait_for "drop-in sorts last): add"
keys h
ok "preview: h goes back" wait_for "grub.d, gpu>"
keys n
keys q
wait_exit > /dev/null
