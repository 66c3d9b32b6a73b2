#!/usr/bin/env bash
# gpuvirt --demo: the wizard on the built-in sample host, changes only to a
# scratch root of this run's own that goes away at exit (the line-mode
# commands keep theirs between commands: tests/cli/demo.sh). It runs inside
# an empty test bed (no PCI device at all) to show that the host comes from
# memory, and that nothing of the machine is read.
. "$(dirname "$0")/lib-tmux.bash"

bed=$TMPROOT/empty-bed
mkdir -p "$bed/sys" "$TMPROOT/tmp" "$TMPROOT/run"
echo "gpuvirt test bed: empty" > "$bed/sys/.gpuvirt-testbed"
export UMOCKDEV_DIR=$bed
ROOT=/
TUI_ENV="TMPDIR=$TMPROOT/tmp XDG_RUNTIME_DIR=$TMPROOT/run"

tui_start vt100 --demo || { fail "demo starts"; exit 1; }
pass "demo starts without a GPU"
ok "demo: the header says DEMO" bash -c '[[ "$0" == *"DEMO"* ]]' "$(row 0)"
ok "demo: it opens on the wizard" on_screen "> Steps"
ok "demo: the firmware step reads the sample host's facts" on_screen "8 pass, 1 warn, 0 fail"
scratch=$(ls -d "$TMPROOT"/tmp/gpuvirt-demo.* 2> /dev/null | head -1)
ok "demo: a scratch root exists" test -d "$scratch"
ok "demo: the header names the scratch root" bash -c '[[ "$0" == *"root "*"${1: -12}" ]]' "$(row 0 | sed 's/ *$//')" "$scratch"
keys a
# the root wraps wherever its (random) length puts the break: read the
# step pane's lines joined
step_pane_says() { wait_for "Commands:" > /dev/null && screen | cut -c47- | tr -s ' \n' '  ' | grep -qF -- "$1"; }
ok "demo: Apply works on the scratch root" step_pane_says "(scratch copy)"

keys p
ok "demo: nothing drafted, nothing to apply" wait_for "No step has drafted a change yet"
keys x
keys w
ok "demo: the sample host's V100" wait_for "41:00.0 NVIDIA Tesla V100"
ok "demo: with nouveau" bash -c 'grep "41:00.0" <<< "$0" | grep -q nouveau' "$(screen)"
ok "demo: and its boot GPU" bash -c 'grep "02:00.0" <<< "$0" | grep -q boot' "$(screen)"
keys r
ok "demo: r says the sample host does not change" wait_for "the sample host does not change"

# The scratch root holds the sample host's own configuration (Ubuntu, GRUB),
# so the whole flow works: detection, a GRUB drop-in, reboot pending.
ok "demo: the scratch root has the sample host's GRUB defaults" test -f "$scratch/etc/default/grub"
keys c
ok "demo: the command-line step finds GRUB from evidence" wait_for "Boot loader: grub"
keys i p
ok "demo: the preview is the GRUB drop-in" wait_for "+++ b/etc/default/grub.d/zz-gpuvirt.cfg"
keys y
ok "demo: applied to the scratch root" wait_for "Applied"
keys x
ok "demo: the drop-in is in the scratch root" grep -q 'iommu=pt' "$scratch/etc/default/grub.d/zz-gpuvirt.cfg"
ok "demo: the header says reboot pending" wait_for "reboot pending"
keys q
ok "demo: q exits with status 0" test "$(wait_exit)" = 0
ok "demo: the scratch root is gone" test ! -e "$scratch"
ok "demo: the line-mode commands' kept scratch root is left alone" test -z "$(ls -A "$TMPROOT/run")"
