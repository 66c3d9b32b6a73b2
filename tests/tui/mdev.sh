#!/usr/bin/env bash
# The wizard's "Mediated devices" step at 80x24 on vt100: the V100 under
# NVIDIA's vGPU host driver (Debian 12, mdevctl's broken start-at-boot
# rule) offers nvidia-300 "GRID V100-8C" with 2 available; a count of 2 is
# previewed as two mdevctl definitions, applied on the root alone (the
# running host left alone), and the step then says 2 in place; a removal of
# one of them is previewed alone. On the V100 whose two vGPUs exist, the
# instances are shown live under their parent, in the device tree too, and
# a removal writes the instance's remove; without mdevctl the step names
# the package. The vGPU types of an NVIDIA VF draft --vgpu.
. "$(dirname "$0")/lib-tmux.bash"

# the step's pane (right of the divider), its rows joined into one line,
# wrapped phrases whole again
pane() { screen | head -n -6 | tail -n +2 | cut -c46- | tr -s ' \n' ' '; echo; }
# the step's whole screen, one pane() line per position scrolled through
# with the focus on it (j moves the cursor, then scrolls); the cursor and
# the focus back where they were
step_all() {
	local i
	keys l
	for (( i = 0; i < 40; i++ )); do keys k; done
	sleep 0.1
	for (( i = 0; i < 40; i++ )); do pane; keys j; sleep 0.03; done
	for (( i = 0; i < 40; i++ )); do keys k; done
	keys h
	sleep 0.2
}

# the preview dialog's whole text, paged through (space), then back at its top
preview_all() {
	local i
	for (( i = 0; i < 8; i++ )); do screen; keys Space; sleep 0.05; done
	keys g
	sleep 0.1
}

V100=0000:41:00.0

# ---- vgpu-v100: two nvidia-300 drafted, previewed, applied on the root ----
host vgpu-v100
tui_start vt100 || { fail "starts"; exit 1; }
keys m
ok "m opens the step" wait_for "Parents (n/b moves):"
ok "the step list no longer says 'not available' for it" bash -c 'grep -A1 " m  Mediated devices" <<< "$0" |
	tail -1 | grep -q "1 parent, no instance"' "$(screen)"
ok "the V100 is the parent" on_screen "> $V100 nvidia"
ok "the status line lists the step's keys" on_screen "+ count/type"
all=$(step_all)
ok "Debian 12's broken rule: gpuvirt's own will be written" \
	grep -q "calls /usr/sbin/mdevctl, which is not there: gpuvirt's own rule will be written" <<< "$all"
ok "nvidia-300 \"GRID V100-8C\" is offered" grep -qF '[ ] nvidia-300 "GRID V100-8C"' <<< "$all"
ok "...with 2 available" bash -c 'grep -A1 "nvidia-300 \"GRID V100-8C\"" <<< "$0" | grep -q "2 available"' "$all"
ok "...and its description" grep -qF "framebuffer=8192M" <<< "$all"
ok "nvidia-299 with 4 available" bash -c 'grep -A1 "nvidia-299 \"GRID V100-4C\"" <<< "$0" | grep -q "4 available"' "$all"
ok "no instance yet" grep -qF "No instances on this parent." <<< "$all"
keys p
ok "p with nothing drafted says so" wait_for "Nothing drafted"
keys x
wait_gone "Nothing drafted" > /dev/null
keys ?
ok "? lists the step's keys first" wait_for "This step: Mediated devices"
ok "...+ among them" on_screen "count/type"
keys x
wait_gone "This step: Mediated devices" > /dev/null

# the cursor starts on nvidia-299; n moves it to nvidia-300
keys n +
ok "+ asks for a count" wait_for "Instances of nvidia-300 (GRID V100-8C) to make"
ok "...up to what is available" on_screen "0 to 2"
keys BSpace 3 Enter
ok "a count above what is available is refused" wait_for "a number from 0 to 2"
keys BSpace 2 Enter
ok "2 is drafted" wait_for "[2] nvidia-300"
ok "the step list says 2 drafted" on_screen "2 drafted"
ok "the log says so" on_screen "drafted 2 instance(s) of nvidia-300"
keys p
ok "p previews the step" wait_for "y apply  other keys cancel"
pv=$(preview_all)
ok "two definitions under etc/mdevctl.d/$V100" bash -c '[ "$(grep -oE "\+\+\+ b/etc/mdevctl.d/0000:41:00.0/[0-9a-f-]{36}" <<< "$0" |
	sort -u | wc -l)" = 2 ]' "$pv"
ok "...of type nvidia-300" bash -c '[ "$(grep -c "+  \"mdev_type\": \"nvidia-300\"," <<< "$0")" -ge 2 ]' "$pv"
ok "...started at boot" bash -c '[ "$(grep -c "+  \"start\": \"auto\"," <<< "$0")" -ge 2 ]' "$pv"
ok "...and gpuvirt's own udev rule" grep -qF "+++ b/etc/udev/rules.d/60-gpuvirt-mdevctl.rules" <<< "$pv"
keys y
ok "y applies" wait_for "Applied 5 change(s)"
ok "the running host was left alone" wait_for "not written (the running host is left alone)"
mapfile -t defs < <(find "$ROOT/etc/mdevctl.d/$V100" -type f 2> /dev/null | LC_ALL=C sort)
ok "two definitions written under the root" [ "${#defs[@]}" -eq 2 ]
ok "...in mdevctl's format" cmp -s "${defs[0]}" <(printf '{\n  "mdev_type": "nvidia-300",\n  "start": "auto",\n  "attrs": []\n}')
keys x
wait_gone "Applied 5 change(s)" > /dev/null
ok "the status says 2 in place" wait_for "2 in place"
all=$(step_all)
u=${defs[0]##*/}
ok "the instances are listed: defined, auto" grep -qF "[ ] nvidia-300: not active, defined, auto ${u:0:30}" <<< "$all"
u1=${defs[1]##*/}
ok "...both" grep -qF "${u1:0:30}" <<< "$all"
ok "start at boot: gpuvirt's own rule now" grep -qF "Start at boot: gpuvirt's own udev rule" <<< "$all"
keys p
ok "what is in place is not previewed again" wait_for "Everything drafted in this step is in place."
keys x
wait_gone "Everything drafted" > /dev/null

# a removal of the first instance (after the two types; step_all left the
# cursor on the first)
keys n n -
ok "- drafts the removal" wait_for "drafted removal of $u"
ok "...marked on the instance" on_screen "[-] nvidia-300"
ok "the step list: 1 of 3 still to do" on_screen "1 of 3 still to do"
keys p
ok "p previews the removal" wait_for "y apply  other keys cancel"
pv=$(preview_all)
ok "...which deletes the definition" grep -qF -- "--- a/etc/mdevctl.d/$V100/$u" <<< "$pv"
ok "...and makes no instance" bash -c '! grep -q "make mdev" <<< "$0"' "$pv"
keys Escape
wait_gone "y apply  other keys cancel" > /dev/null
keys -
ok "- again keeps it" wait_for "keeps $u"
# the device tree shows the defined instances under their parent, with state
keys w
ok "the tree: the definitions under the V100, defined, auto" wait_for "mdev ${u:0:8} nvidia-300"
ok "...with their state" bash -c 'grep -F "mdev ${0:0:8} nvidia-300" <<< "$1" | grep -q "defined auto"' "$u" "$(screen)"
keys q
wait_exit > /dev/null

# ---- export-v100-vgpu: live instances, no mdevctl under the root ----
host export-v100-vgpu
tui_start vt100 || { fail "live: starts"; exit 1; }
keys m
wait_for "Parents (n/b moves):" > /dev/null
all=$(step_all)
ok "live: the instances are active" grep -qF "nvidia-300: active, not defined 634fc146-50a3-4960-ac30" <<< "$all"
ok "live: both" grep -qF "nvidia-300: active, not defined c2e088b4-6c7e-4c4b-8d6f" <<< "$all"
ok "live: none available" bash -c 'grep -A1 "nvidia-300 \"GRID V100-8C\"" <<< "$0" | grep -q "0 available"' "$all"
ok "live: without mdevctl, the package is named" \
	grep -qF "mdevctl is not installed: install the package mdevctl" <<< "$all"
ok "live: the step list counts them" on_screen "2 instances"
keys n n -
ok "live: - drafts the first instance's removal" wait_for "drafted removal of 634fc146-50a3-4960-ac30-f09e5cedc674"
keys p
ok "live: the preview writes its remove" wait_for "y apply  other keys cancel"
pv=$(preview_all)
ok "live: ...of that instance" grep -qF "# remove mdev 634fc146-50a3-4960-ac30-f09e5cedc674 (nvidia-300)" <<< "$pv"
ok "live: ...1 to its remove (the line cut at the dialog's edge)" \
	grep -qF "echo 1 > /sys/bus/pci/devices/0000:41:00.0/634fc146-50a3-4960-ac30" <<< "$pv"
keys Escape
wait_gone "y apply  other keys cancel" > /dev/null
keys w
ok "live: the device tree shows the mdevs under the V100" wait_for "mdev 634fc146 nvidia-300"
keys q
wait_exit > /dev/null

# ---- nvidia-vgpu-vf: a VF's vGPU types draft --vgpu ----
host nvidia-vgpu-vf
tui_start vt100 || { fail "vgpu: starts"; exit 1; }
keys m
wait_for "Parents (n/b moves):" > /dev/null
ok "vgpu: the VFs with vGPU types are parents" on_screen "0000:17:00.4"
ok "vgpu: the VF's types are listed" wait_for '1145 "NVIDIA L40S-1B" (now)'
# 17:00.4's two types, then 17:00.5's first
keys n n +
ok "vgpu: + drafts the type" wait_for "drafted vGPU type 1145 (NVIDIA L40S-1B) for 0000:17:00.5"
ok "vgpu: marked" on_screen '[x] 1145 "NVIDIA L40S-1B"'
keys p
ok "vgpu: the preview sets the VF's type" wait_for "y apply  other keys cancel"
pv=$(preview_all)
ok "vgpu: ...in its current_vgpu_type" grep -q "0000:17:00.5/nvidia/current_vgpu_type" <<< "$pv"
keys Escape
wait_gone "y apply  other keys cancel" > /dev/null
keys -
ok "vgpu: - drops it" wait_for "no longer drafted: a vGPU type for 0000:17:00.5"
keys q
wait_exit > /dev/null
